import asyncio

from snippets.queries.upserts import Base, Member, insert_for
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        ada = Member(tenant_id=1, email="ada@example.com", name="Ada")
        session.add(ada)
        await session.commit()  # ada stays in the session, loaded
        # --8<-- [start:pattern]
        insert = insert_for(engine.dialect.name, Member)
        statement = insert.values(tenant_id=1, email="ada@example.com", name="Ada L.")
        upsert = statement.on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],
            set_={"name": statement.excluded.name},
        ).returning(Member)
        member = (await session.scalars(upsert)).one()
        print(member is ada, member.name)
        #> True Ada
        options = {"populate_existing": True}  # overwrite what the session holds
        member = (await session.scalars(upsert, execution_options=options)).one()
        print(member is ada, member.name)
        #> True Ada L.
        # --8<-- [end:pattern]


asyncio.run(main())
