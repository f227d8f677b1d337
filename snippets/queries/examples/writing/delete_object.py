import asyncio

from sqlalchemy import update

from snippets.models import Post
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        post = await session.get(Post, 2)
        assert post is not None
        await session.execute(update(Post).where(Post.id == 2).values(title="Renamed"))
        print(post.title)
        #> Renamed
        await session.execute(
            update(Post).where(Post.id == 2).values(title="Renamed again"),
            execution_options={"synchronize_session": False},
        )
        print(post.title)
        #> Renamed
        await session.refresh(post)
        print(post.title)
        #> Renamed again
        # --8<-- [end:pattern]


asyncio.run(main())
