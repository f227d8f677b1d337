import asyncio

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import InvalidRequestError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        by_key = (  # the 1.4 Core way: own WHERE, own bound names
            update(User)
            .where(User.id == bindparam("b_id"))
            .values(name=bindparam("b_name"))
        )
        rows = [{"b_id": 1, "b_name": "Ada King"}, {"b_id": 3, "b_name": "Linus B."}]
        refused: list[str] = []
        for options in [{}, {"synchronize_session": None}]:
            try:
                await session.execute(by_key.execution_options(**options), rows)
            except InvalidRequestError as exc:
                refused.append(exc.args[0])
        print(*refused, sep="\n")
        """
        bulk synchronize of persistent objects not supported when using bulk update with additional WHERE criteria right now.  add synchronize_session=None execution option to bypass synchronize of persistent objects.

        No primary key value supplied for column(s) users.id; per-row ORM Bulk UPDATE by Primary Key requires that records contain primary key values
        """
        # Core on the session's connection: one executemany, same transaction
        await (await session.connection()).execute(by_key, rows)
        names = await session.scalars(select(User.name).order_by(User.id))
        print(names.all())
        #> ['Ada King', 'Grace Hopper', 'Linus B.']
        # --8<-- [end:pattern]


asyncio.run(main())
