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
        ada = Account(name="Ada", profile=Profile(bio="Analyst"))
        session.add_all([ada, Account(name="Grace")])
        await session.commit()
        session.expunge_all()  # load them afresh
        # --8<-- [start:pattern]
        query = select(Account).options(joinedload(Account.profile))
        with log_sql(engine) as sql:
            accounts = (await session.scalars(query.order_by(Account.id))).all()
        print(Account.profile.property.uselist, len(sql))
        #> False 1
        print({a.name: a.profile and a.profile.bio for a in accounts})
        #> {'Ada': 'Analyst', 'Grace': None}
        # --8<-- [end:pattern]


asyncio.run(main())
