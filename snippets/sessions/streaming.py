"""A slow route, its middleware both ways, a streamed export, uvicorn in-process."""

# --8<-- [start:imports]
import asyncio
import socket
import time
import tracemalloc
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import anyio
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from snippets.app import DbSession
from snippets.models import User
from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db

# --8<-- [end:imports]


# --8<-- [start:slow_route]
def slow_app(sessions: async_sessionmaker[AsyncSession], seconds: float) -> FastAPI:
    """GET /slow runs one query for `seconds` through the get_db session."""
    app = FastAPI()
    app.state.session_factory = sessions  # what the lifespan sets in the real app
    app.state.outcomes = []

    @app.get("/slow")
    async def slow(db: DbSession) -> dict[str, bool]:
        await db.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
        app.state.outcomes.append("finished")  # not reached if the route is cancelled
        return {"done": True}

    return app


# --8<-- [end:slow_route]


# --8<-- [start:base_http_middleware]
def add_timing_header(app: FastAPI) -> None:
    @app.middleware("http")  # a BaseHTTPMiddleware
    async def timing(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Seconds"] = f"{time.perf_counter() - start:.3f}"
        return response


# --8<-- [end:base_http_middleware]


# --8<-- [start:asgi_middleware]
class TimingMiddleware:
    """The same header as a pure ASGI middleware; app.add_middleware() adds it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                seconds = f"{time.perf_counter() - start:.3f}".encode()
                message["headers"] = [*message["headers"], (b"x-seconds", seconds)]
            await send(message)

        await self.app(scope, receive, send_with_header)


# --8<-- [end:asgi_middleware]


# --8<-- [start:export]
def export_app(
    sessions: async_sessionmaker[AsyncSession],
    yield_per: int,
    response_class: type[StreamingResponse] = StreamingResponse,
) -> FastAPI:
    app = FastAPI()
    app.state.session_factory = sessions

    @app.get("/users.txt")
    async def export_users(request: Request) -> StreamingResponse:
        factory = request.app.state.session_factory
        return response_class(user_lines(factory, yield_per), media_type="text/plain")

    return app


async def user_lines(
    sessions: async_sessionmaker[AsyncSession], yield_per: int
) -> AsyncIterator[str]:
    # A session of its own, open as long as the body is being sent: the request's
    # session (get_db) is closed by the time the first line is asked for.
    async with sessions() as session:
        query = select(User.email).order_by(User.id)
        emails = await session.stream_scalars(
            query.execution_options(yield_per=yield_per)
        )
        async for email in emails:
            yield f"{email}\n"


# --8<-- [end:export]


# --8<-- [start:closing_response]
class ClosingStreamingResponse(StreamingResponse):
    """Closes its body generator however the response ends, cancelled included."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if isinstance(self.body_iterator, AsyncGenerator):
                with anyio.CancelScope(shield=True):  # runs even when cancelled
                    await self.body_iterator.aclose()


# --8<-- [end:closing_response]


# --8<-- [start:serving]
@asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[int]:
    """uvicorn serving `app` in this event loop on a free port, which it yields."""
    config = uvicorn.Config(app, port=0, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn sets a flag, not an event)
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


async def disconnect_after(port: int, path: str, seconds: float) -> bytes:
    """Send GET `path`, read for `seconds`, then close the socket; what arrived."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    received = b""
    try:
        async with asyncio.timeout(seconds):
            while chunk := await reader.read(1024):
                received += chunk
    except TimeoutError:
        pass
    writer.close()
    await writer.wait_closed()
    return received


# --8<-- [end:serving]


# --8<-- [start:stalled_client]
async def add_long_emails(engine: AsyncEngine, rows: int = 20_000) -> None:
    """`rows` users with emails of 312 characters: 20,000 make a body of about 6 MB."""
    insert_users = text(
        "INSERT INTO users (email, name) SELECT lpad(n::text, 300, 'x') || "
        "'@example.com', 'User ' || n FROM generate_series(1, :rows) n"
    )
    async with engine.begin() as connection:
        await connection.execute(insert_users, {"rows": rows})


@asynccontextmanager
async def stalled_client(port: int, path: str) -> AsyncIterator[None]:
    """Send GET `path`, read the first kilobyte, then stop reading until the block
    ends, when the socket is closed. This side buffers little: a 4 KiB SO_RCVBUF (which
    turns off Linux's receive-buffer autotuning) and a 1 KiB reader limit."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=1024)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    await reader.read(1024)
    try:
        yield
    finally:
        writer.close()
        await writer.wait_closed()


# --8<-- [end:stalled_client]


# --8<-- [start:backends]
async def backends(engine: AsyncEngine, condition: str) -> int:
    """Client connections to the engine's database, other than this query's, that match
    `condition` (an SQL expression on pg_stat_activity)."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        # Client connections only: autovacuum and parallel workers are listed here too.
        "AND backend_type = 'client backend' "
        f"AND pid <> pg_backend_pid() AND {condition}"
    )
    async with engine.connect() as connection:
        return int(await connection.scalar(text(query)) or 0)


async def settle(engine: AsyncEngine, seconds: float) -> None:
    """Wait, `seconds` at most, until no connection is checked out and no server session
    is busy: what a disconnect releases is counted once released, however loaded the
    machine."""
    with suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                busy = await backends(engine, "state <> 'idle'")
                if not busy and not pool_numbers(engine)["checked_out"]:
                    return
                await asyncio.sleep(0.02)


async def stalled(engine: AsyncEngine, seconds: float) -> None:
    """Wait, `seconds` at most (else TimeoutError), until a server session has been idle
    in transaction for 0.1 s: the stream waits for its client, not for the database."""
    condition = (
        "state = 'idle in transaction' "
        "AND clock_timestamp() - state_change > interval '0.1 s'"
    )
    try:
        async with asyncio.timeout(seconds):
            while True:
                if await backends(engine, condition):
                    return
                await asyncio.sleep(0.02)
    except TimeoutError:  # what follows would measure a stream that never stalled
        raise TimeoutError(f"no stream waited for its client in {seconds} s") from None


# --8<-- [end:backends]


# --8<-- [start:peak_memory]
async def peak_memory(lines: AsyncIterator[str]) -> int:
    """The peak of Python memory allocated while `lines` is consumed, in bytes."""
    tracemalloc.start()
    try:
        async for _ in lines:
            pass  # what StreamingResponse does with a line: send it, keep nothing
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def loaded_lines(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[str]:
    """The same lines, from a result loaded whole first."""
    async with sessions() as session:
        emails = await session.scalars(select(User.email).order_by(User.id))
        for email in emails:
            yield f"{email}\n"


async def main() -> None:
    async with sample_db(rows=False) as (_, sessions):
        peaks: dict[str, list[int]] = {"streamed": [], "loaded at once": []}
        # The first 100 rows warm the caches that a first query fills.
        for first, last in [(0, 100), (100, 2000), (2000, 8000)]:
            users = [
                {"email": f"{n}@example.com", "name": "-"} for n in range(first, last)
            ]
            async with sessions.begin() as session:
                await session.execute(insert(User), users)
            peaks["streamed"].append(await peak_memory(user_lines(sessions, 100)))
            peaks["loaded at once"].append(await peak_memory(loaded_lines(sessions)))
        for way, (_, rows_2000, rows_8000) in peaks.items():
            # The ratio varies from run to run: only its side of 1.5 is printed.
            grows = rows_8000 / rows_2000 > 1.5
            print(f"{way}, 4x the rows: peak memory grows {grows}")


if __name__ == "__main__":
    asyncio.run(main())
# --8<-- [end:peak_memory]
