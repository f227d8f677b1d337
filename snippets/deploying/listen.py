"""LISTEN on a connection of its own, outside the pool, that reconnects after an outage,
and its place in a FastAPI lifespan (docs/deploying/logins.md)."""

# --8<-- [start:listener]
import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import URL
from sqlalchemy.exc import DBAPIError

from snippets.deploying.tokens import TokenCache, is_login_refused

logger = logging.getLogger(__name__)
# What a lost or refused connection raises: socket errors, server errors, a closed
# connection (TimeoutError and TokenUnavailable are OSErrors); DBAPIError from
# SQLAlchemy in on_listening.
LOST = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, DBAPIError)
# URL options SQLAlchemy's asyncpg dialect keeps for itself; asyncpg refuses them.
SQLALCHEMY_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func")

Handler = Callable[[str], Awaitable[None] | None]


@dataclass
class ListenerStatus:
    """Whether the listener is listening right now, and if not, why."""

    listening: bool = False
    reason: str = "not connected yet"


def asyncpg_arguments(url: URL) -> dict[str, Any]:
    """What SQLAlchemy would pass to asyncpg.connect() for this URL."""
    _, arguments = url.get_dialect()().create_connect_args(url)
    for name in SQLALCHEMY_ONLY:
        arguments.pop(name, None)
    return dict(arguments)


async def listen_forever(
    url: URL,
    channel: str,
    on_message: Handler,
    *,
    on_listening: Callable[[], Awaitable[None] | None] | None = None,
    tokens: TokenCache | None = None,
    status: ListenerStatus | None = None,
    first_delay: float = 0.5,
    max_delay: float = 30.0,
    check_every: float = 30.0,
) -> None:
    """Pass each NOTIFY payload on `channel` to on_message, until cancelled.
    on_listening runs after each LISTEN: read there what changed while away.
    tokens: for token logins, the engine's TokenCache (with_token_logins)."""
    arguments = asyncpg_arguments(url)
    if tokens is not None:
        arguments["password"] = tokens.password
    status = status or ListenerStatus()

    async def deliver(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        # asyncpg runs each in a task of its own, whose errors nobody would see.
        try:
            result = on_message(payload)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("listener: on_message failed for %r", payload)

    delay = first_delay

    def up_and_answering() -> None:
        # The connection has stayed up and answers: the next outage starts short.
        nonlocal delay
        delay = first_delay

    while True:
        try:
            connection = await asyncpg.connect(**arguments, timeout=10)
            try:
                await connection.add_listener(channel, deliver)
                status.listening = True
                logger.info("listener: listening on %s", channel)
                if on_listening is not None:
                    result = on_listening()
                    if inspect.isawaitable(result):
                        await result
                await _until_lost(connection, check_every, up_and_answering)
                reason = "connection lost"
            finally:
                status.listening = False
                connection.terminate()
        except LOST as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if tokens is not None and is_login_refused(exc):
                # As with_token_logins does: the next attempt asks for a new token.
                tokens.invalidate()
        status.reason = reason
        # After every failure, even one right after connecting (LISTEN refused on a
        # standby), so that a server in trouble is never hammered.
        logger.warning("listener: %s; next attempt in %g s", reason, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)


async def _until_lost(
    connection: Any, check_every: float, answered: Callable[[], None]
) -> None:
    lost = asyncio.Event()
    connection.add_termination_listener(lambda _: lost.set())
    while not lost.is_set():
        try:
            await asyncio.wait_for(lost.wait(), check_every)
        except TimeoutError:
            # A network path that drops packets closes no socket; a query notices.
            await connection.execute("SELECT 1", timeout=check_every)
            answered()


# --8<-- [end:listener]


# --8<-- [start:lifespan]
import os  # noqa: E402
from collections import deque  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402
from contextlib import asynccontextmanager  # noqa: E402

from fastapi import FastAPI, Response  # noqa: E402

from snippets.settings import Settings, to_async_url  # noqa: E402


def report_stopped(task: asyncio.Task[None]) -> None:
    # Anything but a lost connection ends the listener: say so at once, not at shutdown.
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("listener stopped: %s: %s", type(exc).__name__, exc, exc_info=exc)


def create_listener_app(
    settings: Settings | None = None,
    tokens: TokenCache | None = None,
    listen_url: str | None = None,
) -> FastAPI:
    """tokens: for token logins, the engine's TokenCache.
    listen_url: the server itself, when DATABASE_URL points at a pooler, which would
    take LISTEN and deliver nothing; LISTEN_DATABASE_URL if not given."""
    listen_url = listen_url or os.environ.get("LISTEN_DATABASE_URL")
    database_url = (
        to_async_url(listen_url, "LISTEN_DATABASE_URL")
        if listen_url
        else (settings or Settings()).database_url
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        received: deque[str] = deque(maxlen=100)
        app.state.received = received
        # Your own handler goes here: invalidate a cache, wake a worker.
        status = app.state.listener_status = ListenerStatus()
        task = asyncio.create_task(
            listen_forever(
                database_url,
                "orders",
                received.append,
                tokens=tokens,
                status=status,
            )
        )
        task.add_done_callback(report_stopped)
        app.state.listener = task
        yield
        task.cancel()
        await asyncio.wait([task])  # never raises: report_stopped has logged it

    app = FastAPI(lifespan=lifespan)

    @app.get("/received")
    async def received() -> list[str]:
        return list(app.state.received)

    @app.get("/ready")
    async def ready(response: Response) -> dict[str, str]:
        task: asyncio.Task[None] = app.state.listener
        status: ListenerStatus = app.state.listener_status
        if task.done():
            exc = None if task.cancelled() else task.exception()
            answer = f"stopped: {type(exc).__name__}: {exc}"
        elif not status.listening:
            # Retrying (a refused login, a standby, a restart): NOTIFYs are missed.
            answer = f"not listening: {status.reason}"
        else:
            return {"listener": "listening"}
        response.status_code = 503
        return {"listener": answer}

    return app


# --8<-- [end:lifespan]
