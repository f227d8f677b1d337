"""Where the seed documents (../shared/seeds) are wrong or outdated, and other claims the Setup
pages make in prose: each is reproduced here on the pinned versions."""

from __future__ import annotations

import asyncio
import collections.abc
import subprocess
import sys
import typing
from datetime import datetime
from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, func, make_url, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column
from sqlalchemy.schema import CreateTable

from snippets.settings import Settings
from tests import versions
from tests.docs_examples import ROOT
from tests.pages import shown_output


def mypy_errors(tmp_path: Path, name: str, source: str) -> list[str]:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.11",
            "--no-error-summary",
            "--no-incremental",
            str(path),
        ],
        capture_output=True,
        text=True,
    )
    return [
        line.split(": ", 1)[1]
        for line in result.stdout.splitlines()
        if ": error:" in line
    ]


SEED_GET_DB = """
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

AsyncSessionLocal: async_sessionmaker[AsyncSession]


async def get_db() -> AsyncGenerator[AsyncSession]:
    async with AsyncSessionLocal() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        finally:
            await session.close()
"""


def test_seed_get_db_fails_type_checking_as_shown(tmp_path: Path) -> None:
    errors = mypy_errors(tmp_path, "seed", SEED_GET_DB)
    errors += mypy_errors(
        tmp_path,
        "seed_imported",
        "from collections.abc import AsyncGenerator\n" + SEED_GET_DB,
    )
    assert "\n".join(errors) == shown_output(
        "setup/engine-and-sessions.md", "seed-get-db-mypy"
    )


def test_one_argument_async_generator_depends_on_where_it_comes_from() -> None:
    assert collections.abc.AsyncGenerator[AsyncSession] is not None
    if sys.version_info < (3, 13):
        with pytest.raises(
            TypeError, match=r"Too few arguments for typing.AsyncGenerator; actual 1"
        ):
            typing.AsyncGenerator[AsyncSession]
    else:
        assert typing.AsyncGenerator[AsyncSession] is not None


SEED_LIFESPAN = """
from contextlib import asynccontextmanager

from fastapi import FastAPI


async def init_db() -> None: ...
async def close_db() -> None: ...


@asynccontextmanager
async def lifespan(app: FastAPI):
    await init_db()
    yield
    await close_db()
"""


def test_seed_lifespan_needs_a_return_type_under_mypy_strict(tmp_path: Path) -> None:
    errors = mypy_errors(tmp_path, "seed_lifespan", SEED_LIFESPAN)
    assert errors == [
        "error: Function is missing a return type annotation  [no-untyped-def]",
    ]
    fixed = SEED_LIFESPAN.replace(
        "async def lifespan(app: FastAPI):",
        "async def lifespan(app: FastAPI) -> AsyncIterator[None]:",
    )
    assert (
        mypy_errors(
            tmp_path, "fixed", "from collections.abc import AsyncIterator\n" + fixed
        )
        == []
    )


def test_seed_class_argument_is_the_default() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    assert async_sessionmaker(engine).class_ is AsyncSession


async def test_async_with_already_closes_the_session(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    factory = async_sessionmaker(engine)
    async with factory() as session:
        await session.execute(text("SELECT 1"))
        assert session.in_transaction()
        assert engine.pool.checkedout() == 1
    # Leaving the block closed it: transaction ended, connection back in the pool.
    assert not session.in_transaction()
    assert engine.pool.checkedout() == 0
    await engine.dispose()


def test_seed_timestamps_are_without_time_zone() -> None:
    class Base(MappedAsDataclass, DeclarativeBase):
        pass

    class TimestampMixin(MappedAsDataclass):  # the seed's, verbatim
        created_at: Mapped[datetime] = mapped_column(insert_default=func.now())
        updated_at: Mapped[datetime] = mapped_column(
            insert_default=func.now(), onupdate=func.now()
        )

    class Item(TimestampMixin, Base):
        __tablename__ = "items"
        id: Mapped[int] = mapped_column(primary_key=True, init=False)

    ddl = str(CreateTable(Item.__table__).compile(dialect=postgresql.dialect()))
    assert "created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL" in ddl
    assert "updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL" in ddl


@pytest.mark.parametrize("backend", ["postgres"])
async def test_aware_datetime_into_timestamp_without_time_zone_fails(
    database_url: str,
) -> None:
    from datetime import UTC, datetime

    engine = create_async_engine(Settings(database_url=database_url).database_url)
    table = Table("events", MetaData(), Column("at", DateTime()))
    async with engine.begin() as connection:
        await connection.run_sync(table.metadata.create_all)
        with pytest.raises(
            DBAPIError, match="can't subtract offset-naive and offset-aware"
        ):
            await connection.execute(table.insert().values(at=datetime.now(UTC)))
    await engine.dispose()


@pytest.mark.needs("sqlalchemy>=2.1")
def test_bare_postgresql_url_means_psycopg_in_sqlalchemy_21() -> None:
    assert make_url("postgresql://u:p@h/d").get_dialect().driver == "psycopg"


@pytest.mark.parametrize("backend", ["postgres"])
async def test_asyncpg_rejects_libpq_sslmode(database_url: str) -> None:
    url = make_url(database_url).update_query_dict({"sslmode": "disable"})
    engine = create_async_engine(url)
    with pytest.raises(TypeError, match="unexpected keyword argument 'sslmode'"):
        async with engine.connect():
            pass
    await engine.dispose()
    # The settings translate it, and the same server accepts the result.
    engine = create_async_engine(Settings(database_url=url).database_url)
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT 1")) == 1
    await engine.dispose()


def test_without_hide_input_pydantic_would_print_the_password() -> None:
    class Leaky(Settings):
        model_config = SettingsConfigDict(hide_input_in_errors=False)

    url = "postgresql://app:secret@db.example.com:54x2/shop"
    with pytest.raises(ValidationError) as leaky:
        Leaky(database_url=url)
    assert f"input_value='{url}'" in str(leaky.value)
    with pytest.raises(ValidationError) as guarded:
        Settings(database_url=url)
    assert "secret" not in str(guarded.value)


UNDISPOSED = """
import asyncio, gc, sys
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine(sys.argv[1])


async def main(dispose: bool) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    if dispose:
        await engine.dispose()


mode = sys.argv[2]
asyncio.run(main(dispose=mode == "dispose"))
if mode == "second-loop":
    try:
        asyncio.run(main(dispose=False))
    except RuntimeError as exc:
        print(exc)
print(engine.pool.checkedin())
del engine
gc.collect()
"""


def run_undisposed(
    database_url: str, mode: str, *flags: str
) -> subprocess.CompletedProcess[str]:
    """UNDISPOSED in a fresh interpreter: mode is dispose, forget or second-loop."""
    return subprocess.run(
        [sys.executable, *flags, "-c", UNDISPOSED, database_url, mode],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(("how", "left_open"), [("dispose", "0"), ("forget", "1")])
def test_an_undisposed_engine_abandons_its_connections(
    database_url: str, how: str, left_open: str
) -> None:
    # -X dev shows the ResourceWarnings that a plain run hides.
    result = run_undisposed(database_url, how, "-X", "dev")
    assert result.stdout.strip() == left_open
    warned = (
        "ResourceWarning: unclosed connection <asyncpg.connection.Connection"
        in result.stderr
    )
    assert warned == (how == "forget"), result.stderr


@pytest.mark.parametrize("backend", ["postgres"])
def test_a_module_level_engine_fails_on_a_second_event_loop(database_url: str) -> None:
    # What a module-level engine meets when tests (or asyncio.run per job) start a new loop.
    result = run_undisposed(database_url, "second-loop")
    assert "attached to a different loop" in result.stdout.splitlines()[0], (
        result.stderr
    )


def test_a_plain_string_setting_shows_the_password() -> None:
    from pydantic_settings import BaseSettings

    class SeedSettings(BaseSettings):  # the seed's field type
        DATABASE_URL: str
        DEBUG: bool = False

    seed = SeedSettings(DATABASE_URL="postgresql+asyncpg://app:secret@db/shop")
    assert "secret" in repr(seed)
    assert "secret" not in repr(
        Settings(database_url="postgresql://app:secret@db/shop")
    )


def test_asyncpg_waits_60_seconds_to_connect_by_default() -> None:
    import inspect

    import asyncpg

    assert inspect.signature(asyncpg.connect).parameters["timeout"].default == 60


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_seeds_unique_naming_collides_on_postgres(database_url: str) -> None:
    from sqlalchemy import String, UniqueConstraint

    metadata = MetaData(naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"})
    Table(
        "memberships",
        metadata,
        Column("user_id", Integer),
        Column("team_id", Integer),
        Column("role", String),
        UniqueConstraint("user_id", "team_id"),
        UniqueConstraint("user_id", "role"),
    )
    engine = create_async_engine(Settings(database_url=database_url).database_url)
    with pytest.raises(
        DBAPIError, match='relation "uq_memberships_user_id" already exists'
    ):
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
    await engine.dispose()


MISSING_GREENLET_WARNING = """
import asyncio, sys
from sqlalchemy.ext.asyncio import async_sessionmaker
from snippets.database import close_db, create_engine, init_db
from snippets.models import User
from snippets.settings import Settings


async def main() -> None:
    engine = create_engine(Settings(database_url=sys.argv[1]))
    await init_db(engine, create_tables=True)
    async with async_sessionmaker(engine)() as session:
        user = User(email="ada@example.com", name="Ada")
        session.add(user)
        await session.commit()
        try:
            user.name
        except Exception as exc:
            print(type(exc).__name__)
    await close_db(engine)


asyncio.run(main())
"""


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.needs("sqlalchemy>=2.1")
def test_missing_greenlet_leaves_the_warning_the_page_mentions(
    database_url: str,
) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-c", MISSING_GREENLET_WARNING, database_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # (Under -X dev, asyncio's debug mode, SQLite raises MissingGreenlet unwrapped.)
    assert result.stdout.strip() in {"StatementError", "MissingGreenlet"}
    warning = "RuntimeWarning: coroutine 'Connection.cursor' was never awaited"
    assert warning in result.stderr
    page = (ROOT / "docs" / "setup" / "engine-and-sessions.md").read_text()
    assert warning.split(": ", 1)[1] in page


def test_a_refused_connection_is_not_an_operational_error() -> None:
    # The seed says to "check for OperationalError"; asyncpg raises the OS error itself.
    from sqlalchemy.exc import OperationalError

    engine = create_async_engine("postgresql+asyncpg://app:secret@127.0.0.1:1/app")

    async def connect() -> None:
        try:
            async with engine.connect():
                pass
        finally:
            await engine.dispose()

    with pytest.raises(ConnectionRefusedError) as raised:
        asyncio.run(connect())
    assert not isinstance(raised.value, OperationalError)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_server_errors_are_dbapi_errors_wrapping_the_drivers_class(
    database_url: str,
) -> None:
    """On 2.1; 2.0 (a version-matrix cell) lets the driver's class out unwrapped."""
    import asyncpg
    from sqlalchemy.exc import OperationalError

    url = make_url(database_url).set(database="no_such_database")
    engine = create_async_engine(url)
    with pytest.raises((DBAPIError, asyncpg.InvalidCatalogNameError)) as raised:
        async with engine.connect():
            pass
    await engine.dispose()
    if not versions.has("sqlalchemy>=2.1"):
        assert type(raised.value) is asyncpg.InvalidCatalogNameError
        return
    assert isinstance(raised.value, DBAPIError)
    assert not isinstance(raised.value, OperationalError)
    assert type(raised.value.orig.__cause__).__name__ == "InvalidCatalogNameError"
