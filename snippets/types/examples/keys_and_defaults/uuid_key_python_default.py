import asyncio

from sqlalchemy import select

from snippets.sample import sample_db
from snippets.sql_log import log_sql
from snippets.types.keys_and_defaults import Account, Base


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        column = Base.metadata.tables["accounts"].c.id
        print("column type:", column.type.compile(engine.dialect))
        ada = Account(name="Ada")
        print("before the flush:", ada.id)  # the default runs at the INSERT
        with log_sql(engine) as sql:
            session.add(ada)
            await session.flush()
        print(*sql)
        print("after the flush: version", ada.id.version, type(ada.id))
        read_back = await session.scalar(select(Account.id))
        print("read back:", type(read_back), read_back == ada.id)
        # --8<-- [end:pattern]


asyncio.run(main())
