"""A small, fixed data set for the query and loading examples."""

# --8<-- [start:sample_db]
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import URL, Connection, MetaData, inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from snippets.database import (
    MigratedDatabaseError,
    close_db,
    create_engine,
    create_session_factory,
    init_db,
)
from snippets.models import Base, Category, Comment, Post, Reaction, Tag, User
from snippets.settings import Settings, to_async_url

# Opt-in: the examples never touch DATABASE_URL, the database an app would use.
EXAMPLES_DATABASE_URL = "EXAMPLES_DATABASE_URL"


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


def examples_url(*, postgres: bool = False) -> URL:
    """The database an example uses: the throwaway one EXAMPLES_DATABASE_URL names, else
    a private in-memory SQLite database; never DATABASE_URL, the database of the app."""
    url = to_async_url(
        os.environ.get(EXAMPLES_DATABASE_URL, "sqlite://"), EXAMPLES_DATABASE_URL
    )
    if postgres and url.get_backend_name() != "postgresql":
        raise RuntimeError(
            f"{EXAMPLES_DATABASE_URL} is not set to a PostgreSQL database, which this "
            "example needs: point it at a throwaway one (sample_db() empties it first)"
        )
    return url


@asynccontextmanager
async def sample_db(
    *, rows: bool = True, postgres: bool = False
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """A private in-memory SQLite database with the sample tables (and, unless
    rows=False, the sample rows); or the throwaway database EXAMPLES_DATABASE_URL
    names, emptied first (all its tables), which postgres=True requires."""
    # In memory, SQLAlchemy shares one connection (StaticPool): every session sees it.
    engine = create_engine(Settings(database_url=examples_url(postgres=postgres)))
    try:
        await init_db(engine)  # connects, or fails with a clear error
        async with engine.begin() as connection:
            await connection.run_sync(_fresh_tables)
        sessions = create_session_factory(engine)
        if rows:
            async with sessions() as session:
                session.add_all(sample_rows())
                await session.commit()
        yield engine, sessions
    finally:
        await close_db(engine)


def _fresh_tables(connection: Connection) -> None:
    # Each run starts from the same database, so an example runs twice in a row.
    if inspect(connection).has_table("alembic_version"):
        raise MigratedDatabaseError(
            f"{EXAMPLES_DATABASE_URL} names a database whose schema Alembic manages "
            "(alembic_version exists); sample_db() drops every table in it first, "
            "so point it at a throwaway database"
        )
    # Every table, not only the sample's: tables an example added (and their id
    # sequences on PostgreSQL) would change what the next run prints.
    leftovers = MetaData()
    leftovers.reflect(connection)
    leftovers.drop_all(connection)
    Base.metadata.create_all(connection)


# --8<-- [end:sample_db]
