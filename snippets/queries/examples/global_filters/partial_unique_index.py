import asyncio

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from snippets.queries.global_filters import Author, create_tables, soft_delete_sessions
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # ada@example.com is a live author
        sessions = soft_delete_sessions(engine)
        async with sessions() as session:
            # --8<-- [start:pattern]
            await session.execute(update(Author).values(deleted_at=func.now()))
            session.add(Author(email="ada@example.com"))  # same email, live again
            await session.commit()
            every = select(Author.id).execution_options(include_deleted=True)
            print("rows:", len((await session.scalars(every)).all()))
            #> rows: 2
            session.add(Author(email="ada@example.com"))  # two live ones: refused
            try:
                await session.commit()
            except IntegrityError:
                print("second live row: IntegrityError")
                #> second live row: IntegrityError
            # --8<-- [end:pattern]


asyncio.run(main())
