import asyncio

from sqlalchemy import select

from snippets.queries.upserts import Base, Member, insert_for
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        insert = insert_for(engine.dialect.name, Member)
        statement = insert.on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],  # the unique pair
            set_={"name": insert.excluded.name, "version": insert.excluded.version},
            where=Member.version < insert.excluded.version,  # only if newer
        )
        ada = {"email": "ada@example.com", "name": "Ada", "version": 1}
        both = [{**ada, "tenant_id": 1}, {**ada, "tenant_id": 2}]
        await session.execute(statement, both)
        newer = {**ada, "tenant_id": 1, "name": "Ada L.", "version": 2}
        older = {**ada, "tenant_id": 2, "name": "Old", "version": 0}
        await session.execute(statement, [newer, older])
        await session.commit()
        query = select(Member.tenant_id, Member.name, Member.version)
        print((await session.execute(query.order_by(Member.id))).all())
        #> [(1, 'Ada L.', 2), (2, 'Ada', 1)]
        # --8<-- [end:pattern]


asyncio.run(main())
