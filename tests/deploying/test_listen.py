"""snippets/deploying/listen.py, shown on docs/deploying/logins.md: a listener on a server
of the test's own, restarted under it, and the listener app under a real uvicorn."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import signal
import time
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import httpx
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, make_url

from snippets.deploying.listen import create_listener_app, listen_forever
from snippets.settings import Settings
from tests import postgres
from tests.pages import page, shown_output
from tests.postgres import EmbeddedServer
from tests.servers import free_port, serving, wait_for

PAGE = "deploying/logins.md"
ROLE = "guide_listener"


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    """A server of this module's own, so it can be restarted under the listener."""
    own = EmbeddedServer()
    own._server.psql(f"CREATE ROLE {ROLE} LOGIN;")
    yield own
    own.stop()


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
    """Sessions whose last statement was LISTEN: the listener's, while it is connected."""
    rows = await admin(
        server,
        "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %'"
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
            url, "orders", received.put_nowait, first_delay=0.05, max_delay=0.4
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
        assert "listener: connection lost; reconnecting" in caplog.text
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

        # A second outage: the delays start over from first_delay.
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
    assert "waiting 0.5 s, 1 s, 2 s, ... up to 30 s between attempts" in text
    assert "so a `SELECT 1` every 30 s finds out" in text


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
                return "listener: TimeoutError; reconnecting" in caplog.text

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
    # An option in the URL's query reaches asyncpg as SQLAlchemy would pass it.
    with_option = url.update_query_dict({"ssl": "disable"})
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
    assert await sessions() == 0
