import asyncio

from sqlalchemy import func, select

from snippets.models import Comment, Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        per_post = (
            select(Comment.post_id, func.count().label("n"))
            .group_by(Comment.post_id)
            .subquery()
        )
        query = (
            select(User.name, func.sum(per_post.c.n))
            .join(Post, Post.author_id == User.id)
            .join(per_post, per_post.c.post_id == Post.id)
            .group_by(User.id, User.name)
            .order_by(User.id)
        )
        print((await session.execute(query)).all())
        # --8<-- [end:pattern]


asyncio.run(main())
