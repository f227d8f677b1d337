import asyncio

from sqlalchemy import update
from sqlalchemy.exc import InvalidRequestError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        changes = [{"id": 1, "name": "Ada King"}, {"id": 2, "name": "Grace B. Hopper"}]
        only_examples = update(User).where(User.email.endswith("@example.com"))
        try:
            await session.execute(only_examples, changes)
        except InvalidRequestError as exc:
            print(exc)
            """
            bulk synchronize of persistent objects not supported when using bulk update with additional WHERE criteria right now.  add synchronize_session=None execution option to bypass synchronize of persistent objects.
            """
        # --8<-- [end:pattern]


asyncio.run(main())
