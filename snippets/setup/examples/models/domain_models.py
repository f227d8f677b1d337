import asyncio

from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import selectinload

from snippets.database import create_session_factory
from snippets.models import Comment, Post, Tag, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        # --8<-- [start:pattern]
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            ada = User(email="ada@example.com", name="Ada")
            post = Post(
                title="Notes on the engine", author=ada, tags=[Tag(name="history")]
            )
            session.add_all([ada, Comment(body="Fascinating.", post=post, author=ada)])
            await session.commit()

        async with session_factory() as session:
            user = await session.scalar(select(User))
            assert user is not None
            try:
                print(user.posts)
            except InvalidRequestError as exc:
                print(exc)
                #> 'User.posts' is not available due to lazy='raise_on_sql'

            query = select(User).options(
                selectinload(User.posts).selectinload(Post.tags)
            )
            user = await session.scalar(query)
            assert user is not None
            print([(p.title, [t.name for t in p.tags]) for p in user.posts])
            #> [('Notes on the engine', ['history'])]
        # --8<-- [end:pattern]


asyncio.run(main())
