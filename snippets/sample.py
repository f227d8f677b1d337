"""A small, fixed data set for the query and loading examples."""

# --8<-- [start:sample_db]
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from snippets.database import close_db, create_engine, create_session_factory, init_db
from snippets.models import Category, Comment, Post, Reaction, Tag, User
from snippets.settings import Settings


def sample_rows() -> list[User | Comment | Reaction | Category]:
    """Ada wrote two posts, Grace one, Linus none; three comments, three tags, two
    reactions, and a small tree of categories."""
    ada = User(email="ada@example.com", name="Ada Lovelace")
    grace = User(email="grace@example.com", name="Grace Hopper")
    linus = User(email="linus@example.com", name="Linus Torvalds")
    sql, python, history = Tag(name="sql"), Tag(name="python"), Tag(name="history")
    engine = Post(
        title="Notes on the engine", author=ada, tags=[history], published=True
    )
    Post(title="Loops in Python", author=ada, tags=[python])  # now in ada.posts
    cobol = Post(title="COBOL reads like English", author=grace, tags=[sql, history])
    return [
        ada,
        grace,
        linus,
        Comment(body="Fascinating.", post=engine, author=grace),
        Comment(body="Agreed.", post=engine, author=linus),
        Comment(body="Still runs banks.", post=cobol, author=linus),
        Reaction(kind="insightful", user=grace, post=engine),
        Reaction(kind="like", user=linus, post=engine),
        Category(
            name="Computing",
            children=[
                Category(name="Databases", children=[Category(name="PostgreSQL")]),
                Category(name="Languages"),
            ],
        ),
    ]


@asynccontextmanager
async def sample_db() -> AsyncIterator[
    tuple[AsyncEngine, async_sessionmaker[AsyncSession]]
]:
    """The database DATABASE_URL names, with the tables and the sample rows in it."""
    engine = create_engine(Settings())
    await init_db(engine, create_tables=True)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        session.add_all(sample_rows())
        await session.commit()
    try:
        yield engine, sessions
    finally:
        await close_db(engine)


# --8<-- [end:sample_db]
