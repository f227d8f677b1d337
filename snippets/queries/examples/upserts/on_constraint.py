import asyncio

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from snippets.queries.upserts import Base, Member
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        statement = insert(Member).values(
            tenant_id=1, email="ada@example.com", name="Ada"
        )
        statement = statement.on_conflict_do_update(
            constraint="members_tenant_email_key",  # the name in __table_args__
            set_={"name": statement.excluded.name},
        )
        async with engine.begin() as connection:
            with log_sql(engine) as sql:
                await connection.execute(statement)
                await connection.execute(statement.values(name="Ada Lovelace"))
            print((await connection.execute(select(Member.name))).scalars().all())
            #> ['Ada Lovelace']
        print(sql[0][sql[0].index("ON CONFLICT") :])
        """
        ON CONFLICT ON CONSTRAINT members_tenant_email_key DO UPDATE SET name = excluded.name RETURNING members.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
