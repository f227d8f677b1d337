import asyncio

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from snippets.queries.global_filters import Author, create_tables, soft_delete_sessions
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # Ada: "Notes" is live, "Old draft" deleted
        sessions = soft_delete_sessions(engine)
        # --8<-- [start:pattern]
        for loader in selectinload, joinedload:
            async with sessions() as session:
                with log_sql(engine) as sql:
                    query = select(Author).options(loader(Author.books))
                    ada = (await session.scalars(query)).unique().one()
                print(loader.__name__, [book.title for book in ada.books])
                print(*sql, sep="\n")
        # --8<-- [end:pattern]


asyncio.run(main())
