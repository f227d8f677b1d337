import asyncio

from sqlalchemy import func, select, update

from snippets.queries.global_filters import Book, create_tables, soft_delete_sessions
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # "Notes" is live, "Old draft" deleted
        sessions = soft_delete_sessions(engine)
        async with sessions() as session:
            # --8<-- [start:pattern]
            with log_sql(engine) as sql:
                await session.execute(
                    update(Book)
                    .where(Book.title == "Notes")
                    .values(deleted_at=func.now())  # the server's clock
                )
                await session.commit()
                live = (await session.scalars(select(Book.title))).all()
                every = select(Book.title).execution_options(include_deleted=True)
                everything = (await session.scalars(every.order_by(Book.id))).all()
            print(live, everything)
            print(*sql, sep="\n")
            # --8<-- [end:pattern]


asyncio.run(main())
