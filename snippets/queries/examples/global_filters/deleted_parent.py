import asyncio

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from snippets.queries.global_filters import (
    Author,
    Book,
    create_tables,
    soft_delete_sessions,
)
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # book 1 "Notes" is live, by Ada
        sessions = soft_delete_sessions(engine)
        async with sessions() as session:
            await session.execute(update(Author).values(deleted_at=func.now()))
            await session.commit()
        # --8<-- [start:pattern]
        async with sessions() as session:
            notes = await session.get(Book, 1)  # live, and its author_id is 1
            assert notes is not None
            print(notes.author_id, await notes.awaitable_attrs.author)
            #> 1 None
        async with sessions() as session:
            inner = joinedload(Book.author, innerjoin=True)
            books = (await session.scalars(select(Book).options(inner))).all()
            print(books)
            #> []
        # --8<-- [end:pattern]


asyncio.run(main())
