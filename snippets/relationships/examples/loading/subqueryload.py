import asyncio

from sqlalchemy import select
from sqlalchemy.orm import subqueryload

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(User).options(subqueryload(User.posts)).order_by(User.id)
        with log_sql(engine) as sql:
            users = (await session.scalars(query)).all()
        print({user.name: len(user.posts) for user in users})
        #> {'Ada Lovelace': 2, 'Grace Hopper': 1, 'Linus Torvalds': 0}
        print(sql[1])
        """
        SELECT posts.id AS posts_id, posts.author_id AS posts_author_id, posts.title AS posts_title, posts.body AS posts_body, posts.published AS posts_published, posts.created_at AS posts_created_at, posts.updated_at AS posts_updated_at, anon_1.users_id AS anon_1_users_id
        FROM (SELECT users.id AS users_id
        FROM users) AS anon_1 JOIN posts ON anon_1.users_id = posts.author_id ORDER BY posts.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
