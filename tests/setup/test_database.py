"""snippets/database.py: the engine's pool, startup errors, and one session per request."""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import URL, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

from snippets.database import DatabaseUnavailableError, close_db, create_engine, init_db
from snippets.settings import Settings
from tests import postgres
from tests.docs_examples import ROOT
from tests.pages import shown_output, shown_table

KNOB_TO_POOL = {
    "pool_size": lambda pool: pool.size(),
    "max_overflow": lambda pool: pool._max_overflow,
    "pool_timeout": lambda pool: pool.timeout(),
    "pool_recycle": lambda pool: pool._recycle,
    "pool_pre_ping": lambda pool: pool._pre_ping,
    "pool_use_lifo": lambda pool: pool._pool.use_lifo,
}


def knob_table() -> dict[str, dict[str, str]]:
    rows = shown_table("setup/engine-and-sessions.md", "pool-knobs")
    return {row["knob"].strip("`"): row for row in rows}


def test_pool_table_defaults_are_sqlalchemys() -> None:
    table = knob_table()
    assert set(table) == set(KNOB_TO_POOL)
    default_pool = create_async_engine("postgresql+asyncpg://u:p@h/d").pool
    for knob, read in KNOB_TO_POOL.items():
        assert table[knob]["SQLAlchemy default"] == str(read(default_pool)), knob
    # Also the constructor's own signature, in case the engine ever stops passing them through.
    queue_pool = inspect.signature(QueuePool.__init__).parameters
    assert table["pool_size"]["SQLAlchemy default"] == str(
        queue_pool["pool_size"].default
    )
    assert table["max_overflow"]["SQLAlchemy default"] == str(
        queue_pool["max_overflow"].default
    )


def test_pool_table_matches_the_guides_engine() -> None:
    table = knob_table()
    pool = create_engine(Settings(database_url="postgresql://u:p@h/d")).pool
    for knob, read in KNOB_TO_POOL.items():
        assert table[knob]["this guide"].split(" ")[0] == str(read(pool)), knob


def test_pool_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@h/d")
    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "2.5")
    monkeypatch.setenv("DB_POOL_RECYCLE", "60")
    pool = create_engine(Settings()).pool
    assert [read(pool) for read in KNOB_TO_POOL.values()] == [
        3,
        0,
        2.5,
        60,
        True,
        False,
    ]


async def test_sqlite_enforces_foreign_keys(engine: AsyncEngine, backend: str) -> None:
    async with engine.connect() as connection:
        if backend == "sqlite":
            assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
        result = connection.execute(
            text(
                "INSERT INTO posts (author_id, title, body, published) VALUES (999, 't', '', false)"
            )
        )
        with pytest.raises(Exception, match=r"(?i)foreign key"):
            await result


async def test_init_db_creates_the_tables_only_when_asked_and_is_repeatable(
    settings: Settings,
) -> None:
    engine = create_engine(settings)
    await init_db(engine)  # by default only the connection check
    async with engine.connect() as connection:
        before = await connection.run_sync(
            lambda sync: set(sync.dialect.get_table_names(sync))
        )
    await init_db(engine, create_tables=True)
    await init_db(engine, create_tables=True)  # existing tables are left alone
    async with engine.connect() as connection:
        names = await connection.run_sync(
            lambda sync: set(sync.dialect.get_table_names(sync))
        )
    await close_db(engine)
    assert before == set()
    assert names == {
        "users",
        "posts",
        "tags",
        "post_tags",
        "comments",
        "reactions",
        "categories",
    }


async def test_unreachable_server_is_a_clear_startup_error() -> None:
    engine = create_engine(
        Settings(database_url="postgresql://app:s3cret@127.0.0.1:1/shop")
    )
    with pytest.raises(DatabaseUnavailableError) as raised:
        await init_db(engine)
    await close_db(engine)
    assert "ConnectionRefusedError" in str(raised.value)
    assert "127.0.0.1:1" in str(raised.value)
    assert "s3cret" not in str(raised.value)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_missing_database_is_a_clear_startup_error(database_url: str) -> None:
    url = Settings(database_url=database_url).database_url.set(
        database="no_such_database"
    )
    engine = create_engine(Settings(database_url=url))
    with pytest.raises(DatabaseUnavailableError, match="InvalidCatalogNameError"):
        await init_db(engine)
    await close_db(engine)


async def test_wrong_password_is_a_clear_startup_error_without_the_password(
    password_role: URL,
) -> None:
    right = create_engine(
        Settings(database_url=password_role.set(password="right-password"))
    )
    await init_db(right)  # the role works with the right password
    await close_db(right)

    url = password_role.set(password="wrong-password")
    engine = create_engine(Settings(database_url=url))
    try:
        await init_db(engine)
    except DatabaseUnavailableError as exc:
        message = str(exc)
    else:
        pytest.skip(
            "this server lets the role in without checking its password (trust auth)"
        )
    finally:
        await close_db(engine)
    assert "wrong-password" not in message
    location = str(url).replace(
        f"postgresql+asyncpg://{postgres.PASSWORD_ROLE}:***@", ""
    )
    shown = message.replace(location, "HOST/postgres")
    assert shown == shown_output("setup/verify.md", "wrong-password")


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgres_default_max_connections_is_as_the_page_says(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        default = await connection.scalar(
            text("SELECT boot_val FROM pg_settings WHERE name = 'max_connections'")
        )
    page = (ROOT / "docs" / "setup" / "engine-and-sessions.md").read_text()
    assert f"PostgreSQL allows {default} by default" in " ".join(page.split())
