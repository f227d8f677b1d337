import asyncio

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(Post).options(joinedload(Post.author)).order_by(Post.id)
        with log_sql(engine) as sql:
            posts = (await session.scalars(query)).all()
        print([(post.title, post.author.name) for post in posts])
        """
        [
            ("Notes on the engine", "Ada Lovelace"),
            ("COBOL reads like English", "Grace Hopper"),
            ("Loops in Python", "Ada Lovelace"),
        ]
        """
        print(len(sql))
        #> 1
        print(sql[0])
        """
        SELECT posts.id, posts.author_id, posts.title, posts.body, posts.published, posts.created_at, posts.updated_at, users_1.id AS id_1, users_1.email, users_1.name, users_1.created_at AS created_at_1, users_1.updated_at AS updated_at_1
        FROM posts LEFT OUTER JOIN users AS users_1 ON users_1.id = posts.author_id ORDER BY posts.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
