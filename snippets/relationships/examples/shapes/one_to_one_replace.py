import asyncio

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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
        # --8<-- [start:pattern]
        account = (await session.scalars(query)).one()
        account.profile = Profile(bio="Poet")  # the old one becomes an orphan
        with log_sql(engine) as sql:
            try:
                await session.commit()
            except IntegrityError as exc:
                print(f"{type(exc.orig).__name__}: {exc.orig}")
        # The INSERT went first, and failed: the DELETE was never sent.
        print([" ".join(statement.split()[:3]) for statement in sql])
        # --8<-- [end:pattern]


asyncio.run(main())
