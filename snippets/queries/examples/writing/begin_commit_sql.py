import asyncio

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            session.add(User(email="alan@example.com", name="Alan Turing"))
            try:
                async with session.begin_nested():
                    session.add(User(email="ada@example.com", name="Ada again"))
            except IntegrityError:
                print("duplicate skipped")
                #> duplicate skipped
            await session.commit()
        print(await session.scalar(select(func.count()).select_from(User)))
        #> 4
        print([s for s in sql if "SAVEPOINT" in s])
        #> ['SAVEPOINT sa_savepoint_1', 'ROLLBACK TO SAVEPOINT sa_savepoint_1']
        # --8<-- [end:pattern]


asyncio.run(main())
