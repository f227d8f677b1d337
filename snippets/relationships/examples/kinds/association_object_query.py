import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.models import Post, Reaction
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = (
            select(Post)
            .where(Post.id == 1)
            .options(selectinload(Post.reactions).selectinload(Reaction.user))
        )
        with log_sql(engine) as sql:
            post = await session.scalar(query)
        assert post is not None
        print([(reaction.user.name, reaction.kind) for reaction in post.reactions])
        #> [('Grace Hopper', 'insightful'), ('Linus Torvalds', 'like')]
        print(len(sql))
        #> 3
        # --8<-- [end:pattern]


asyncio.run(main())
