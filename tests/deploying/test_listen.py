"""snippets/deploying/listen.py, shown on docs/deploying/logins.md: a listener on a server
of the test's own, restarted under it, and the listener app under a real uvicorn."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import secrets
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, make_url

from snippets.deploying.listen import (
    ListenerStatus,
    asyncpg_arguments,
    create_listener_app,
    listen_forever,
)
from snippets.deploying.tokens import Token, TokenCache
from snippets.settings import ASYNCPG_URL_OPTIONS, Settings
from tests import postgres
from tests.pages import page, shown_output
from tests.postgres import PASSWORD_ROLE, EmbeddedServer, private_server
from tests.replica import primary_and_replica
from tests.servers import free_port, serving, wait_for

PAGE = "deploying/logins.md"
ROLE = "guide_listener"


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    """A server of this module's own, so it can be restarted under the listener."""
    with private_server(ROLE) as own:
        yield own


def dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def admin(server: EmbeddedServer, *statements: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn(server.url), timeout=10)
    try:
        rows: list[asyncpg.Record] = []
        for statement in statements:
            rows = await connection.fetch(statement)
        return rows
    finally:
        await connection.close()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + 30
    while not await check():
        assert time.monotonic() < deadline, f"no {what} within 30 s"
        await asyncio.sleep(0.05)


async def listening_pids(
    server: EmbeddedServer, database: str | None = None
) -> set[int]:
    """Sessions that have run LISTEN (or the check's SELECT 1 after it): the listener's,
    while it is connected."""
    rows = await admin(
        server,
        "SELECT pid FROM pg_stat_activity WHERE (query LIKE 'LISTEN %'"
        " OR query = 'SELECT 1')"
        + (f" AND datname = '{database}'" if database else f" AND usename = '{ROLE}'"),
    )
    return {row["pid"] for row in rows}


async def test_the_listener_reconnects_after_a_restart_and_misses_what_was_sent_meanwhile(
    server: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    received: asyncio.Queue[str] = asyncio.Queue()
    url = server.url.set(username=ROLE)
    task = asyncio.create_task(
        listen_forever(
            url,
            "orders",
            received.put_nowait,
            first_delay=0.05,
            max_delay=0.4,
            check_every=0.3,
        )
    )
    lines = []
    try:
        await eventually(lambda: listening(server), "LISTEN session")
        (before_pid,) = await listening_pids(server)
        await admin(server, "NOTIFY orders, 'sent before the restart'")
        lines.append(f"received: {await asyncio.wait_for(received.get(), 30)}")

        # The role may not log in while the server restarts and a little after, so the
        # listener is certainly away when the next NOTIFY is sent.
        await admin(server, f"ALTER ROLE {ROLE} NOLOGIN")
        caplog.clear()
        await asyncio.to_thread(server.pause)
        await asyncio.to_thread(server.resume)

        def delays() -> list[float]:
            found = re.findall(r"next attempt in ([\d.]+) s", caplog.text)
            return [float(delay) for delay in found]

        async def refused_after_restart() -> bool:
            return "InvalidAuthorizationSpecificationError" in caplog.text and (
                len(delays()) >= 5
            )

        await eventually(refused_after_restart, "refused reconnect attempts")
        # asyncpg's termination listener noticed the restart.
        assert "listener: connection lost; next attempt in 0.05 s" in caplog.text
        assert await listening_pids(server) == set()
        await admin(server, "NOTIFY orders, 'sent while no listener was connected'")
        lines.append(
            "server restarted; reconnect attempts refused, waiting "
            + ", ".join(f"{d:g}" for d in delays()[:5])
            + " s ..."
        )

        await admin(server, f"ALTER ROLE {ROLE} LOGIN")
        await eventually(lambda: listening(server), "LISTEN session again")
        assert await listening_pids(server) != {before_pid}
        lines.append("reconnected and listening again")
        await admin(server, "NOTIFY orders, 'sent after the restart'")
        lines.append(f"received: {await asyncio.wait_for(received.get(), 30)}")
        # What was sent while it was away never comes: nothing else is waiting.
        await admin(server, "NOTIFY orders, 'last'")
        assert await asyncio.wait_for(received.get(), 30) == "last"
        assert received.empty()
        outage_delays = delays()

        # A second outage: the delays start over from first_delay, once the connection
        # has stayed up and answered a check (check_every).
        async def checked() -> bool:
            rows = await admin(
                server,
                f"SELECT 1 FROM pg_stat_activity WHERE usename = '{ROLE}'"
                " AND query = 'SELECT 1'",
            )
            return bool(rows)

        await eventually(checked, "a check after reconnecting")
        caplog.clear()
        await asyncio.to_thread(server.pause)
        await asyncio.to_thread(server.resume)
        await eventually(
            lambda: _count_listening_lines(caplog.text, 1), "LISTEN after 2nd restart"
        )
        assert delays()[:1] == [0.05], caplog.text
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert "Traceback" not in caplog.text
    assert "\n".join(lines) == shown_output(PAGE, "listener-restart")
    # Backoff: each delay doubles up to max_delay, and a listener that got back in
    # starts again from first_delay.
    assert outage_delays[:5] == [0.05, 0.1, 0.2, 0.4, 0.4]
    await eventually(lambda: not_listening(server), "listener gone after cancel")


async def listening(server: EmbeddedServer) -> bool:
    return bool(await listening_pids(server))


async def not_listening(server: EmbeddedServer) -> bool:
    return not await listening_pids(server)


@pytest.mark.parametrize("backend", ["postgres"])
def test_the_listener_app_under_uvicorn_starts_and_stops_with_the_app(
    database_url: str,
) -> None:
    url = make_url(database_url)
    port = free_port()

    def sessions() -> int:
        rows = postgres._run(
            postgres.admin_fetch(
                "SELECT count(*) AS n FROM pg_stat_activity"
                " WHERE datname = $1 AND query LIKE 'LISTEN %'",
                url.database,
            )
        )
        return int(rows[0]["n"])

    def until(check: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 30
        while not check():
            assert time.monotonic() < deadline, f"no {what} within 30 s"
            time.sleep(0.05)

    command = (
        "uvicorn",
        "--factory",
        "snippets.deploying.listen:create_listener_app",
        "--port",
        str(port),
    )
    base = f"http://127.0.0.1:{port}"
    with serving(*command, env={"DATABASE_URL": database_url}) as process:
        assert wait_for(process, f"{base}/received").json() == []
        until(lambda: sessions() == 1, "LISTEN session")
        postgres._run(postgres.execute_in(url, "NOTIFY orders, 'order 42 paid'"))
        until(
            lambda: httpx.get(f"{base}/received").json() == ["order 42 paid"],
            "notification",
        )
        answer = httpx.get(f"{base}/received").text
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        output = process.stdout.read() if process.stdout else ""
    # uvicorn ends by its own signal once shutdown is complete (exit status -15).
    shutdown = "Application shutdown complete."
    assert shutdown in output, output
    assert "Traceback" not in output, output
    assert "CancelledError" not in output, output
    # The server notices the closed socket a moment after uvicorn exits.
    until(lambda: sessions() == 0, "LISTEN session gone")
    lines = [
        f"GET /received   {answer}",
        f"after SIGTERM   {shutdown} LISTEN sessions left: {sessions()}",
    ]
    assert "\n".join(lines) == shown_output(PAGE, "listener-app")


def test_the_delays_and_the_check_the_page_names_are_the_defaults() -> None:
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(listen_forever).parameters.items()
    }
    assert (defaults["first_delay"], defaults["max_delay"]) == (0.5, 30.0)
    assert defaults["check_every"] == 30.0
    text = " ".join(page(PAGE).split())
    assert "waits 0.5 s, 1 s, 2 s, ... up to 30 s before each attempt" in text
    assert "a `SELECT 1` every 30 s, which waits up to 30 s for its answer" in text
    assert "within about 60 s" in text


async def test_a_server_that_stops_answering_is_noticed_by_the_check(
    server: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """SIGSTOP on every server process: the socket stays open and nothing answers, as
    when a network path drops packets silently."""
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    received: asyncio.Queue[str] = asyncio.Queue()
    url = server.url.set(username=ROLE)
    task = asyncio.create_task(
        listen_forever(url, "orders", received.put_nowait, check_every=0.3)
    )
    try:
        await eventually(lambda: listening(server), "LISTEN session")
        server.freeze(True)
        try:

            async def check_failed() -> bool:
                return "listener: TimeoutError: " in caplog.text

            await eventually(check_failed, "failed check")
        finally:
            server.freeze(False)
        await eventually(
            lambda: _count_listening_lines(caplog.text, 2), "LISTEN session again"
        )
        await admin(server, "NOTIFY orders, 'after the network came back'")
        assert (
            await asyncio.wait_for(received.get(), 30) == "after the network came back"
        )
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def _count_listening_lines(log: str, count: int) -> bool:
    return log.count("listener: listening on orders") >= count


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_lifespan_starts_the_listener_and_cancels_it(
    database_url: str,
) -> None:
    url = make_url(database_url)
    # Every option the guide's settings accept in the URL, as SQLAlchemy passes them;
    # SQLAlchemy's own prepared_statement_cache_size too, which asyncpg would refuse.
    with_option = url.update_query_dict(
        {"ssl": "disable", "prepared_statement_cache_size": "0", "command_timeout": "5"}
    )
    app = create_listener_app(Settings(database_url=with_option))  # type: ignore[arg-type]

    async def sessions() -> int:
        rows = await postgres.admin_fetch(
            "SELECT count(*) AS n FROM pg_stat_activity"
            " WHERE datname = $1 AND query LIKE 'LISTEN %'",
            url.database,
        )
        return int(rows[0]["n"])

    async def one() -> bool:
        return await sessions() == 1

    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        await eventually(one, "LISTEN session")
        await postgres.execute_in(url, "NOTIFY orders, 'order 7 shipped'")

        async def arrived() -> bool:
            return (await client.get("/received")).json() == ["order 7 shipped"]

        await eventually(arrived, "notification")
        assert (await client.get("/ready")).json() == {"listener": "listening"}
    await eventually(lambda: _none(sessions), "LISTEN session gone")


async def _none(count: Callable[[], Awaitable[int]]) -> bool:
    return await count() == 0


def test_every_url_option_the_settings_accept_is_one_asyncpg_takes() -> None:
    url = make_url("postgresql+asyncpg://app@db/app")
    accepted = set(inspect.signature(asyncpg.connect).parameters)
    for option in sorted(ASYNCPG_URL_OPTIONS):
        with_option = Settings(database_url=url.update_query_dict({option: "1"}))  # type: ignore[arg-type]
        arguments = asyncpg_arguments(with_option.database_url)
        assert set(arguments) <= accepted, option


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_listener_that_stops_is_logged_at_once_and_fails_readiness(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An error that is no lost connection ends the listener: asyncpg refuses a
    command_timeout of 0 (a ValueError). The app goes on serving, but says so."""
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    url = make_url(database_url).update_query_dict({"command_timeout": "0"})
    app = create_listener_app(Settings(database_url=url))  # type: ignore[arg-type]
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):

        async def stopped() -> bool:
            answer = await client.get("/ready")
            return str(answer.json()["listener"]).startswith("stopped")

        await eventually(stopped, "readiness failing")
        ready = await client.get("/ready")
        answer = ready.json()
        assert ready.status_code == 503
        assert (await client.get("/received")).status_code == 200
    # The shutdown above raised nothing; the error was logged when it happened.
    message = "ValueError: invalid command_timeout value"
    assert answer["listener"].startswith(f"stopped: {message}")
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage().startswith(f"listener stopped: {message}")
    assert record.exc_info is not None


async def test_the_log_says_why_a_login_failed_not_only_its_class(
    server: EmbeddedServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    # No PGSSLROOTCERT, and a home folder without ~/.postgresql/root.crt: asyncpg has
    # no CA to verify the server with, and no fallback to the system's.
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    url = server.url.set(username=ROLE).update_query_dict({"ssl": "verify-full"})
    task = asyncio.create_task(
        listen_forever(url, "orders", print, first_delay=0.05, max_delay=0.05)
    )
    try:

        async def logged() -> bool:
            return "next attempt" in caplog.text

        await eventually(logged, "a failed attempt")
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert "ClientConfigurationError: root certificate file" in caplog.text
    assert "does not exist" in caplog.text


async def test_a_standby_that_refuses_listen_is_not_hammered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Connecting works and LISTEN fails, as on a standby a stale DNS name points to
    after a failover: the listener waits before each attempt all the same."""
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    with primary_and_replica() as (primary, replica):
        url = replica.url(str(primary.url.database))
        task = asyncio.create_task(
            listen_forever(url, "orders", print, first_delay=0.05, max_delay=0.4)
        )
        started = time.monotonic()
        try:

            async def five_attempts() -> bool:
                return caplog.text.count("next attempt in") >= 5

            await eventually(five_attempts, "five refused attempts")
            elapsed = time.monotonic() - started
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    refused = [
        r.getMessage() for r in caplog.records if "next attempt" in r.getMessage()
    ]
    assert all("cannot execute LISTEN during recovery" in line for line in refused)
    delays = [float(d) for d in re.findall(r"next attempt in ([\d.]+) s", caplog.text)]
    assert delays[:5] == [0.05, 0.1, 0.2, 0.4, 0.4]
    # Four sleeps lie between the first and the fifth attempt.
    assert elapsed >= 0.05 + 0.1 + 0.2 + 0.4


async def test_async_handlers_and_on_listening_after_each_listen(
    server: EmbeddedServer,
) -> None:
    """on_listening runs once LISTEN is in place, after each reconnect: a NOTIFY sent
    from it arrives. Both it and on_message may be coroutine functions."""
    received: asyncio.Queue[str] = asyncio.Queue()
    listened = 0

    async def on_message(payload: str) -> None:
        await received.put(payload)

    async def on_listening() -> None:
        nonlocal listened
        listened += 1
        await admin(server, f"NOTIFY orders, 'sent from on_listening {listened}'")

    url = server.url.set(username=ROLE)
    task = asyncio.create_task(
        listen_forever(
            url, "orders", on_message, on_listening=on_listening, first_delay=0.05
        )
    )
    try:
        first = await asyncio.wait_for(received.get(), 30)
        await admin(
            server,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE usename = '{ROLE}'",
        )
        second = await asyncio.wait_for(received.get(), 30)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [first, second] == ["sent from on_listening 1", "sent from on_listening 2"]
    assert "`on_listening` runs after each `LISTEN`" in " ".join(page(PAGE).split())


def issuing(
    server: EmbeddedServer, issued: list[str]
) -> Callable[[], Awaitable[Token]]:
    """A token provider: each token it issues becomes the role's password."""

    async def fetch() -> Token:
        issued.append(secrets.token_urlsafe(24))
        await admin(server, f"ALTER ROLE {PASSWORD_ROLE} PASSWORD '{issued[-1]}'")
        return Token(issued[-1], expires_at=time.time() + 900)

    return fetch


def password_role() -> list[str]:
    return [
        f"DO $$ BEGIN CREATE ROLE {PASSWORD_ROLE}; EXCEPTION WHEN duplicate_object"
        " THEN NULL; END $$"
    ]


async def test_token_logins_and_readiness_that_follows_the_connection(
    server: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """The listener logs in with the token cache, as the engine does; /ready answers
    503 while it is not listening, not only once it stopped."""
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    issued: list[str] = []
    fetch = issuing(server, issued)
    await admin(
        server,
        *password_role(),
        f"ALTER ROLE {PASSWORD_ROLE} NOLOGIN",  # until the test lets it in
    )
    url = server.url.set(username=PASSWORD_ROLE, password=None)
    app = create_listener_app(Settings(database_url=url), tokens=TokenCache(fetch))  # type: ignore[arg-type]
    try:
        async with (
            app.router.lifespan_context(app),
            AsyncClient(
                transport=ASGITransport(app=app), base_url="http://app"
            ) as client,
        ):

            async def refused() -> bool:
                return "is not permitted to log in" in (await client.get("/ready")).text

            await eventually(refused, "a refused login in /ready")
            ready = await client.get("/ready")
            assert ready.status_code == 503
            assert ready.json() == {
                "listener": "not listening: InvalidAuthorizationSpecificationError:"
                f' role "{PASSWORD_ROLE}" is not permitted to log in'
            }
            await admin(server, f"ALTER ROLE {PASSWORD_ROLE} LOGIN")

            async def listening_now() -> bool:
                return (await client.get("/ready")).status_code == 200

            await eventually(listening_now, "the listener listening")
            assert (await client.get("/ready")).json() == {"listener": "listening"}
            await admin(server, "NOTIFY orders, 'paid with a token login'")

            async def arrived() -> bool:
                return (await client.get("/received")).json() == [
                    "paid with a token login"
                ]

            await eventually(arrived, "the notification")
    finally:
        await admin(server, f"ALTER ROLE {PASSWORD_ROLE} LOGIN")
    # A refused login drops the token, as with_token_logins does: a fetch per attempt.
    refusals = caplog.text.count("is not permitted to log in; next attempt")
    assert refusals >= 1
    assert len(issued) == refusals + 1


class ProviderDown(Exception):
    """As botocore's NoCredentialsError or google-auth's RefreshError: no OSError."""


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_token_fetch_that_fails_once_is_retried_like_a_lost_connection(
    server: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    asked = 0

    async def fetch() -> Token:
        nonlocal asked
        asked += 1
        if asked == 1:
            raise ProviderDown("the provider is briefly unavailable")
        return Token(
            "unused by a role that logs in without a password", time.time() + 900
        )

    status = ListenerStatus()
    task = asyncio.create_task(
        listen_forever(
            server.url.set(username=ROLE),
            "orders",
            print,
            tokens=TokenCache(fetch),
            status=status,
            first_delay=0.05,
        )
    )
    try:

        async def listening_now() -> bool:
            assert not task.done(), task.exception()
            return status.listening

        await eventually(listening_now, "the listener listening")
    finally:
        await stop(task)
    assert asked == 2
    assert "TokenUnavailable: no valid token: ProviderDown" in caplog.text


async def test_a_refused_token_is_dropped_and_the_listener_logs_in_with_a_new_one(
    server: EmbeddedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A token the server no longer takes before its stated expiry (revoked, or signed
    with credentials that expired): one refused login, then a new token."""
    caplog.set_level(logging.INFO, logger="snippets.deploying.listen")
    issued: list[str] = []
    fetch = issuing(server, issued)
    await admin(server, *password_role())
    await admin(server, f"ALTER ROLE {PASSWORD_ROLE} LOGIN")
    status = ListenerStatus()
    task = asyncio.create_task(
        listen_forever(
            server.url.set(username=PASSWORD_ROLE, password=None),
            "orders",
            print,
            tokens=TokenCache(fetch),
            status=status,
            first_delay=0.05,
            max_delay=0.2,
        )
    )
    try:

        async def listening_with(tokens: int) -> bool:
            return status.listening and len(issued) == tokens

        await eventually(lambda: listening_with(1), "the listener listening")
        await admin(
            server,
            f"ALTER ROLE {PASSWORD_ROLE} PASSWORD '{secrets.token_urlsafe(24)}'",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE usename = '{PASSWORD_ROLE}'",
        )
        await eventually(lambda: listening_with(2), "listening with a new token")
    finally:
        await stop(task)
    refusals = caplog.text.count("InvalidPasswordError: password authentication failed")
    assert refusals == 1


async def test_the_listener_app_listens_on_listen_database_url(
    server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LISTEN_DATABASE_URL, where DATABASE_URL points at a pooler: here DATABASE_URL names
    a database the listener could not log in to, so only the setting gets it listening."""
    direct = server.url.set(username=ROLE)
    monkeypatch.setenv("LISTEN_DATABASE_URL", dsn(direct))
    settings = Settings(database_url=direct.set(database="no_such_database"))  # type: ignore[arg-type]
    app = create_listener_app(settings)
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):

        async def listening_now() -> bool:
            return (await client.get("/ready")).status_code == 200

        await eventually(listening_now, "the listener listening")
        await admin(server, "NOTIFY orders, 'order 43 paid'")

        async def arrived() -> bool:
            return (await client.get("/received")).json() == ["order 43 paid"]

        await eventually(arrived, "the notification")
