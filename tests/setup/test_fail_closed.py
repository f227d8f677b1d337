"""The rule on docs/setup/configuration.md#no-database-by-default: a deployment that forgets
DATABASE_URL stops at startup, startup never runs create_all, and only the development command
picks a local SQLite file (whose tables it makes with the migrations)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from asgi_lifespan import LifespanManager
from pydantic import ValidationError
from sqlalchemy import inspect, make_url, text

from snippets.app import create_app
from snippets.database import (
    DatabaseUnavailableError,
    MigratedDatabaseError,
    close_db,
    create_engine,
    init_db,
)
from snippets.migrations.startup import alembic_config, run_alembic
from snippets.settings import Settings
from tests.servers import free_port, serving, wait_for

NOT_SET = "DATABASE_URL is not set"
SECRET = "s3cr3t-pa55"


def test_settings_without_database_url_fail_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABSE_URL", "postgresql://app:secret@db/app")  # misspelled
    with pytest.raises(ValidationError, match=NOT_SET) as caught:
        Settings()
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("environment", [{}, {"DATABSE_URL": "sqlite:///./typo.db"}])
def test_a_deployment_without_database_url_stops_at_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    args = ("uvicorn", "snippets.app:app", "--port", str(free_port()))
    with serving(*args, cwd=tmp_path, env=environment) as process:
        output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert NOT_SET in output
    assert "Application startup failed. Exiting." in output
    assert list(tmp_path.iterdir()) == []  # no local database file was written


def table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        return {name for (name,) in rows}


def test_the_development_command_needs_no_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    port = free_port()
    args = ("snippets.app", "--port", str(port))
    for _ in range(2):  # a second start finds the schema up to date
        with serving(*args, cwd=tmp_path) as process:
            health = wait_for(process, f"http://127.0.0.1:{port}/health")
            assert health.json() == {"status": "ok", "database": "sqlite"}
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with sqlite3.connect(tmp_path / "app.db") as connection:
        assert connection.execute(
            "SELECT version_num FROM alembic_version"
        ).fetchall() == [(head,)]
    assert {"users", "posts", "alembic_version"} <= table_names(tmp_path / "app.db")


async def test_startup_never_creates_tables(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    async with LifespanManager(app), app.state.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert tables == []


async def test_startup_migrates_when_asked(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, db_migrate_on_startup=True))
    async with LifespanManager(app), app.state.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert {"users", "alembic_version"} <= set(tables)


async def test_create_all_refuses_a_database_that_migrations_manage(
    database_url: str,
) -> None:
    engine = create_engine(Settings(database_url=database_url))
    try:
        await run_alembic(engine, command.upgrade, "head")
        with pytest.raises(MigratedDatabaseError, match="alembic upgrade head"):
            await init_db(engine, create_tables=True)
        await init_db(engine)  # the connection check alone is fine
    finally:
        await close_db(engine)


def test_the_development_command_is_what_the_readme_says() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert ".venv/bin/python -m snippets.app" in readme


@pytest.mark.parametrize("backend", ["postgres"])
async def test_startup_migrations_run_as_the_migrations_role(database_url: str) -> None:
    """DATABASE_URL's role may not create tables; MIGRATIONS_DATABASE_URL's may."""
    admin = make_url(database_url)
    engine = create_engine(Settings(database_url=admin))
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "DO $$ BEGIN CREATE ROLE guide_app LOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
        )
        await connection.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    await close_db(engine)
    settings = Settings(
        database_url=admin.set(username="guide_app"),
        migrations_database_url=admin,
        db_migrate_on_startup=True,
    )
    app = create_app(settings)
    async with LifespanManager(app), app.state.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert "users" in tables


async def test_an_unreachable_migrations_database_is_a_clear_startup_error(
    database_url: str,
) -> None:
    settings = Settings(
        database_url=database_url,
        migrations_database_url=f"postgresql://migrator:{SECRET}@127.0.0.1:1/app",
        db_migrate_on_startup=True,
    )
    with pytest.raises(DatabaseUnavailableError) as raised:
        async with LifespanManager(create_app(settings)):
            pass
    assert (
        "cannot use the database at postgresql+asyncpg://migrator:***@127.0.0.1:1/app"
        in str(raised.value)
    )
    assert SECRET not in str(raised.value)
