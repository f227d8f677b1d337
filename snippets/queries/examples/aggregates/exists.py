import asyncio

from sqlalchemy import exists, select

from snippets.models import Comment, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        has_commented = exists().where(Comment.author_id == User.id)
        query = select(User.name).where(has_commented).order_by(User.id)
        with log_sql(engine) as sql:
            print((await session.scalars(query)).all())
            #> ['Grace Hopper', 'Linus Torvalds']
        print(sql[0])
        """
        SELECT users.name
        FROM users
        WHERE EXISTS (SELECT *
        FROM comments
        WHERE comments.author_id = users.id) ORDER BY users.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
