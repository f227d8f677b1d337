import asyncio

from snippets.queries.upserts import Base, Member, insert_for
from snippets.sample import sample_db
from snippets.sql_log import log_sql


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
        ).returning(Member.id, Member.email, sort_by_parameter_order=True)
        emails = ["zed@example.com", "ada@example.com", "bob@example.com"]
        rows = [{"tenant_id": 1, "email": email, "name": email[:3]} for email in emails]
        with log_sql(engine) as sql:
            result = await session.execute(statement, rows)
        print([email for _, email in result])
        print(len(sql), "statement(s), the first:", sql[0][:62], "...")
        print(sql[0][sql[0].index("RETURNING") :])
        # --8<-- [end:pattern]


asyncio.run(main())
