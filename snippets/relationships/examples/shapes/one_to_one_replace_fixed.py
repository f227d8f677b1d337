import asyncio

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from snippets.relationships.shapes import Account, Base, Profile
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add(Account(name="Ada", profile=Profile(bio="Analyst")))
        await session.commit()
        query = select(Account).options(joinedload(Account.profile))
        account = (await session.scalars(query)).one()
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            await session.delete(account.profile)
            await session.flush()  # the DELETE goes first
            account.profile = Profile(bio="Poet")
            await session.commit()
        print([" ".join(statement.split()[:3]) for statement in sql])
        #> ['DELETE FROM profiles', 'INSERT INTO profiles']
        # --8<-- [end:pattern]
        session.expunge_all()
        account = (await session.scalars(query)).one()
        print(account.profile and account.profile.bio)
        #> Poet


asyncio.run(main())
