"""snippets/app.py: CRUD, rollback, health, and the app under a real uvicorn on both backends."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from snippets.app import DbSession, app, create_app, develop
from snippets.models import User
from snippets.settings import Settings
from tests import postgres
from tests.servers import free_port, serving, wait_for


@asynccontextmanager
async def running_app() -> AsyncIterator[AsyncClient]:
    """The app with its lifespan entered, called in-process; DATABASE_URL picks the database."""
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        yield client


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


# client and db_session are the testing chapter's fixtures (snippets/testing/fixtures.py).


async def test_crud_round_trip(client: AsyncClient) -> None:
    created = await client.post("/users", json={"email": "a@example.com", "name": "A"})
    assert created.status_code == 201
    user = created.json()
    assert set(user) == {"id", "email", "name", "created_at", "updated_at"}
    assert (await client.get(f"/users/{user['id']}")).json() == user
    for n in range(3):
        await client.post(
            "/users", json={"email": f"u{n}@example.com", "name": f"U{n}"}
        )
    # Listed by name, then id; next_cursor continues after the page's last row.
    page = (await client.get("/users", params={"limit": 2})).json()
    assert [u["name"] for u in page["items"]] == ["A", "U0"]
    params = {"limit": 2, "cursor": page["next_cursor"]}
    rest = (await client.get("/users", params=params)).json()
    assert ([u["name"] for u in rest["items"]], rest["next_cursor"]) == (
        ["U1", "U2"],
        None,
    )
    assert (await client.patch("/users/999", json={"name": "x"})).status_code == 404
    assert (await client.delete("/users/999")).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "name": "A"},
        {"email": "a@example.com", "name": ""},
        {},
    ],
)
async def test_invalid_bodies_are_422_and_store_nothing(
    client: AsyncClient, db_session: AsyncSession, body: dict[str, str]
) -> None:
    assert (await client.post("/users", json=body)).status_code == 422
    assert await count_users(db_session) == 0


async def test_duplicate_email_is_409_and_the_first_row_survives(
    client: AsyncClient, db_session: AsyncSession
) -> None:
    body = {"email": "a@example.com", "name": "A"}
    assert (await client.post("/users", json=body)).status_code == 201
    assert (await client.post("/users", json=body)).status_code == 409
    assert await count_users(db_session) == 1
    # The failed request's rollback undid only its own work.
    assert (
        await client.post("/users", json={**body, "email": "b@example.com"})
    ).status_code == 201


@contextmanager
def uvicorn(database_url: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`uvicorn snippets.app:app` as a reader runs it, on a free loopback port."""
    port = free_port()
    args = ("uvicorn", "snippets.app:app", "--port", str(port))
    env = {"DATABASE_URL": database_url, "DB_MIGRATE_ON_STARTUP": "true"}
    with serving(*args, env=env) as process:
        yield process, f"http://127.0.0.1:{port}"


def test_uvicorn_serves_the_app(database_url: str, backend: str) -> None:
    with uvicorn(database_url) as (process, base):
        wait_for(process, f"{base}/health")
        health = httpx.get(f"{base}/health")
        assert health.json() == {
            "status": "ok",
            "database": {"sqlite": "sqlite", "postgres": "postgresql"}[backend],
        }
        created = httpx.post(
            f"{base}/users", json={"email": "a@example.com", "name": "A"}
        )
        assert created.status_code == 201
        listed = httpx.get(f"{base}/users").json()
        assert listed == {"items": [created.json()], "next_cursor": None}
        assert (
            httpx.get(f"{base}/openapi.json")
            .json()["info"]["title"]
            .startswith("Async")
        )


def failed_startup(database_url: str) -> str:
    with uvicorn(database_url) as (process, _):
        output, _ = process.communicate(timeout=60)
        assert process.returncode != 0
    return output


SECRET = "s3cr3t-pa55"


def test_malformed_url_stops_startup_with_a_clear_message() -> None:
    output = failed_startup(f"postgresql://app:{SECRET}@db.example.com:54x2/shop")
    assert "DATABASE_URL is not a database URL" in output
    assert "Application startup failed. Exiting." in output
    assert SECRET not in output


def test_unreachable_server_stops_startup_with_a_clear_message() -> None:
    output = failed_startup(f"postgresql://app:{SECRET}@127.0.0.1:{free_port()}/shop")
    assert (
        "DatabaseUnavailableError: cannot use the database at postgresql+asyncpg://app:***@127.0.0.1"
        in output
    )
    assert "ConnectionRefusedError" in output
    assert SECRET not in output


def test_wrong_password_stops_startup_without_printing_it(password_role: URL) -> None:
    url = password_role.set(password=SECRET)
    output = failed_startup(url.render_as_string(hide_password=False))
    if "InvalidPasswordError" not in output:
        pytest.skip(
            "this server lets the role in without checking its password (trust auth)"
        )
    assert 'password authentication failed for user "guide_pw"' in output
    assert SECRET not in output


@pytest.fixture
def own_server() -> Iterator[postgres.EmbeddedServer]:
    """A PostgreSQL server of this test's own, so it can be stopped under a running app."""
    server = postgres.EmbeddedServer()
    yield server
    server.stop()


@pytest.fixture
async def own_client(
    own_server: postgres.EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncClient]:
    monkeypatch.setenv(
        "DATABASE_URL", own_server.url.render_as_string(hide_password=False)
    )
    async with running_app() as client:
        assert (await client.get("/health")).status_code == 200
        yield client


async def test_health_is_503_while_postgres_is_down_and_recovers(
    own_client: AsyncClient, own_server: postgres.EmbeddedServer
) -> None:
    own_server.pause()
    down = await own_client.get("/health")
    assert down.status_code == 503
    assert down.json()["status"] == "unavailable"
    own_server.resume()
    assert (await own_client.get("/health")).json() == {
        "status": "ok",
        "database": "postgresql",
    }


async def test_health_is_503_when_the_server_refuses_the_login(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """503 on both SQLAlchemy versions (2.0 raises asyncpg's own error there, 2.1 a
    DBAPIError). A role of this test's own, so no parallel test sees it change."""
    role = "guide_health_refused"
    await postgres.admin_execute(
        f"DO $$ BEGIN CREATE ROLE {role} LOGIN; "
        f"EXCEPTION WHEN duplicate_object THEN ALTER ROLE {role} LOGIN; END $$"
    )
    url = postgres.admin_url().set(username=role, password=None, database="postgres")
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
    async with running_app() as client:
        assert (await client.get("/health")).status_code == 200
        await postgres.admin_execute(f"ALTER ROLE {role} NOLOGIN")
        await app.state.engine.dispose()  # the next check needs a new login
        refused = await client.get("/health")
    assert refused.status_code == 503
    assert refused.json()["database"] in {
        "DBAPIError",
        "InvalidAuthorizationSpecificationError",
    }


async def test_health_gives_up_after_five_seconds_when_postgres_hangs(
    own_client: AsyncClient, own_server: postgres.EmbeddedServer
) -> None:
    own_server.freeze(True)
    try:
        started = time.monotonic()
        hung = await own_client.get("/health", timeout=30)
        waited = time.monotonic() - started
    finally:
        own_server.freeze(False)
    assert hung.status_code == 503
    assert hung.json() == {"status": "unavailable", "database": "TimeoutError"}
    assert 5 <= waited < 10
    assert (await own_client.get("/health")).status_code == 200


async def test_create_app_uses_the_settings_it_is_given(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@127.0.0.1:1/app")
    given = create_app(Settings(database_url=database_url))
    async with (
        given.router.lifespan_context(given),
        AsyncClient(
            transport=ASGITransport(app=given), base_url="http://app"
        ) as client,
    ):
        assert (await client.get("/health")).status_code == 200


async def test_a_failing_route_is_rolled_back_by_get_db(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = create_app(settings.model_copy(update={"db_migrate_on_startup": True}))
    rolled_back: list[bool] = []
    original = AsyncSession.rollback

    async def spy(self: AsyncSession) -> None:
        rolled_back.append(self.in_transaction())
        await original(self)

    monkeypatch.setattr(AsyncSession, "rollback", spy)

    @failing.post("/fail")
    async def fail(session: DbSession) -> None:
        session.add(User(email="a@example.com", name="A"))
        await session.flush()
        raise RuntimeError("boom")

    transport = ASGITransport(app=failing, raise_app_exceptions=False)
    async with (
        failing.router.lifespan_context(failing),
        AsyncClient(transport=transport, base_url="http://app") as client,
    ):
        assert (await client.post("/fail")).status_code == 500
        # get_db's own rollback ran, on the session's open transaction.
        assert rolled_back == [True]
        async with failing.state.session_factory() as session:
            assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert failing.state.engine.pool.checkedout() == 0


@pytest.mark.parametrize("backend", ["postgres"])
async def test_health_is_503_when_the_pool_is_exhausted(database_url: str) -> None:
    settings = Settings(
        database_url=database_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout=1
    )
    busy = create_app(settings)
    async with (
        busy.router.lifespan_context(busy),
        AsyncClient(transport=ASGITransport(app=busy), base_url="http://app") as client,
    ):
        async with busy.state.engine.connect():  # the only connection is taken
            full = await client.get("/health")
        assert full.status_code == 503
        assert full.json() == {"status": "unavailable", "database": "TimeoutError"}
        assert (await client.get("/health")).status_code == 200


async def test_pre_ping_survives_a_restart_between_two_checks(
    own_client: AsyncClient, own_server: postgres.EmbeddedServer
) -> None:
    own_server.pause()
    own_server.resume()
    # The pooled connection died with the old server; pre-ping replaces it unnoticed.
    assert (await own_client.get("/health")).status_code == 200


async def test_without_pre_ping_the_first_query_after_a_restart_fails(
    own_server: postgres.EmbeddedServer,
) -> None:
    engine = create_async_engine(own_server.url, pool_pre_ping=False)
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    own_server.pause()
    own_server.resume()
    with pytest.raises(
        DBAPIError, match="connection was closed in the middle of operation"
    ):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    await engine.dispose()


def test_the_development_command_sets_a_random_cursor_secret_quietly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`python -m snippets.app` is one process: a random key, no warning to act on."""
    import uvicorn

    seen: list[str | None] = []
    # develop() writes os.environ: give it a copy this test throws away.
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setattr(
        uvicorn, "main", lambda args: seen.append(os.environ.get("CURSOR_SECRET"))
    )
    for name in ("CURSOR_SECRET", "DATABASE_URL", "DB_MIGRATE_ON_STARTUP"):
        monkeypatch.delenv(name, raising=False)
    develop()
    monkeypatch.delenv("CURSOR_SECRET")
    develop()
    first, second = seen
    assert first is not None
    assert second is not None
    assert first != second
    assert len(first) >= 32
    # Settings find it, so the app's startup has nothing to warn about.
    assert Settings(_env_file=None).cursor_secret is not None
    monkeypatch.setenv("CURSOR_SECRET", "mine" * 8)
    develop()
    assert seen[-1] == "mine" * 8  # a set one is kept


def test_the_development_command_keeps_what_dot_env_sets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A CURSOR_SECRET or DATABASE_URL kept in .env wins over the development defaults,
    as it does for Settings: the defaults fill only what neither sets."""
    import uvicorn

    seen: list[tuple[str | None, str | None]] = []
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setattr(
        uvicorn,
        "main",
        lambda args: seen.append(
            (os.environ.get("CURSOR_SECRET"), os.environ.get("DATABASE_URL"))
        ),
    )
    for name in ("CURSOR_SECRET", "DATABASE_URL", "DB_MIGRATE_ON_STARTUP"):
        monkeypatch.delenv(name, raising=False)
    secret, url = "from-dot-env-" * 3, "sqlite:///./from-dot-env.db"
    (tmp_path / ".env").write_text(f"CURSOR_SECRET={secret}\nDATABASE_URL={url}\n")
    monkeypatch.chdir(tmp_path)
    develop()
    assert seen == [(secret, url)]
