import asyncio

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        user = await session.get(User, 1)
        assert user is not None
        with log_sql(engine) as sql:
            await session.refresh(user, ["posts"])
        print([post.title for post in user.posts], len(sql))
        #> ['Notes on the engine', 'Loops in Python'] 2
        # --8<-- [end:pattern]


asyncio.run(main())
