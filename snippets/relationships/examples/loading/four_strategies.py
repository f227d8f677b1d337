import asyncio

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload, subqueryload

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions):
        # --8<-- [start:pattern]
        strategies = {
            "lazy, one by one": lazyload(User.posts),
            "selectinload": selectinload(User.posts),
            "joinedload": joinedload(User.posts),
            "subqueryload": subqueryload(User.posts),
        }
        for name, option in strategies.items():
            async with sessions() as fresh:
                with log_sql(engine) as sql:
                    result = await fresh.execute(
                        select(User).options(option).order_by(User.id)
                    )
                    users = result.unique().scalars().all()
                    counts = [len(await user.awaitable_attrs.posts) for user in users]
                print(f"{name}: {counts}, statements: {len(sql)}")
                #> lazy, one by one: [2, 1, 0], statements: 4
                #> selectinload: [2, 1, 0], statements: 2
                #> joinedload: [2, 1, 0], statements: 1
                #> subqueryload: [2, 1, 0], statements: 2
        # --8<-- [end:pattern]


asyncio.run(main())
