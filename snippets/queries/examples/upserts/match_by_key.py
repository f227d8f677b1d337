import asyncio

from snippets.queries.upserts import Base, Member, insert_for
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Member(tenant_id=1, email="ada@example.com", name="Ada"))
        await session.commit()
        # --8<-- [start:pattern]
        insert = insert_for(engine.dialect.name, Member)
        statement = insert.on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],
            set_={"name": insert.excluded.name},
        ).returning(
            Member.tenant_id, Member.email, Member.id
        )  # the key comes back
        keys = [(1, "zed@example.com"), (1, "ada@example.com"), (1, "bob@example.com")]
        rows = [{"tenant_id": t, "email": e, "name": e[:3]} for t, e in keys]
        result = await session.execute(statement, rows)
        ids = {(tenant, email): id_ for tenant, email, id_ in result}
        print([(email, ids.get((tenant, email))) for tenant, email in keys])
        # --8<-- [end:pattern]


asyncio.run(main())
