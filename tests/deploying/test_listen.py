"""snippets/deploying/listen.py, shown on docs/deploying/logins.md: a listener on a server
of the test's own, restarted under it, and the listener app under a real uvicorn."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import time
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import httpx
import pytest
from sqlalchemy import URL, make_url

from snippets.deploying.listen import listen_forever
from tests.pages import shown_output
from tests import postgres
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
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert "Traceback" not in caplog.text
    assert "\n".join(lines) == shown_output(PAGE, "listener-restart")
    # Backoff: each delay doubles up to max_delay, and a listener that got back in
    # starts again from first_delay.
    delays_seen = delays()
    assert delays_seen[:5] == [0.05, 0.1, 0.2, 0.4, 0.4]
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
