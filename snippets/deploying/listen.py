"""LISTEN on a connection of its own, outside the pool, that reconnects after an outage,
and its place in a FastAPI lifespan (docs/deploying/logins.md)."""

# --8<-- [start:listener]
import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import URL

logger = logging.getLogger(__name__)
# What a lost or refused connection raises: socket errors, server errors, a closed
# connection; TimeoutError is an OSError.
LOST = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def listen_forever(
    url: URL,
    channel: str,
    on_message: Callable[[str], None],
    *,
    first_delay: float = 0.5,
    max_delay: float = 30.0,
    check_every: float = 30.0,
) -> None:
    """Pass each NOTIFY payload on `channel` to on_message, until cancelled."""
    # What SQLAlchemy would pass to asyncpg for this URL (ssl=... in its query too).
    _, params = url.get_dialect()().create_connect_args(url)
    delay = first_delay
    while True:
        try:
            connection = await asyncpg.connect(**params, timeout=10)
        except LOST as exc:
            logger.warning(
                "listener: %s; next attempt in %g s", type(exc).__name__, delay
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
            continue
        try:
            # asyncpg calls back with (connection, pid, channel, payload).
            await connection.add_listener(channel, lambda *args: on_message(args[3]))
            delay = first_delay  # listening again: the next outage starts short
            logger.info("listener: listening on %s", channel)
            await _until_lost(connection, check_every)
            logger.warning("listener: connection lost; reconnecting")
        except LOST as exc:
            logger.warning("listener: %s; reconnecting", type(exc).__name__)
        finally:
            connection.terminate()


async def _until_lost(connection: Any, check_every: float) -> None:
    lost = asyncio.Event()
    connection.add_termination_listener(lambda _: lost.set())
    while not lost.is_set():
        try:
            await asyncio.wait_for(lost.wait(), check_every)
        except TimeoutError:
            # A network path that drops packets ends no connection; a query notices.
            await connection.execute("SELECT 1", timeout=check_every)


# --8<-- [end:listener]


# --8<-- [start:lifespan]
from collections import deque  # noqa: E402
from collections.abc import AsyncIterator  # noqa: E402
from contextlib import asynccontextmanager, suppress  # noqa: E402

from fastapi import FastAPI  # noqa: E402

from snippets.settings import Settings  # noqa: E402


def create_listener_app(settings: Settings | None = None) -> FastAPI:
    database_url = (settings or Settings()).database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        received: deque[str] = deque(maxlen=100)
        app.state.received = received
        # Your own handler goes here: invalidate a cache, wake a worker.
        task = asyncio.create_task(
            listen_forever(database_url, "orders", received.append)
        )
        yield
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    app = FastAPI(lifespan=lifespan)

    @app.get("/received")
    async def received() -> list[str]:
        return list(app.state.received)

    return app


# --8<-- [end:lifespan]
