import asyncio

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert

from snippets.queries.upserts import Base, Member
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        statement = insert(Member).on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],
            set_={"name": insert(Member).excluded.name},
        )
        ada = {"tenant_id": 1, "email": "ada@example.com"}
        rows = [{**ada, "name": "A"}, {**ada, "name": "B"}]
        await session.execute(statement.values(rows))  # one statement
        print((await session.execute(select(Member.id, Member.name))).all())
        #> [(1, 'B')]
        # --8<-- [end:pattern]


asyncio.run(main())
