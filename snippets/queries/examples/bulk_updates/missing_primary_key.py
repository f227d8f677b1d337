import asyncio

from sqlalchemy import update
from sqlalchemy.exc import InvalidRequestError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        changes: list[dict[str, object]] = [
            {"id": 1, "name": "Ada King"},
            {"name": "Linus B. Torvalds"},  # no "id"
        ]
        try:
            await session.execute(update(User), changes)
        except InvalidRequestError as exc:
            print(exc)
        # --8<-- [end:pattern]


asyncio.run(main())
