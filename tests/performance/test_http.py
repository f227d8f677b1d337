"""tests/performance/bench/http.py and variants.py (with the patterns of
snippets/performance/http_app.py): the variants serve, the load tools count."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.app import create_app
from snippets.database import close_db, create_engine, create_session_factory, init_db
from snippets.models import User
from snippets.performance import http_app
from snippets.settings import Settings
from tests.performance.bench.harness import database
from tests.performance.bench.http import (
    WRK,
    drive,
    drive_wrk,
    free_port,
    wait_until_serving,
)
from tests.performance.bench.variants import VARIANT_ENV, VARIANTS, app_for_variant


def test_database_url_wins_over_a_private_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:secret@db.example.com/app")
    with database() as (url, _pgbench):
        assert url == "postgresql+asyncpg://u:secret@db.example.com/app"


async def test_failed_requests_count_as_errors() -> None:
    base = f"http://127.0.0.1:{free_port()}"
    result = await drive(base, "/users/{id}", clients=2, seconds=0.5, users=10)
    # Nothing listens: every request fails, and failures are not throughput.
    assert result["errors"] > 0
    assert result["requests_per_s"] == 0


# Under CI a missing wrk fails instead: .ci/run installs it.
@pytest.mark.skipif(
    WRK is None and os.environ.get("CI") != "true",
    reason="wrk is not installed here (.ci/run installs Debian's wrk)",
)
async def test_wrk_failing_to_connect_is_reported() -> None:
    assert WRK is not None, "CI must have wrk"
    base = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(RuntimeError, match="wrk exited with 1: unable to connect"):
        await drive_wrk(base, "/users/{id}", clients=2, seconds=1, users=10)


async def test_a_variant_that_cannot_start_is_reported() -> None:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "raise SystemExit(3)"
    )
    with pytest.raises(RuntimeError, match="the app exited with 3 before serving"):
        await wait_until_serving(server, f"http://127.0.0.1:{free_port()}")


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("variant", VARIANTS)
async def test_each_variant_serves_users_and_404s(
    variant: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(settings)
    await init_db(engine, create_tables=True)
    async with create_session_factory(engine).begin() as session:
        session.add(User(email="a@example.com", name="Ada"))
    await close_db(engine)
    monkeypatch.setenv(VARIANT_ENV, variant)
    app = app_for_variant()
    path = VARIANTS[variant][1]
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        user = (await client.get(path.format(id=1))).json()
        missing = await client.get(path.format(id=2))
    assert set(user) == {"id", "email", "name", "created_at", "updated_at"}
    if variant == "no database (ceiling)":  # answers from memory, for every id
        assert missing.status_code == 200
    else:
        assert user["name"] == "Ada"
        assert missing.status_code == 404


def test_an_unknown_variant_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIANT_ENV, "bigger is better")
    with pytest.raises(ValueError, match="unknown LOAD_VARIANT"):
        app_for_variant()


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("pre_ping", [True, False])
async def test_the_hot_path_keeps_the_pools_ping(
    pre_ping: bool, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The driver's connection is borrowed from the read engine's pool: a connection the
    server dropped is replaced at checkout, as for any read through the engine (and, to
    show that the ping is what does it, not without one)."""
    original = http_app.create_async_engine

    def with_ping(*args: Any, **kwargs: Any) -> AsyncEngine:
        return original(*args, **{**kwargs, "pool_pre_ping": pre_ping})

    monkeypatch.setattr(http_app, "create_async_engine", with_ping)
    async with create_session_factory(engine).begin() as session:
        session.add(User(email="a@example.com", name="Ada"))
    app = http_app.add_read_engine(create_app())
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        assert (await client.get("/hot/users/1")).status_code == 200
        async with engine.connect() as conn:
            dropped = await conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert dropped >= 1
        await asyncio.sleep(
            0.2
        )  # dropped a while before the next request, as idle ones are
        if pre_ping:
            assert (await client.get("/hot/users/1")).json()["name"] == "Ada"
        else:
            with pytest.raises(asyncpg.InterfaceError, match="connection is closed"):
                await client.get("/hot/users/1")


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_read_engine_keeps_the_connections_it_lends(
    settings: Settings,
) -> None:
    """snippets/performance/http_app.py's comment and docs/pooling/index.md: sized
    pool_size + max_overflow with no overflow, it opens 15 connections for 1,000 reads in
    bursts of 50; sized 5 + 10, it closes overflow connections as they come back and opens
    new ones for later reads."""

    async def connections_opened(read_engine: AsyncEngine) -> int:
        opened = 0

        def count(*_: object) -> None:
            nonlocal opened
            opened += 1

        event.listen(read_engine.sync_engine, "connect", count)

        async def read() -> None:
            async with read_engine.connect() as conn:
                await conn.execute(select(1))

        for _ in range(20):
            await asyncio.gather(*(read() for _ in range(50)))
        await read_engine.dispose()
        return opened

    kept = await connections_opened(http_app.create_read_engine(settings))
    overflowing = await connections_opened(
        create_async_engine(
            settings.database_url,
            isolation_level="AUTOCOMMIT",
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
    )
    assert kept == settings.db_pool_size + settings.db_max_overflow == 15
    assert overflowing > 100  # docs/pooling/index.md: "more than a hundred"


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_read_engine_refuses_writes(
    settings: Settings, engine: AsyncEngine
) -> None:
    """In AUTOCOMMIT a write would commit on its own, statement by statement: the read
    engine's connections are read-only, so a write sent there by mistake fails."""
    read_engine = http_app.create_read_engine(settings)
    try:
        async with read_engine.connect() as conn:
            with pytest.raises(
                DBAPIError, match="cannot execute INSERT in a read-only"
            ):
                await conn.execute(insert(User).values(email="a@example.com", name="A"))
            # "So do SELECT ... FOR UPDATE and nextval()."
            with pytest.raises(DBAPIError, match="cannot execute SELECT FOR UPDATE in"):
                await conn.execute(select(User.id).with_for_update())
            with pytest.raises(DBAPIError, match=r"cannot execute nextval\(\) in"):
                await conn.execute(text("SELECT nextval('users_id_seq')"))
    finally:
        await read_engine.dispose()
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("backend", ["postgres"])
async def test_nothing_resets_the_hot_paths_connection(settings: Settings) -> None:
    """The page's warning: a SET on the borrowed connection is still there for the next
    borrower (asyncpg's own pool would have reset it)."""
    read_engine = http_app.create_read_engine(
        settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0})
    )
    try:
        async with read_engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.execute("SET statement_timeout = '1234ms'")
        async with read_engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            assert await driver.fetchval("SHOW statement_timeout") == "1234ms"
    finally:
        await read_engine.dispose()


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("route", ["/core/users/{id}", "/hot/users/{id}"])
async def test_the_read_routes_answer_bad_ids_as_the_app_does(
    route: str, engine: AsyncEngine
) -> None:
    app = http_app.add_read_engine(create_app())
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        too_big = await client.get(route.format(id=3_000_000_000))
        reference = await client.get(f"/users/{3_000_000_000}")
        missing = await client.get(route.format(id=7))
    assert too_big.status_code == reference.status_code == 422
    assert too_big.json() == reference.json()
    assert missing.status_code == 404
    assert missing.json() == {"detail": "user 7 not found"}
