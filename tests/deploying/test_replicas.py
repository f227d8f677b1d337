"""docs/deploying/replicas.md, on a private primary and a real streaming replica of it.

Both servers are started by tests/replica.py for this module only (once, not per test);
the failover test destroys its pair, so it starts its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from snippets.app import DbSession, create_app
from snippets.database import (
    create_engine,
    driver_error,
    sqlstate,
)
from snippets.deploying import replicas
from snippets.deploying.replicas import (
    LSN_COOKIE,
    REPLAY_WAIT,
    ReadSession,
    ReplicaSettings,
    add_replica,
)
from snippets.models import Base, User
from snippets.settings import Settings
from tests import versions
from tests.pages import page, shown_output
from tests.postgres import EmbeddedServer
from tests.replica import (
    Replica,
    fetchval,
    primary_and_replica,
    socket_dir,
    wait_until_replayed,
)

PAGE = "deploying/replicas.md"
DATABASE = "postgres"
# SQLAlchemy 2.0 words some errors differently: the page shows both.
ON_20 = not versions.has("sqlalchemy>=2.1")


def shown(name: str, on_20: str) -> str:
    """The page's output `name`, or its SQLAlchemy 2.0 tab `on_20` on 2.0."""
    return shown_output(PAGE, on_20 if ON_20 else name)


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[EmbeddedServer, Replica]]:
    """Once per module: a primary with the guide's tables, and a replica streaming them."""
    with primary_and_replica() as (primary, replica):
        asyncio.run(_create_tables(primary.url))
        # Whichever test runs first (the order is random) finds the tables there too.
        asyncio.run(wait_until_replayed(primary.url, replica_url(replica)))
        yield primary, replica


async def _create_tables(url: URL) -> None:
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    finally:
        await engine.dispose()


def replica_url(replica: Replica) -> URL:
    return replica.url(DATABASE)


def multi_host(hosts: list[str], attrs: str) -> URL:
    """`host=A&host=B&target_session_attrs=...`, as a reader writes it."""
    query = "&".join(f"host={host}" for host in hosts)
    port = ""
    if len(hosts) == 1 and hosts[0].startswith("/"):
        # One socket folder: SQLAlchemy splits host:port only in a list of hosts.
        folder, port = hosts[0].rsplit(":", 1)
        query, port = f"host={folder}", f":{port}"
    return make_url(
        f"postgresql+asyncpg://postgres@{port}/{DATABASE}?{query}"
        f"&target_session_attrs={attrs}"
    )


def hosts_of(primary: EmbeddedServer, replica: Replica) -> dict[str, str]:
    return {
        "replica": f"127.0.0.1:{replica.port}",
        "primary": f"{socket_dir(primary)}:{primary.url.port or 5432}",
    }


def the_app(settings: ReplicaSettings) -> FastAPI:
    app = add_replica(create_app(settings), settings)

    # Test-only: which server each dependency's session is on.
    @app.get("/test/servers")
    async def servers(read: ReadSession, write: DbSession) -> dict[str, bool]:
        query = text("SELECT pg_is_in_recovery()")
        return {
            "get_read_db": bool(await read.scalar(query)),
            "get_db": bool(await write.scalar(query)),
        }

    # Test-only: the mistake of a read route that writes.
    @app.post("/test/read-route-that-writes")
    async def read_route_that_writes(read: ReadSession) -> dict[str, bool]:
        read.add(User(name="Ada", email=f"ada-{time.monotonic_ns()}@example.com"))
        await read.commit()
        return {"written": True}

    return app


def replica_app(primary: EmbeddedServer, replica: Replica) -> FastAPI:
    return the_app(
        ReplicaSettings(
            database_url=primary.url, database_replica_url=replica_url(replica)
        )
    )


async def alter_system(url: URL, **settings: str | None) -> None:
    """ALTER SYSTEM SET (None: RESET) and reload; waits until a new session sees it."""
    for name, value in settings.items():
        statement = f"RESET {name}" if value is None else f"SET {name} = '{value}'"
        await fetchval(url, f"ALTER SYSTEM {statement}")
    await fetchval(url, "SELECT pg_reload_conf()")
    for _ in range(500):
        seen = [
            await fetchval(url, f"SELECT current_setting('{name}') = $1", value)
            if value is not None
            else await fetchval(
                url, "SELECT setting = boot_val FROM pg_settings WHERE name = $1", name
            )
            for name, value in settings.items()
        ]
        if all(seen):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{settings} not applied")


def fell_back(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == replicas.__name__]


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with LifespanManager(app) as manager:
        # A failing route answers 500, as behind a real server, instead of raising here.
        transport = ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def read_engine(app: FastAPI) -> AsyncEngine:
    engine: AsyncEngine = app.state.read_engine
    return engine


async def set_replay(replica: Replica, paused: bool) -> None:
    """Pause (or resume) WAL replay on the replica, and wait until it has."""
    url = replica_url(replica)
    await fetchval(
        url, f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()::text"
    )
    want = "paused" if paused else "not paused"
    for _ in range(500):
        if await fetchval(url, "SELECT pg_get_wal_replay_pause_state()") == want:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"replay is not {want}")


async def new_user(client: AsyncClient, name: str) -> int:
    response = await client.post(
        "/users", json={"name": name, "email": f"{name.lower()}@example.com"}
    )
    assert response.status_code == 201, response.text
    user_id: int = response.json()["id"]
    return user_id


def error_line(exc: BaseException) -> str:
    """The driver's exception and the first line of its message (not its DETAIL)."""
    reason = driver_error(exc)
    message = str(reason).splitlines()[0] if str(reason) else ""
    return f"{type(reason).__name__}: {message}" if message else type(reason).__name__


# --- routing ----------------------------------------------------------------------------


async def test_reads_go_to_the_replica_and_writes_to_the_primary(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    settings = ReplicaSettings(
        database_url=primary.url, database_replica_url=replica_url(replica)
    )
    async with serving(the_app(settings)) as client:
        servers = (await client.get("/test/servers")).json()
    shown = (
        f"get_read_db: pg_is_in_recovery() = {str(servers['get_read_db']).lower()}\n"
        f"get_db:      pg_is_in_recovery() = {str(servers['get_db']).lower()}"
    )
    assert shown == shown_output(PAGE, "replica-routing")
    assert servers == {"get_read_db": True, "get_db": False}


async def test_without_a_replica_url_reads_go_to_the_primary_read_only(
    pair: tuple[EmbeddedServer, Replica], caplog: pytest.LogCaptureFixture
) -> None:
    primary, _ = pair
    app = the_app(ReplicaSettings(database_url=primary.url))
    caplog.set_level(logging.WARNING, logger=replicas.__name__)
    async with serving(app) as client:
        servers = (await client.get("/test/servers")).json()
        assert servers == {"get_read_db": False, "get_db": False}
        # A second pool on the primary, as large as the first: count both.
        pools = [read_engine(app).pool, app.state.engine.pool]
        assert [(p.size(), p._max_overflow) for p in pools] == [(5, 10)] * 2  # type: ignore[attr-defined]
        assert read_engine(app).url == app.state.engine.url
        # A write's cookie: the primary has it, so the read neither waits nor warns.
        user_id = await new_user(client, "Alan")
        await client.patch(f"/replica/users/{user_id}", json={"name": "Alan T."})
        assert LSN_COOKIE in client.cookies
        response = await client.get(f"/replica/users/{user_id}")
        assert response.json()["name"] == "Alan T."
        missing = await client.patch("/replica/users/999999", json={"name": "x"})
        assert missing.status_code == 404
        assert not [r for r in caplog.records if r.name == replicas.__name__]
        # Still READ ONLY: the write that would fail on a replica fails here too.
        async with app.state.read_session_factory() as session:
            session.add(User(name="Ada", email="ro@example.com"))
            with pytest.raises(DBAPIError) as caught:
                await session.flush()
    assert error_line(caught.value) == (
        "ReadOnlySQLTransactionError: cannot execute INSERT in a read-only transaction"
    )


# --- what the replica refuses -------------------------------------------------------------


async def refused(engine: AsyncEngine, statement: str) -> str:
    async with AsyncSession(engine) as session:
        try:
            if statement == "INSERT":
                session.add(User(name="Ada", email="ada@example.com"))
                await session.flush()
            elif statement == "SELECT ... FOR UPDATE":
                await session.scalars(select(User).with_for_update())
            elif statement == "nextval()":
                await session.execute(text("SELECT nextval('users_id_seq')"))
            elif statement == "CREATE TEMP TABLE":
                await session.execute(text("CREATE TEMP TABLE seen (id int)"))
            else:
                await session.execute(text("LISTEN user_changes"))
        except DBAPIError as exc:
            return f"{statement + ':':23}{error_line(exc)}"
    raise AssertionError(f"the replica ran {statement}")


async def test_the_replica_refuses_writes_and_locks(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    _, replica = pair
    # The guide's engine, no READ ONLY option: the refusals are the replica's own.
    engine = create_engine(Settings(database_url=replica_url(replica)))
    try:
        lines = [
            await refused(engine, statement)
            for statement in (
                "INSERT",
                "SELECT ... FOR UPDATE",
                "nextval()",
                "CREATE TEMP TABLE",
                "LISTEN",
            )
        ]
        async with AsyncSession(engine) as session:
            session.add(User(name="Ada", email="ada@example.com"))
            with pytest.raises(DBAPIError) as caught:
                await session.flush()
    finally:
        await engine.dispose()
    assert "\n".join(lines) == shown_output(PAGE, "replica-refuses")
    assert sqlstate(caught.value) == "25006"
    wrapped = str(caught.value).splitlines()[0]
    assert f"DBAPIError: {wrapped}" == shown(
        "replica-refuses-wrapped", "replica-refuses-wrapped-sqlalchemy20"
    )


async def test_select_for_update_is_refused_in_development_too(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    replica_engine = create_engine(Settings(database_url=replica_url(replica)))
    try:
        on_replica = await refused(replica_engine, "SELECT ... FOR UPDATE")
    finally:
        await replica_engine.dispose()
    app = the_app(ReplicaSettings(database_url=primary.url))
    async with LifespanManager(app):
        on_primary = await refused(read_engine(app), "SELECT ... FOR UPDATE")
    lines = [
        on_replica.replace("SELECT ... FOR UPDATE:", f"{'the replica:':31}"),
        on_primary.replace(
            "SELECT ... FOR UPDATE:", f"{'the primary, get_read_db:':31}"
        ),
    ]
    assert "\n".join(lines) == shown_output(PAGE, "replica-for-update")


# --- lag and reading your own writes ------------------------------------------------------


async def test_lag_and_reading_your_own_writes(
    pair: tuple[EmbeddedServer, Replica], caplog: pytest.LogCaptureFixture
) -> None:
    primary, replica = pair
    settings = ReplicaSettings(
        database_url=primary.url, database_replica_url=replica_url(replica)
    )
    caplog.set_level(logging.WARNING, logger=replicas.__name__)
    lines = []

    async def read(label: str, cookie: bool) -> str:
        saved = dict(client.cookies)
        if not cookie:
            client.cookies.clear()
        caplog.clear()
        response = await client.get(f"/replica/users/{user_id}")
        client.cookies.update(saved)
        assert response.status_code == 200, response.text
        fell_back = [
            r.getMessage() for r in caplog.records if r.name == replicas.__name__
        ]
        source = "the primary" if fell_back else "the replica"
        lines.append(f"{label:38}{response.json()['name']!r}, from {source}")
        for message in fell_back:
            lines.append(f"{'logged:':38}" + re.sub(r"LSN \d+", "LSN N", message))
        return source

    async with serving(the_app(settings)) as client:
        user_id = await new_user(client, "Ada")
        await wait_until_replayed(primary.url, replica_url(replica))
        await set_replay(replica, paused=True)
        try:
            lines.append("replay paused on the replica")
            response = await client.patch(
                f"/replica/users/{user_id}", json={"name": "Grace"}
            )
            assert response.status_code == 200, response.text
            assert LSN_COOKIE in client.cookies
            lines.append(
                f"{'PATCH, its answer:':38}{response.json()['name']!r}, from the primary"
            )
            assert await read("GET without the cookie:", cookie=False) == "the replica"
            assert await read("GET with the cookie:", cookie=True) == "the primary"
            # The lag the page says to watch: the PATCH is not replayed, so it is > 0.
            match = re.search(
                r"`(now\(\) - pg_last_xact_replay_timestamp\(\))`", page(PAGE)
            )
            assert match, "the page shows no lag query"
            lag = await fetchval(replica_url(replica), f"SELECT {match[1]}")
            assert isinstance(lag, timedelta), lag
            assert lag > timedelta(0), lag
        finally:
            await set_replay(replica, paused=False)
        lines.append("replay resumed")
        # Caught up before the read: the machine's load must not decide the answer.
        await wait_until_replayed(primary.url, replica_url(replica))
        assert await read("GET with the cookie:", cookie=True) == "the replica"
    assert "\n".join(lines) == shown_output(PAGE, "replica-lag")
    assert f"within {REPLAY_WAIT} s" in "\n".join(lines)


async def test_a_cookie_that_is_not_an_lsn_is_ignored(
    pair: tuple[EmbeddedServer, Replica], caplog: pytest.LogCaptureFixture
) -> None:
    primary, replica = pair
    settings = ReplicaSettings(
        database_url=primary.url, database_replica_url=replica_url(replica)
    )
    async with serving(the_app(settings)) as client:
        user_id = await new_user(client, "Linus")
        await wait_until_replayed(primary.url, replica_url(replica))
        # A real cookie, then the same LSN signed with another key, a made-up LSN far
        # ahead (unsigned, it made every read wait REPLAY_WAIT, then use the primary).
        await client.patch(f"/replica/users/{user_id}", json={"name": "Linus T."})
        real = client.cookies[LSN_COOKIE]
        lsn = real.partition(".")[0]
        ahead = str(2**64 - 1)
        for value in (
            "0/3000148'; DROP TABLE users",
            "-1",
            "9" * 30,
            ahead,
            f"{ahead}.{replicas.signature(ahead, b'another key')}",
            f"{lsn}.{replicas.signature(lsn, b'another key')}",
            f"{ahead}.{real.partition('.')[2]}",
            "123.not-a-signature",
        ):
            client.cookies.set(LSN_COOKIE, value)
            caplog.clear()
            response = await client.get(f"/replica/users/{user_id}")
            assert response.status_code == 200, (value, response.text)
            assert not fell_back(caplog), value


async def test_reads_after_a_write_see_it_with_replay_running(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    settings = ReplicaSettings(
        database_url=primary.url, database_replica_url=replica_url(replica)
    )
    # Whichever server answers (the replica, or the primary if replay took longer than
    # REPLAY_WAIT on a busy machine), the client reads its own write.
    async with serving(the_app(settings)) as client:
        user_id = await new_user(client, "Barbara")
        # Twice: the second write and read find the replica's pool already open.
        for name in ("Barbara Liskov", "Barbara L."):
            await client.patch(f"/replica/users/{user_id}", json={"name": name})
            response = await client.get(f"/replica/users/{user_id}")
            assert response.json()["name"] == name


async def test_every_write_route_sets_the_cookie(
    pair: tuple[EmbeddedServer, Replica], caplog: pytest.LogCaptureFixture
) -> None:
    primary, replica = pair
    caplog.set_level(logging.WARNING, logger=replicas.__name__)
    async with serving(replica_app(primary, replica)) as client:
        await set_replay(replica, paused=True)
        try:
            # POST /users is the guide's own route: remember_writes covers it too.
            user_id = await new_user(client, "Frances")
            assert LSN_COOKIE in client.cookies
            response = await client.get(f"/replica/users/{user_id}")
            assert response.status_code == 200, response.text
            assert fell_back(caplog)
            # A write that fails sets none.
            client.cookies.clear()
            missing = await client.patch("/replica/users/999999", json={"name": "x"})
            assert missing.status_code == 404
            assert LSN_COOKIE not in client.cookies
        finally:
            await set_replay(replica, paused=False)


async def test_a_committed_write_answers_when_the_lsn_read_fails(
    pair: tuple[EmbeddedServer, Replica], caplog: pytest.LogCaptureFixture
) -> None:
    primary, replica = pair
    admin = primary.url.set(database=DATABASE)
    # A role that may write users but not read the WAL position: the LSN read fails
    # for real, right after a commit that succeeded.
    for statement in (
        "CREATE ROLE lsn_denied LOGIN",
        "GRANT SELECT, INSERT ON users TO lsn_denied",
        "GRANT USAGE ON SEQUENCE users_id_seq TO lsn_denied",
        "REVOKE EXECUTE ON FUNCTION pg_current_wal_insert_lsn() FROM PUBLIC",
    ):
        await fetchval(admin, statement)
    caplog.set_level(logging.WARNING, logger=replicas.__name__)
    try:
        settings = ReplicaSettings(
            database_url=primary.url.set(username="lsn_denied"),
            database_replica_url=replica_url(replica),
        )
        async with serving(the_app(settings)) as client:
            response = await client.post(
                "/users", json={"name": "Ada", "email": "lsn-denied@example.com"}
            )
    finally:
        for statement in (
            "GRANT EXECUTE ON FUNCTION pg_current_wal_insert_lsn() TO PUBLIC",
            "DROP OWNED BY lsn_denied",
            "DROP ROLE lsn_denied",
        ):
            await fetchval(admin, statement)
    # The write is stored and answered as such: a 500 would make a client retry it.
    assert response.status_code == 201, response.text
    assert LSN_COOKIE not in client.cookies
    assert any("permission denied" in message for message in fell_back(caplog))
    stored = await fetchval(
        admin, "SELECT count(*) FROM users WHERE email = 'lsn-denied@example.com'"
    )
    assert stored == 1


async def test_the_lsn_is_read_before_the_connection_goes_back(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    # One connection, and another request that takes it right after the commit: a
    # second checkout for the LSN would wait pool_timeout, then answer 500.
    settings = ReplicaSettings(
        database_url=primary.url,
        database_replica_url=replica_url(replica),
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout=1,
    )
    app = the_app(settings)
    taken, release = asyncio.Event(), asyncio.Event()

    async def other_request() -> None:
        async with app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            taken.set()
            await release.wait()

    @app.post("/test/write-then-pool-busy", status_code=201)
    async def write_then_pool_busy(session: DbSession) -> dict[str, bool]:
        session.add(User(name="Ada", email="pool-busy@example.com"))
        await session.commit()
        holder = asyncio.create_task(other_request())
        await taken.wait()
        app.state.holder = holder
        return {"stored": True}

    async with serving(app) as client:
        try:
            response = await client.post("/test/write-then-pool-busy")
        finally:
            release.set()
            await app.state.holder
        assert response.status_code == 201, response.text
        assert LSN_COOKIE in client.cookies
        # And the cookie works: the read waits for that write on the replica.
        read = await client.get("/users?limit=1")
        assert read.status_code == 200


async def test_the_cookie_holds_with_synchronous_commit_off(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    admin = primary.url.set(database=DATABASE)
    # A commit returns before its WAL is written; the WAL writer writes it within
    # wal_writer_delay, so a long one keeps the write-position behind for the test.
    await alter_system(admin, synchronous_commit="off", wal_writer_delay="10s")
    try:
        async with serving(replica_app(primary, replica)) as client:
            user_id = await new_user(client, "Karen")
            for name in ("Karen S.", "Karen Spärck Jones", "K. Spärck Jones"):
                await client.patch(f"/replica/users/{user_id}", json={"name": name})
                response = await client.get(f"/replica/users/{user_id}")
                assert response.status_code == 200, response.text
                assert response.json()["name"] == name
    finally:
        await alter_system(admin, synchronous_commit=None, wal_writer_delay=None)


async def test_the_read_after_the_wait_is_a_fresh_transaction(
    pair: tuple[EmbeddedServer, Replica],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    primary, replica = pair
    # Long enough that the replica, not the fallback, answers on a busy machine.
    monkeypatch.setattr(replicas, "REPLAY_WAIT", 30)
    caplog.set_level(logging.WARNING, logger=replicas.__name__)
    app = replica_app(primary, replica)
    async with serving(app) as client:
        # A read engine in REPEATABLE READ: one snapshot per transaction.
        app.state.read_engine = read_engine(app).execution_options(
            isolation_level="REPEATABLE READ"
        )
        user_id = await new_user(client, "Hedy")
        await wait_until_replayed(primary.url, replica_url(replica))
        await set_replay(replica, paused=True)
        try:
            await client.patch(f"/replica/users/{user_id}", json={"name": "Grace"})
            read = asyncio.create_task(client.get(f"/replica/users/{user_id}"))
            await polling_started(replica)
        finally:
            await set_replay(replica, paused=False)
        response = await read
    assert response.json()["name"] == "Grace"
    assert not fell_back(caplog)


async def test_the_wait_and_the_read_share_one_connection(
    pair: tuple[EmbeddedServer, Replica], monkeypatch: pytest.MonkeyPatch
) -> None:
    primary, replica = pair
    app = replica_app(primary, replica)
    polled_on: list[int] = []
    has_replayed = replicas.has_replayed

    async def recording(conn: Any, lsn: int, *, within: float) -> bool:
        polled_on.append(await conn.scalar(text("SELECT pg_backend_pid()")))
        return await has_replayed(conn, lsn, within=within)

    monkeypatch.setattr(replicas, "has_replayed", recording)

    @app.get("/test/read-pid")
    async def read_pid(read: ReadSession, pause: float = 0) -> int:
        query = text("SELECT pg_backend_pid() FROM pg_sleep(:pause)")
        pid: int = await read.scalar(query, {"pause": pause})
        return pid

    async with serving(app) as client:
        # Several connections in the read pool, as under load: a released connection
        # goes to the back of the queue, and the next checkout takes another.
        await asyncio.gather(
            *(client.get("/test/read-pid?pause=0.05") for _ in range(5))
        )
        assert read_engine(app).pool.checkedin() == 5  # type: ignore[attr-defined]
        user_id = await new_user(client, "Grace")
        same = 0
        for round in range(10):
            await client.patch(f"/replica/users/{user_id}", json={"name": f"G{round}"})
            polled_on.clear()
            route_pid = (await client.get("/test/read-pid")).json()
            same += polled_on == [route_pid]
    assert same == 10


async def polling_started(replica: Replica) -> None:
    """Until a session on the replica has run has_replayed's query."""
    for _ in range(1500):
        if await fetchval(
            replica_url(replica),
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE query LIKE '%pg_last_wal_replay_lsn()%' AND pid <> pg_backend_pid()",
        ):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("get_read_db never polled the replica")


async def test_a_read_route_that_writes_fails_on_the_fallback_too(
    pair: tuple[EmbeddedServer, Replica], caplog: pytest.LogCaptureFixture
) -> None:
    primary, replica = pair
    caplog.set_level(logging.WARNING, logger=replicas.__name__)
    app = replica_app(primary, replica)
    async with serving(app) as client:
        on_replica = await client.post("/test/read-route-that-writes")
        user_id = await new_user(client, "Margaret")
        await set_replay(replica, paused=True)
        try:
            # The cookie of a write the replica has not replayed: reads use the primary.
            await client.patch(f"/replica/users/{user_id}", json={"name": "M. H."})
            caplog.clear()
            on_primary = await client.post("/test/read-route-that-writes")
            assert fell_back(caplog)
        finally:
            await set_replay(replica, paused=False)
    assert (on_replica.status_code, on_primary.status_code) == (500, 500)


async def test_a_long_read_on_the_replica_is_cancelled_by_a_conflict(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    url = replica_url(replica)
    defaults = {
        name: await fetchval(url, f"SELECT current_setting('{name}')")
        for name in ("max_standby_streaming_delay", "hot_standby_feedback")
    }
    text_of_page = " ".join(page(PAGE).split())
    for name, value in defaults.items():
        assert f"`{name}` (default `{value}`)" in text_of_page
    admin = primary.url.set(database=DATABASE)
    await fetchval(
        admin, "CREATE TABLE conflict_demo AS SELECT generate_series(1, 1000) AS n"
    )
    await wait_until_replayed(primary.url, url)
    await alter_system(url, max_standby_streaming_delay="100ms")
    engine = create_engine(Settings(database_url=url))
    query = text("SELECT count(*) FROM conflict_demo, pg_sleep(:seconds)")
    try:
        # A long read on the replica; meanwhile the primary deletes the rows it reads
        # and VACUUM removes them, which replay must apply within the delay.
        read = asyncio.create_task(_scalar(engine, query, seconds=30))
        await _until_running(url, "pg_sleep")
        await fetchval(admin, "DELETE FROM conflict_demo")
        await fetchval(admin, "VACUUM conflict_demo")
        with pytest.raises(DBAPIError) as caught:
            await read
        # Retried once replay has passed the conflicting records (a retry during
        # replay can meet the next one).
        await wait_until_replayed(primary.url, url)
        retried = await _scalar(engine, query, seconds=0)
    finally:
        await engine.dispose()
        await alter_system(url, max_standby_streaming_delay=None)
        await fetchval(admin, "DROP TABLE conflict_demo")
    reason = driver_error(caught.value)
    lines = [
        f"{type(caught.value).__name__}: {str(caught.value).splitlines()[0]}",
        f"driver: {error_line(caught.value)}",
        f"SQLSTATE {sqlstate(caught.value)}, DETAIL: {getattr(reason, 'detail', None)}",
        f"the same query again: count(*) = {retried}",
    ]
    assert "\n".join(lines) == shown(
        "replica-conflict", "replica-conflict-sqlalchemy20"
    )


async def _scalar(engine: AsyncEngine, query: Any, **params: object) -> object:
    async with engine.connect() as conn:
        return await conn.scalar(query, params)


async def _until_running(url: URL, words: str) -> None:
    for _ in range(1500):
        if await fetchval(
            url,
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
            " AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
            words,
        ):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no query with {words!r} runs on {url}")


# --- a replica that is down ---------------------------------------------------------------


async def test_a_replica_that_is_down(pair: tuple[EmbeddedServer, Replica]) -> None:
    primary, replica = pair
    hosts = hosts_of(primary, replica)
    alone = the_app(
        ReplicaSettings(
            database_url=primary.url, database_replica_url=replica_url(replica)
        )
    )
    fallback = the_app(
        ReplicaSettings(
            database_url=primary.url,
            database_replica_url=multi_host(
                [hosts["replica"], hosts["primary"]], "prefer-standby"
            ),
        )
    )
    lines = []
    async with serving(alone) as alone_client, serving(fallback) as client:
        user_id = await new_user(client, "Edsger")
        await wait_until_replayed(primary.url, replica_url(replica))
        assert (await client.get("/test/servers")).json()["get_read_db"] is True
        replica.stop()
        try:
            response = await alone_client.get(f"/replica/users/{user_id}")
            assert response.status_code == 500
            with pytest.raises(ConnectionRefusedError) as caught:
                async with alone.state.read_session_factory() as session:
                    await session.execute(text("SELECT 1"))
            error = re.sub(r"\d{4,5}\)$", "PORT)", error_line(caught.value))
            assert error == shown_output(PAGE, "replica-refused")
            lines.append(f"replica alone:          500  {error}")
            response = await client.get(f"/replica/users/{user_id}")
            assert response.status_code == 200
            on = (await client.get("/test/servers")).json()["get_read_db"]
            lines.append(f"replica, then primary:  200  pg_is_in_recovery() = {on}")
        finally:
            replica.start()
        # Back up, but the pooled connection is still the primary's, until replaced.
        assert (await client.get("/test/servers")).json()["get_read_db"] is False
        await read_engine(fallback).dispose()
        assert (await client.get("/test/servers")).json()["get_read_db"] is True
    assert "\n".join(lines).replace("False", "false") == shown_output(
        PAGE, "replica-down"
    )


# --- failover -----------------------------------------------------------------------------


def test_the_replica_url_on_the_page_reaches_asyncpg_as_a_host_list() -> None:
    match = re.search(r"DATABASE_REPLICA_URL=(\S+)", page(PAGE))
    assert match, "the page shows no DATABASE_REPLICA_URL"
    settings = ReplicaSettings(database_url="sqlite://", database_replica_url=match[1])
    url = settings.database_replica_url
    assert url is not None
    engine = create_engine(settings.model_copy(update={"database_url": url}))
    _, kwargs = engine.dialect.create_connect_args(engine.url)
    shown = (
        f"host={kwargs['host']} port={kwargs['port']} "
        f"target_session_attrs={kwargs['target_session_attrs']}"
    )
    assert shown == shown_output(PAGE, "replica-url-hosts")
    # The failover URL: the app's own DATABASE_URL takes the same form.
    match = re.search(r"DATABASE_URL=(\S+)", page(PAGE))
    assert match, "the page shows no DATABASE_URL"
    engine = create_engine(Settings(database_url=match[1]))
    _, kwargs = engine.dialect.create_connect_args(engine.url)
    assert kwargs["host"] == ["db-1.internal", "db-2.internal"]
    assert kwargs["target_session_attrs"] == "read-write"
    assert float(kwargs["command_timeout"]) == 10


async def test_a_replica_that_does_not_answer_uses_up_the_connect_timeout() -> None:
    # A port that completes the TCP handshake and then says nothing, like a host whose
    # answers are lost: asyncpg waits for the server's first message. The host after it
    # is a port that only counts the connections made to it.
    silent, after = socket.socket(), socket.socket()
    for each in (silent, after):
        each.bind(("127.0.0.1", 0))
        each.listen()
    after.setblocking(False)
    ports = [each.getsockname()[1] for each in (silent, after)]
    url = multi_host([f"127.0.0.1:{port}" for port in ports], "prefer-standby")
    engine = create_async_engine(url, connect_args={"timeout": 1})
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        tried = 0
        with contextlib.suppress(BlockingIOError):
            while True:
                after.accept()[0].close()
                tried += 1
    finally:
        await engine.dispose()
        silent.close()
        after.close()
    assert time.monotonic() - started >= 1
    shown = f"{type(caught.value).__name__}, connections to the next host: {tried}"
    assert shown == shown_output(PAGE, "replica-silent")


async def test_a_replica_that_refuses_the_login_is_not_skipped(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    hosts = hosts_of(primary, replica)
    app = the_app(
        ReplicaSettings(
            database_url=primary.url,
            database_replica_url=multi_host(
                [hosts["replica"], hosts["primary"]], "prefer-standby"
            ),
        )
    )
    hba = replica.data_dir / "pg_hba.conf"
    rules = hba.read_text()
    # The replica's own pg_hba.conf (not replicated) turns the app away, as a wrong
    # password, an unknown database or a full server would: an answer, not a refusal.
    hba.write_text("host all all 127.0.0.1/32 reject\n" + rules)
    replica.pg_ctl("reload")
    try:
        async with serving(app) as client:
            for _ in range(500):  # until the reload has taken effect
                response = await client.get("/test/servers")
                if response.status_code == 500:
                    break
                await read_engine(app).dispose()
                await asyncio.sleep(0.02)
            # SQLAlchemy 2.0 lets a refusal at connect out unwrapped; 2.1 wraps it.
            with pytest.raises((DBAPIError, asyncpg.PostgresError)) as caught:
                async with app.state.read_session_factory() as session:
                    await session.execute(text("SELECT 1"))
    finally:
        hba.write_text(rules)
        replica.pg_ctl("reload")
    shown = f"{response.status_code}  {error_line(caught.value)}"
    assert shown == shown_output(PAGE, "replica-login-refused")


async def connect_to(url: URL, replica: Replica) -> str:
    """Which server an engine on `url` connects to, or the error it raises."""
    engine = create_engine(Settings(database_url=url))
    try:
        async with engine.connect() as conn:
            port = await conn.scalar(text("SELECT current_setting('port')"))
        return "the replica" if port == str(replica.port) else "the primary"
    # SQLAlchemy 2.0 lets asyncpg's TargetServerAttributeNotMatched out unwrapped.
    except (DBAPIError, asyncpg.TargetServerAttributeNotMatched) as exc:
        wrapped = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        if "<SessionAttribute.primary" in wrapped:
            assert wrapped == shown("replica-no-match", "replica-no-match-sqlalchemy20")
        return error_line(exc)
    finally:
        await engine.dispose()


async def test_target_session_attrs_picks_the_server(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    hosts = hosts_of(primary, replica)
    lines = []
    for attrs, order in [
        ("any", ["replica", "primary"]),
        ("read-write", ["replica", "primary"]),
        ("primary", ["replica", "primary"]),
        ("read-only", ["primary", "replica"]),
        ("standby", ["primary", "replica"]),
        ("prefer-standby", ["primary", "replica"]),
        ("prefer-standby", ["primary"]),
        ("primary", ["replica"]),
    ]:
        chosen = await connect_to(multi_host([hosts[h] for h in order], attrs), replica)
        lines.append(f"{attrs + ',':16}{' then '.join(order) + ':':22}{chosen}")
    assert "\n".join(lines) == shown_output(PAGE, "replica-target-session-attrs")
    # Not interchangeable: a primary set to read-only transactions by default.
    admin = primary.url.set(database=DATABASE)
    await alter_system(admin, default_transaction_read_only="on")
    try:
        lines = [
            f"{attrs + ':':12}"
            + await connect_to(multi_host([hosts["primary"]], attrs), replica)
            for attrs in ("read-write", "primary", "read-only")
        ]
    finally:
        await alter_system(admin, default_transaction_read_only=None)
    assert "\n".join(lines) == shown_output(PAGE, "replica-read-only-primary")


async def test_several_replicas_are_not_balanced(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    _, replica = pair
    # The one replica twice, by its socket and by TCP: two standbys to asyncpg.
    url = multi_host(
        [f"{replica.sockets}:{replica.port}", f"127.0.0.1:{replica.port}"], "standby"
    )
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        seen = []
        for _ in range(10):
            async with engine.connect() as conn:
                seen.append(await conn.scalar(text("SELECT inet_server_addr()")))
    finally:
        await engine.dispose()
    parameters = inspect.signature(asyncpg.connect).parameters
    lines = [
        f"10 connections: {seen.count(None)} to the first host, "
        f"{len(seen) - seen.count(None)} to the second",
        f"asyncpg.connect(load_balance_hosts=...): {'load_balance_hosts' in parameters}",
    ]
    assert "\n".join(lines) == shown_output(PAGE, "replica-not-balanced")


async def test_command_timeout_in_the_url_bounds_every_statement(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, _ = pair
    admin = primary.url.set(database=DATABASE)
    # An index whose build takes 0.7 s: a function in its key that sleeps, on one row.
    await fetchval(admin, "CREATE TABLE slow_build AS SELECT 1 AS n")
    await fetchval(
        admin,
        "CREATE FUNCTION slow_key(n int) RETURNS int IMMUTABLE LANGUAGE plpgsql"
        " AS $$ BEGIN PERFORM pg_sleep(0.7); RETURN n; END $$",
    )
    build = text("CREATE INDEX slow_build_key ON slow_build (slow_key(n))")
    lines = []
    try:
        for label, url in [
            (
                "command_timeout=0.5 in the URL:",
                admin.update_query_dict({"command_timeout": "0.5"}),
            ),
            ("no command_timeout:", admin),
        ]:
            # The guide's engine on that URL, as migrations at startup would open it.
            engine = create_engine(Settings(database_url=url))
            try:
                async with engine.begin() as conn:
                    await conn.execute(build)
                outcome = "CREATE INDEX ok"
            except Exception as exc:
                outcome = error_line(exc)
            finally:
                await engine.dispose()
            lines.append(f"{label:33}{outcome}")
    finally:
        await fetchval(admin, "DROP TABLE slow_build")
        await fetchval(admin, "DROP FUNCTION slow_key")
    assert "\n".join(lines) == shown_output(PAGE, "replica-command-timeout")


def test_failover_to_the_promoted_replica() -> None:
    with primary_and_replica() as (primary, replica):
        asyncio.run(_failover(primary, replica))


async def _failover(primary: EmbeddedServer, replica: Replica) -> None:
    await _create_tables(primary.url)
    hosts = hosts_of(primary, replica)
    url = multi_host([hosts["replica"], hosts["primary"]], "read-write")
    guide = create_engine(Settings(database_url=url))  # pool_pre_ping=True
    no_ping = create_async_engine(url)  # SQLAlchemy's default: no pre-ping
    lines = []

    async def where(engine: AsyncEngine) -> str:
        async with engine.begin() as conn:
            port, recovering = (
                await conn.execute(
                    text("SELECT current_setting('port'), pg_is_in_recovery()")
                )
            ).one()
            await conn.execute(
                text("INSERT INTO users (name, email) VALUES ('x', :e)"),
                {"e": f"{port}-{id(engine)}@example.com"},
            )
        server = "the former replica" if port == str(replica.port) else "the primary"
        return f"{server}, pg_is_in_recovery() = {str(recovering).lower()}, INSERT ok"

    try:
        lines.append(f"{'before:':32}{await where(guide)}")
        assert await where(no_ping)
        primary.pause()
        # The old primary's Unix socket is gone with it.
        with pytest.raises(FileNotFoundError) as caught:
            await where(guide)
        lines.append(f"{'primary stopped:':32}{error_line(caught.value)}")
        replica.promote()
        lines.append(f"{'promoted, pool_pre_ping=True:':32}{await where(guide)}")
        with pytest.raises(DBAPIError) as dead:
            await where(no_ping)
        lines.append(f"{'promoted, no pre-ping:':32}{error_line(dead.value)}")
        lines.append(f"{'no pre-ping, next request:':32}{await where(no_ping)}")
    finally:
        await guide.dispose()
        await no_ping.dispose()
    assert "\n".join(lines) == shown_output(PAGE, "replica-failover")


def test_failover_when_the_old_primary_hangs() -> None:
    with primary_and_replica() as (primary, replica):
        asyncio.run(_frozen_primary(primary, replica))


async def _frozen_primary(primary: EmbeddedServer, replica: Replica) -> None:
    await _create_tables(primary.url)
    hosts = hosts_of(primary, replica)

    def engine(order: list[str], command_timeout: bool) -> AsyncEngine:
        url = multi_host([hosts[h] for h in order], "read-write")
        if command_timeout:
            url = url.update_query_dict({"command_timeout": "1"})
        # The guide's pre-ping, and a connect timeout short enough for a test.
        return create_async_engine(url, pool_pre_ping=True, connect_args={"timeout": 2})

    engines = {
        "command_timeout=1, replica then primary:": engine(
            ["replica", "primary"], True
        ),
        "no command_timeout, replica then primary:": engine(
            ["replica", "primary"], False
        ),
        "command_timeout=1, primary then replica:": engine(
            ["primary", "replica"], True
        ),
    }

    async def where(engine: AsyncEngine) -> str:
        async with engine.begin() as conn:
            port = await conn.scalar(text("SELECT current_setting('port')"))
            await conn.execute(
                text("INSERT INTO users (name, email) VALUES ('x', :e)"),
                {"e": f"{port}-{time.monotonic_ns()}@example.com"},
            )
        return "the former replica" if port == str(replica.port) else "the primary"

    async def request(engine: AsyncEngine) -> str:
        task = asyncio.create_task(where(engine))
        # Far longer than any timeout set above: only a request that hangs takes it.
        done, _ = await asyncio.wait({task}, timeout=3)
        if not done:
            task.cancel()
            return "still waiting after 3 s"
        try:
            return f"{task.result()}, INSERT ok"
        except Exception as exc:
            return error_line(exc)

    lines = []
    try:
        for each in engines.values():
            assert await where(each) == "the primary"  # a pooled connection to it
        primary.freeze(True)
        replica.promote()
        for name, each in engines.items():
            first, second = await request(each), await request(each)
            lines.append(f"{name:42}{first}; next request: {second}")
    finally:
        primary.freeze(False)
        for each in engines.values():
            await each.dispose()
    assert "\n".join(lines) == shown_output(PAGE, "replica-frozen")


# --- review fixes: each test failed on the code or page before its fix ---------------------


def error_response(sqlstate: str, message: str) -> bytes:
    """A FATAL ErrorResponse message of the PostgreSQL protocol."""
    fields = b"SFATAL\0C" + sqlstate.encode() + b"\0M" + message.encode() + b"\0\0"
    return b"E" + (len(fields) + 4).to_bytes(4, "big") + fields


# The first 8 bytes of an SSLRequest or GSSENCRequest: answered with one byte, "N" (no).
ENCRYPTION_REQUESTS = {80877103, 80877104}


async def startup_packet(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> bytes:
    """The client's startup packet, after declining its encryption requests."""
    while True:
        length = int.from_bytes(await reader.readexactly(4), "big")
        packet = await reader.readexactly(length - 4)
        if length == 8 and int.from_bytes(packet, "big") in ENCRYPTION_REQUESTS:
            writer.write(b"N")
            await writer.drain()
            continue
        return length.to_bytes(4, "big") + packet


@asynccontextmanager
async def answering(sqlstate: str, message: str) -> AsyncIterator[int]:
    """A port that answers every connection's startup with a FATAL error, before login,
    as a server does that is starting up (57P03) or full (53300)."""

    async def answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await startup_packet(reader, writer)
            writer.write(error_response(sqlstate, message))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def test_a_replica_that_cannot_accept_connections_yet_is_skipped(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    lines = []
    for sqlstate_, message in [
        ("57P03", "the database system is starting up"),
        ("53300", "sorry, too many clients already"),
    ]:
        async with answering(sqlstate_, message) as port:
            url = multi_host(
                [f"127.0.0.1:{port}", hosts_of(primary, replica)["primary"]],
                "prefer-standby",
            )
            engine = create_async_engine(url)
            try:
                async with engine.connect() as conn:
                    in_recovery = await conn.scalar(text("SELECT pg_is_in_recovery()"))
                    outcome = f"the primary, pg_is_in_recovery() = {in_recovery}"
            # SQLAlchemy 2.0 lets an error at connect out unwrapped; 2.1 wraps it.
            except (DBAPIError, asyncpg.PostgresError) as exc:
                outcome = error_line(exc)
            finally:
                await engine.dispose()
        lines.append(
            f"{sqlstate_} {message + ':':37}{outcome}".replace("False", "false")
        )
    assert "\n".join(lines) == shown_output(PAGE, "replica-cannot-connect-now")


async def test_under_read_committed_the_route_reads_in_the_polled_transaction(
    pair: tuple[EmbeddedServer, Replica], monkeypatch: pytest.MonkeyPatch
) -> None:
    primary, replica = pair
    app = replica_app(primary, replica)
    polled_in: list[tuple[int, object]] = []
    has_replayed = replicas.has_replayed
    # The backend and the transaction: a transaction pooler keeps one server
    # connection for a whole transaction, so a route in the polled transaction reads
    # on the server that was polled, even with several behind the pooler.
    where = text("SELECT pg_backend_pid(), transaction_timestamp()")

    async def recording(conn: Any, lsn: int, *, within: float) -> bool:
        polled_in.append(tuple((await conn.execute(where)).one()))
        return await has_replayed(conn, lsn, within=within)

    monkeypatch.setattr(replicas, "has_replayed", recording)

    @app.get("/test/read-transaction")
    async def read_transaction(read: ReadSession) -> list[str]:
        return [str(each) for each in (await read.execute(where)).one()]

    async with serving(app) as client:
        user_id = await new_user(client, "Radia")
        await client.patch(f"/replica/users/{user_id}", json={"name": "R. Perlman"})
        route = (await client.get("/test/read-transaction")).json()
    assert [[str(each) for each in polled] for polled in polled_in] == [route]


async def test_the_write_position_misses_a_commit_with_synchronous_commit_off(
    pair: tuple[EmbeddedServer, Replica], monkeypatch: pytest.MonkeyPatch
) -> None:
    primary, replica = pair
    admin = primary.url.set(database=DATABASE)
    # The page's reason for the insert position: with the write position, the cookie
    # points before the commit, and the replica answers without the write.
    monkeypatch.setattr(replicas, "WAL_INSERT_LSN", "SELECT pg_current_wal_lsn()")
    await alter_system(admin, synchronous_commit="off", wal_writer_delay="10s")
    try:
        # Whether the WAL is flushed before the read depends on the server's timing
        # (another flush may come first), so a miss is looked for in five tries.
        statuses = []
        async with serving(replica_app(primary, replica)) as client:
            for attempt in range(5):
                user_id = await new_user(client, f"Lynn{attempt}")
                response = await client.get(f"/replica/users/{user_id}")
                statuses.append(response.status_code)
                if response.status_code == 404:
                    break
    finally:
        await alter_system(admin, synchronous_commit=None, wal_writer_delay=None)
    assert 404 in statuses, statuses
    assert "within five tries, the replica answered 404" in " ".join(page(PAGE).split())


class RoundTrips:
    port = 0
    count = 0


@asynccontextmanager
async def counting_round_trips(primary: EmbeddedServer) -> AsyncIterator[RoundTrips]:
    """A TCP port in front of the primary's socket that counts the ReadyForQuery
    messages the server sends: one per round trip, the end of every query or Sync."""
    counted = RoundTrips()
    socket_path = f"{socket_dir(primary)}/.s.PGSQL.{primary.url.port or 5432}"

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(socket_path)

        async def upstream() -> None:
            up_writer.write(await startup_packet(reader, writer))
            while data := await reader.read(65536):
                up_writer.write(data)
                await up_writer.drain()
            up_writer.close()

        async def downstream() -> None:
            while True:
                head = await up_reader.readexactly(5)
                body = await up_reader.readexactly(int.from_bytes(head[1:], "big") - 4)
                counted.count += head[:1] == b"Z"
                writer.write(head + body)
                await writer.drain()

        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await asyncio.gather(upstream(), downstream())
        writer.close()

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    try:
        counted.port = server.sockets[0].getsockname()[1]
        yield counted
    finally:
        server.close()


async def test_noting_the_position_costs_one_round_trip(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    async with counting_round_trips(primary) as counted:
        url = primary.url.set(host="127.0.0.1", port=counted.port, query={})
        app = the_app(
            ReplicaSettings(database_url=url, database_replica_url=replica_url(replica))
        )

        async def round_trips_of_a_write(n: int) -> int:
            before = counted.count
            response = await client.post(
                "/users", json={"name": "Ida", "email": f"ida-{n}@example.com"}
            )
            assert response.status_code == 201, response.text
            return counted.count - before

        async with serving(app) as client:
            # Warm: the pool's connection, and the prepared statements, exist.
            for n in range(2):
                await round_trips_of_a_write(n)
            noting = await round_trips_of_a_write(2)
            assert LSN_COOKIE in client.cookies
            app.state.session_factory.configure(sync_session_class=Session)
            plain = await round_trips_of_a_write(3)
    assert noting - plain == 1, (noting, plain)


async def test_writes_in_flight_together_leave_the_cookie_of_the_last_answer(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    app = replica_app(primary, replica)
    committed, answer = asyncio.Event(), asyncio.Event()

    @app.post("/test/commit-then-wait", status_code=201)
    async def commit_then_wait(session: DbSession) -> dict[str, bool]:
        session.add(User(name="Ada", email=f"slow-{time.monotonic_ns()}@example.com"))
        await session.commit()
        committed.set()
        await answer.wait()
        return {"stored": True}

    async with serving(app) as client:
        user_id = await new_user(client, "Sophie")
        # The earlier write commits first and answers last: its cookie arrives last.
        earlier = asyncio.create_task(client.post("/test/commit-then-wait"))
        await committed.wait()
        later = await client.patch(f"/replica/users/{user_id}", json={"name": "S. W."})
        later_lsn = int(later.cookies[LSN_COOKIE].partition(".")[0])
        answer.set()
        assert (await earlier).status_code == 201
        kept = int(client.cookies[LSN_COOKIE].partition(".")[0])
    assert kept < later_lsn
    text_of_page = " ".join(page(PAGE).split())
    assert "the cookie of the answer that arrives last" in text_of_page
