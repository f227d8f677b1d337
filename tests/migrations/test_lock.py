"""docs/migrations/index.md: the migrations lock is a session lock, so migrations refuse a
transaction pooler, say who holds the lock while they wait, and give up after a limit."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi import FastAPI
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from snippets.app import create_app
from snippets.database import close_db, create_engine
from snippets.migrations import startup
from snippets.migrations.startup import (
    MIGRATIONS_LOCK,
    MigrationLockError,
    run_alembic,
    upgrade_to_head,
)
from snippets.settings import Settings
from tests import pgbouncer
from tests.docs_examples import ROOT
from tests.migrations.test_migrations import (
    alembic_cli,
    config_with_versions_in,
    role_pair,
    version,
)
from tests.pages import page, shown_output

PAGE = "migrations/index.md"
# Advisory locks, PgBouncer and pg_stat_activity: PostgreSQL only (SQLite takes no lock).
pytestmark = pytest.mark.parametrize("backend", ["postgres"])


def error_line(stderr: str) -> str:
    """The exception line a reader sees last in a failed `alembic` run."""
    errors = re.findall(r"^[\w.]+(?:Error|Exception): .*$", stderr, re.M)
    return errors[-1] if errors else stderr


async def lock_is_free(url: str) -> bool:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as conn:
            free = sa.text("SELECT pg_try_advisory_lock(:k) AND pg_advisory_unlock(:k)")
            return bool(await conn.scalar(free, {"k": MIGRATIONS_LOCK}))
    finally:
        await close_db(engine)


def upgrade_four_at_once(url: str) -> list[tuple[int, str]]:
    """Four `alembic upgrade head` started together, as four init containers would."""
    with ThreadPoolExecutor(4) as pool:
        runs = list(
            pool.map(
                lambda _: alembic_cli("upgrade", "head", env={"DATABASE_URL": url}),
                range(4),
            )
        )
    return [(run.returncode, run.stderr) for run in runs]


@pytest.mark.parametrize("version", list(pgbouncer.BINARIES))
async def test_through_a_transaction_pooler_migrations_refuse_and_leave_no_lock(
    database_url: str, version: str
) -> None:
    with pgbouncer.transaction_pooler(make_url(database_url), version=version) as url:
        pooled = url.render_as_string(hide_password=False)
        runs = upgrade_four_at_once(pooled)
        for returncode, stderr in runs:
            assert returncode == 1, stderr
            error = error_line(stderr)
            if version == "1.18" and "prepared statement" in error:
                # Before 1.21 asyncpg's prepared statements may fail first (the
                # pooling chapter's error); the run still stops before migrating.
                continue
            assert error == shown_output(PAGE, "pooled-refused"), stderr
        # Nothing ran, and no pooled server connection kept the lock: a direct run
        # (the next deploy, with MIGRATIONS_DATABASE_URL set) migrates at once.
        assert await lock_is_free(database_url)
        direct = alembic_cli(
            "upgrade",
            "head",
            env={"DATABASE_URL": pooled, "MIGRATIONS_DATABASE_URL": database_url},
        )
        assert direct.returncode == 0, direct.stderr
        assert "Running upgrade  -> 0001" in direct.stderr


async def test_a_client_served_on_the_marked_session_meanwhile_is_caught(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race four runs at once can hit: while the probe looks, another client holds
    the marked server session, so the probe is handed another one, and the run then
    comes back to its own server session with the mark intact."""
    with pgbouncer.transaction_pooler(make_url(database_url), version="1.24") as url:
        engine = create_async_engine(url)
        neighbour_engine = create_async_engine(url)
        real_check = startup.check_session
        marks: list[str | None] = []
        try:
            async with neighbour_engine.connect() as neighbour:

                async def check_beside_a_neighbour(
                    connection: AsyncConnection, mark: str | None
                ) -> None:
                    marks.append(mark)
                    if len(marks) == 2:  # the probe: the neighbour takes the session
                        await neighbour.scalar(sa.text("SELECT 1"))
                    if len(marks) == 3:  # the run's own check: the session is free
                        await neighbour.commit()
                    await real_check(connection, mark)

                monkeypatch.setattr(startup, "check_session", check_beside_a_neighbour)
                async with engine.connect() as connection:
                    with pytest.raises(MigrationLockError) as raised:
                        await startup.mark_session(engine, connection)
        finally:
            await engine.dispose()
            await neighbour_engine.dispose()
    assert len(marks) >= 2, "the neighbour never took the marked session"
    line = f"{startup.__name__}.{type(raised.value).__name__}: {raised.value}"
    assert line == shown_output(PAGE, "pooled-refused")


@pytest.mark.parametrize(
    "hardening",
    [
        "REVOKE SELECT ON pg_catalog.pg_stat_activity FROM PUBLIC",
        'ALTER DATABASE "{database}" SET track_activities = off',
    ],
    ids=["pg_stat_activity-revoked", "track_activities-off"],
)
def test_a_direct_run_on_a_hardened_server_is_not_taken_for_a_pooler(
    database_url: str, hardening: str
) -> None:
    """The probe reads the run's session state; a server that hides it (the view
    revoked, or state 'disabled') must not stop a direct run."""

    async def migrate(url: str) -> str | None:
        engine = create_async_engine(url)
        try:
            await upgrade_to_head(engine)
            return await version(engine)
        finally:
            await engine.dispose()

    statement = hardening.format(database=make_url(database_url).database)
    with role_pair(database_url, statement) as (migrator_url, _):
        assert asyncio.run(migrate(migrator_url)) == "0002"


async def test_through_a_session_pooler_four_workers_migrate_once(
    database_url: str,
) -> None:
    # Two server connections for four workers: two of them wait for a server.
    with pgbouncer.pooler(make_url(database_url), "session", version="1.24") as url:
        runs = upgrade_four_at_once(url.render_as_string(hide_password=False))
    for returncode, stderr in runs:
        assert returncode == 0, stderr
    logs = "".join(stderr for _, stderr in runs)
    assert logs.count("Running upgrade  -> 0001") == 1
    assert logs.count("Running upgrade 0001 -> 0002") == 1


# A migration that releases every advisory lock of its session, as a pooled server
# connection that never held the lock would look at the end of the run.
LOST_LOCK_MIGRATION = """
from alembic import op

revision = "lost_lock"
down_revision = "0002"


def upgrade() -> None:
    op.execute("SELECT pg_advisory_unlock_all()")


def downgrade() -> None:
    pass
"""


async def test_an_unlock_that_finds_no_lock_is_an_error(
    settings: Settings, tmp_path: Path
) -> None:
    (tmp_path / "lost_lock.py").write_text(LOST_LOCK_MIGRATION)
    engine = create_engine(settings)
    try:
        with pytest.raises(MigrationLockError) as raised:
            await run_alembic(
                engine,
                command.upgrade,
                "head",
                config=config_with_versions_in(tmp_path),
            )
    finally:
        await close_db(engine)
    assert (
        f"{type(raised.value).__module__}.{type(raised.value).__name__}: {raised.value}"
        == (shown_output(PAGE, "lock-not-ours"))
    )


async def test_a_held_lock_is_reported_while_waiting_and_given_up_on(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=startup.__name__)
    holder_engine = create_async_engine(
        settings.database_url,
        connect_args={"server_settings": {"application_name": "stuck-deploy"}},
    )
    engine = create_engine(settings)
    try:
        async with holder_engine.connect() as holder:
            pid = await holder.scalar(sa.text("SELECT pg_backend_pid()"))
            await holder.execute(
                sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATIONS_LOCK}
            )
            await holder.commit()
            with pytest.raises(MigrationLockError) as raised:
                await asyncio.wait_for(
                    run_alembic(engine, command.current, lock_timeout=1.5), 30
                )
    finally:
        await close_db(engine)
        await close_db(holder_engine)
    waiting = [r.getMessage() for r in caplog.records if r.name == startup.__name__]
    assert waiting, "nothing logged while waiting"
    holder_text = f"pid {pid} (application_name 'stuck-deploy', state 'idle')"
    assert all(holder_text in message for message in waiting), waiting
    assert holder_text in str(raised.value)
    line = f"{type(raised.value).__name__}: {raised.value}"
    assert re.fullmatch(shown_pattern("lock-timeout"), f"{startup.__name__}.{line}")


def shown_pattern(name: str) -> str:
    """A page output with <pid>, <seconds> and <application_name> as placeholders."""
    pattern = re.escape(shown_output(PAGE, name))
    for placeholder, value in {
        "<pid>": r"\d+",
        "<seconds>": r"\d+",
        "<application_name>": "stuck-deploy",
    }.items():
        pattern = pattern.replace(re.escape(placeholder), value)
    return pattern


async def test_the_command_line_says_who_holds_the_lock_and_goes_on_after_it(
    settings: Settings, database_url: str
) -> None:
    holder_engine = create_async_engine(
        settings.database_url,
        connect_args={"server_settings": {"application_name": "stuck-deploy"}},
    )
    key = {"k": MIGRATIONS_LOCK}
    try:
        async with holder_engine.connect() as holder:
            await holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), key)
            await holder.commit()
            alembic = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "alembic",
                "upgrade",
                "head",
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": database_url},
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            assert alembic.stderr
            first = (await asyncio.wait_for(alembic.stderr.readline(), 60)).decode()
            assert re.fullmatch(shown_pattern("lock-waiting"), first.strip()), first
            await holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), key)
            await holder.commit()
            _, rest = await asyncio.wait_for(alembic.communicate(), 60)
    finally:
        await close_db(holder_engine)
    assert alembic.returncode == 0, rest.decode()
    assert "Running upgrade 0001 -> 0002" in rest.decode()


def test_the_page_states_the_waiting_defaults(backend: str) -> None:
    text = page(PAGE)
    minutes = startup.LOCK_TIMEOUT_SECONDS / 60
    assert f"gives up after {minutes:g} minutes" in text
    assert f"every {startup.LOCK_LOG_SECONDS:g} seconds" in text
    flat = " ".join(text.split())
    assert f"after {startup.POOLER_CHECK_SECONDS:g} seconds, the run" in flat


async def test_a_run_that_gave_up_leaves_the_engine_ready_for_the_next(
    settings: Settings,
) -> None:
    """What a reader does after a lock timeout: retry, on the same engine and pool."""
    engine = create_engine(settings)
    key = {"k": MIGRATIONS_LOCK}
    try:
        async with engine.connect() as holder:
            await holder.execute(sa.text("SELECT pg_advisory_lock(:k)"), key)
            await holder.commit()
            with pytest.raises(MigrationLockError, match="gave up after"):
                await run_alembic(engine, command.upgrade, "head", lock_timeout=1.2)
            await holder.execute(sa.text("SELECT pg_advisory_unlock(:k)"), key)
            await holder.commit()
        await upgrade_to_head(engine)
        assert await version(engine) == "0002"
    finally:
        await close_db(engine)


def one_connection_app(database_url: str) -> FastAPI:
    return create_app(
        Settings(
            database_url=database_url,
            db_migrate_on_startup=True,
            db_pool_size=1,
            db_max_overflow=0,
        )
    )


async def test_an_app_with_a_one_connection_pool_migrates_at_once(
    database_url: str,
) -> None:
    """The pooler probe opens its own connection: it does not wait for the app's pool."""
    app = one_connection_app(database_url)
    started = time.monotonic()
    async with app.router.lifespan_context(app):
        took = time.monotonic() - started
        assert await version(app.state.engine) == "0002"
    assert took < startup.POOLER_CHECK_SECONDS, f"startup took {took:.1f} s"


async def test_an_app_with_a_one_connection_pool_refuses_a_transaction_pooler(
    database_url: str,
) -> None:
    with pgbouncer.transaction_pooler(make_url(database_url), version="1.24") as url:
        app = one_connection_app(url.render_as_string(hide_password=False))
        with pytest.raises(MigrationLockError) as raised:
            async with app.router.lifespan_context(app):
                pass
    line = f"{startup.__name__}.{type(raised.value).__name__}: {raised.value}"
    assert line == shown_output(PAGE, "pooled-refused")
    assert await lock_is_free(database_url)
    engine = create_engine(Settings(database_url=database_url))
    try:
        async with engine.connect() as conn:
            migrated = sa.text("SELECT to_regclass('alembic_version')")
            assert await conn.scalar(migrated) is None  # nothing ran
    finally:
        await close_db(engine)
