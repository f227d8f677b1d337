import asyncio

from sqlalchemy import func, update

from snippets.queries.global_filters import Book, create_tables, soft_delete_sessions
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # book 1 "Notes" is live
        sessions = soft_delete_sessions(engine)
        # --8<-- [start:pattern]
        async with sessions() as session:
            notes = await session.get(Book, 1)
            await session.execute(
                update(Book).where(Book.id == 1).values(deleted_at=func.now())
            )
            await session.commit()
            with log_sql(engine) as sql:
                again = await session.get(Book, 1)
            print("same session:", again is notes, f"{len(sql)} queries")
            #> same session: True 0 queries
        async with sessions() as session:
            with log_sql(engine) as sql:
                fresh = await session.get(Book, 1)
            print("new session:", fresh, f"{len(sql)} query")
            #> new session: None 1 query
            opt_out = {"include_deleted": True}
            found = await session.get(Book, 1, execution_options=opt_out)
            print("opt-out:", found is not None and found.deleted_at is not None)
            #> opt-out: True
        # --8<-- [end:pattern]


asyncio.run(main())
