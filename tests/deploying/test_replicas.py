"""docs/deploying/replicas.md, on a private primary and a real streaming replica of it.

Both servers are started by tests/replica.py for this module only (once, not per test);
the failover test destroys its pair, so it starts its own.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from snippets.app import DbSession, create_app
from snippets.database import (
    create_engine,
    create_session_factory,
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


def shown(name: str) -> str:
    """The page's output `name`, or its SQLAlchemy 2.0 tab on 2.0."""
    return shown_output(PAGE, f"{name}-sqlalchemy20" if ON_20 else name)


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[EmbeddedServer, Replica]]:
    """Once per module: a primary with the guide's tables, and a replica streaming them."""
    with primary_and_replica() as (primary, replica):
        asyncio.run(_create_tables(primary.url))
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
    return make_url(
        f"postgresql+asyncpg://postgres@/{DATABASE}?{query}&target_session_attrs={attrs}"
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
    engine: AsyncEngine = app.state.read_session_factory.kw["bind"]
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
    reason = driver_error(exc)
    return f"{type(reason).__name__}: {reason}"


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
    assert f"DBAPIError: {wrapped}" == shown_output(PAGE, "replica-refuses-wrapped")


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
        app.state.read_session_factory = create_session_factory(
            read_engine(app).execution_options(isolation_level="REPEATABLE READ")
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


async def test_a_replica_that_does_not_answer_uses_up_the_connect_timeout(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, _ = pair
    # A port that completes the TCP handshake and then says nothing, like a host whose
    # answers are lost: asyncpg waits for the server's first message.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    port = silent.getsockname()[1]
    url = multi_host(
        [f"127.0.0.1:{port}", hosts_of(primary, pair[1])["primary"]], "prefer-standby"
    )
    engine = create_async_engine(url, connect_args={"timeout": 1})
    started = time.monotonic()
    try:
        with pytest.raises(TimeoutError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
        silent.close()
    assert time.monotonic() - started >= 1
    shown = f"{type(caught.value).__name__}, the primary not tried"
    assert shown == shown_output(PAGE, "replica-silent")


async def test_target_session_attrs_picks_the_server(
    pair: tuple[EmbeddedServer, Replica],
) -> None:
    primary, replica = pair
    hosts = hosts_of(primary, replica)
    lines = []
    for attrs, order in [
        ("read-write", ["replica", "primary"]),
        ("primary", ["replica", "primary"]),
        ("standby", ["primary", "replica"]),
        ("prefer-standby", ["primary", "replica"]),
        ("primary", ["replica"]),
    ]:
        engine = create_engine(
            Settings(database_url=multi_host([hosts[h] for h in order], attrs))
        )
        try:
            async with engine.connect() as conn:
                port = await conn.scalar(text("SELECT current_setting('port')"))
            chosen = "the replica" if port == str(replica.port) else "the primary"
        except DBAPIError as exc:
            chosen = error_line(exc)
            wrapped = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            assert wrapped == shown_output(PAGE, "replica-no-match")
        finally:
            await engine.dispose()
        lines.append(f"{attrs + ',':16}{' then '.join(order) + ':':22}{chosen}")
    assert "\n".join(lines) == shown_output(PAGE, "replica-target-session-attrs")


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
