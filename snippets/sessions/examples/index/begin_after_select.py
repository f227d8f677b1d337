import asyncio

from sqlalchemy.exc import InvalidRequestError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        user = await session.get_one(User, 1)  # Ada, read with a SELECT
        print(session.in_transaction())  # the SELECT began the transaction
        #> True
        try:
            async with session.begin():  # too late: one is already open
                user.name = "Ada King"
        except InvalidRequestError as exc:
            print(f"{type(exc).__name__}: {exc}")
            #> InvalidRequestError: A transaction is already begun on this Session.
        # --8<-- [end:pattern]


asyncio.run(main())
