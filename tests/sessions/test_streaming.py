"""Claims on docs/sessions/streaming.md beyond what its programs print: the route and the
streamed export under real uvicorn (in this event loop) with real socket disconnects, at
several moments, on a real PostgreSQL server; the memory measurement on both backends."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import nullcontext
from functools import partial
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import SAWarning
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import Message, Receive, Scope, Send

from snippets.app import DbSession
from snippets.database import create_engine, create_session_factory, get_db
from snippets.models import User
from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.streaming import (
    ClosingStreamingResponse,
    TimingMiddleware,
    add_long_emails,
    add_timing_header,
    backends,
    disconnect_after,
    export_app,
    loaded_lines,
    main,
    peak_memory,
    serving,
    settle,
    slow_app,
    stalled,
    stalled_client,
    user_lines,
)
from snippets.settings import Settings
from tests.docs_examples import ROOT
from tests.pages import shown_output
from tests.servers import free_port, wait_for
from tests.servers import serving as serving_process
from tests.sessions.parallel import while_a_worker_runs

ROWS = 20000


def checked_out(engine: AsyncEngine) -> int:
    return pool_numbers(engine)["checked_out"]


BUSY = "state <> 'idle'"


async def add_users(engine: AsyncEngine, rows: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(User),
            [{"email": f"user{n}@example.com", "name": "-"} for n in range(rows)],
        )


def with_middleware(app: FastAPI, kind: str) -> FastAPI:
    if kind == "base":
        add_timing_header(app)
    elif kind == "asgi":
        app.add_middleware(TimingMiddleware)
    return app


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("kind", ["none", "base", "asgi"])
async def test_a_disconnect_neither_cancels_the_route_nor_leaks(
    engine: AsyncEngine, kind: str
) -> None:
    sessions = create_session_factory(engine)
    app = with_middleware(slow_app(sessions, 0.3), kind)
    async with serving(app) as port:
        # One client waits for the answer (the header proves the middleware ran),
        # three leave while the query runs.
        async with httpx.AsyncClient() as client:
            answered = asyncio.create_task(client.get(f"http://127.0.0.1:{port}/slow"))
            await asyncio.gather(
                *(disconnect_after(port, "/slow", 0.1) for _ in range(3))
            )
            running = "state = 'active' AND query LIKE '%pg_sleep%'"
            assert await backends(engine, running) == 4  # the server was not told
            assert checked_out(engine) == 4
            response = await answered
        assert response.json() == {"done": True}
        assert ("x-seconds" in response.headers) == (kind != "none")
        await asyncio.sleep(0.1)
        assert app.state.outcomes == ["finished"] * 4
        assert checked_out(engine) == 0
        assert await backends(engine, BUSY) == 0


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_client_leaving_mid_stream_releases_the_connection(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO users (email, name) SELECT 'user' || n || '@example.com', "
                f"'-' FROM generate_series(1, {ROWS}) n"
            )
        )
    sessions = create_session_factory(engine)
    async with serving(export_app(sessions, yield_per=100)) as port:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/users.txt")
        assert len(response.text.splitlines()) == ROWS
        # Gone at once, after a little, and (three clients) while others stream.
        for pause in (0.0, 0.05, 0.2):
            clients = [disconnect_after(port, "/users.txt", pause) for _ in range(3)]
            received = await asyncio.gather(*clients)
            assert all(len(body) < ROWS * 20 for body in received)
            await asyncio.sleep(0.2)
            assert checked_out(engine) == 0
            assert await backends(engine, BUSY) == 0


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_stream_is_open_on_the_server_while_the_client_waits(
    engine: AsyncEngine,
) -> None:
    """The disconnect example's premise (the body is not all sent before the client
    leaves), and how the connection comes back without middleware: the cancellation
    interrupts a fetch, which SQLAlchemy treats as a disconnect (handle_error with
    is_disconnect), so the pool invalidates the connection instead of reusing it."""
    await add_long_emails(engine)
    sessions = create_session_factory(engine)
    pool_events = listen_for_pool_events(engine)
    async with serving(export_app(sessions, yield_per=100)) as port:
        async with stalled_client(port, "/users.txt"):
            await stalled(engine, 5.0)  # until the body waits for the client
            assert await backends(engine, BUSY) == 1
            assert checked_out(engine) == 1
            async with engine.connect() as connection:
                stream_pid = await connection.scalar(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE state <> 'idle' "
                        "AND datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            pool_events.clear()  # the checkins of these queries' connections
        await settle(engine, 0.5)
        assert checked_out(engine) == 0
        assert pool_events[:3] == [  # then settle()'s own connections
            "handle_error CancelledError is_disconnect=True",
            "invalidate",
            "checkin",
        ]
        assert await backends(engine, f"pid = {stream_pid}") == 0  # its session ended


def listen_for_pool_events(engine: AsyncEngine) -> list[str]:
    pool_events: list[str] = []
    for name in ("checkin", "invalidate", "reset"):
        event.listen(engine.sync_engine.pool, name, partial(note, pool_events, name))

    @event.listens_for(engine.sync_engine, "handle_error")
    def handle_error(context: ExceptionContext) -> None:
        error = type(context.original_exception).__name__
        pool_events.append(
            f"handle_error {error} is_disconnect={context.is_disconnect}"
        )

    return pool_events


@pytest.mark.parametrize("backend", ["postgres"])
async def test_base_http_middleware_leaks_a_connection_mid_stream(
    engine: AsyncEngine,
) -> None:
    """Under @app.middleware("http") the cancellation lands at BaseHTTPMiddleware's
    send, outside the generator, which nothing closes: its session stays open (idle in
    transaction) until the garbage collector finds it. The fixes: ClosingStreamingResponse
    (its close runs normally: reset, checkin, no handle_error, no invalidate), the
    request's session from Depends(get_db) (scope "request"), or a pure ASGI middleware."""
    await add_long_emails(engine)
    sessions = create_session_factory(engine)
    pool_events = listen_for_pool_events(engine)
    base = with_middleware(export_app(sessions, yield_per=100), "base")
    closing = export_app(sessions, 100, response_class=ClosingStreamingResponse)
    asgi = with_middleware(export_app(sessions, yield_per=100), "asgi")
    request_scoped = with_middleware(FastAPI(), "base")
    request_scoped.state.session_factory = sessions

    @request_scoped.get("/users.txt")
    async def users(
        db: Annotated[AsyncSession, Depends(get_db)],
    ) -> StreamingResponse:
        query = select(User.email).execution_options(yield_per=100)

        async def lines() -> AsyncIterator[str]:
            async for email in await db.stream_scalars(query):
                yield f"{email}\n"

        return StreamingResponse(lines())

    apps = {
        "base": base,
        "closing": with_middleware(closing, "base"),
        "asgi": asgi,
        "request": request_scoped,
    }
    left: dict[str, tuple[int, int]] = {}
    gc.disable()  # the base leak is a cycle: only the collect() below may end it
    try:
        for name, app in apps.items():
            async with serving(app) as port:
                async with stalled_client(port, "/users.txt"):
                    await stalled(engine, 5.0)  # until the body waits for the client
                    assert await backends(engine, BUSY) == 1
                    pool_events.clear()
                await settle(engine, 0.5)
                idle = await backends(engine, "state = 'idle in transaction'")
            left[name] = (checked_out(engine), idle)
            if name == "closing":  # then settle()'s own connections, checked in
                assert pool_events[:2] == ["reset", "checkin"]
                assert not [e for e in pool_events if e.startswith(("handle", "inv"))]
            with pytest.warns(SAWarning) if name == "base" else nullcontext():
                gc.collect()
    finally:
        gc.enable()
    assert left == {
        "base": (1, 1),
        "closing": (0, 0),
        "asgi": (0, 0),
        "request": (0, 0),
    }


def leaky_apps() -> FastAPI:
    """For a uvicorn process: the export under each middleware, one mount each."""
    sessions = create_session_factory(create_engine(Settings()))
    root = FastAPI()
    root.mount("/base", with_middleware(export_app(sessions, 100), "base"))
    closing = export_app(sessions, 100, response_class=ClosingStreamingResponse)
    root.mount("/closing", with_middleware(closing, "base"))
    root.mount("/asgi", with_middleware(export_app(sessions, 100), "asgi"))
    return root


@pytest.mark.parametrize("backend", ["postgres"])
async def test_base_http_middleware_leaks_in_a_uvicorn_process(
    engine: AsyncEngine,
) -> None:
    await add_long_emails(engine)
    port = free_port()
    app = "tests.sessions.test_streaming:leaky_apps"
    args = ("uvicorn", "--factory", app, "--port", str(port), "--log-level", "warning")
    with serving_process(*args) as process:
        await asyncio.to_thread(wait_for, process, f"http://127.0.0.1:{port}/docs")
        idle: dict[str, int] = {}
        for mount in ("asgi", "closing", "base"):
            async with stalled_client(port, f"/{mount}/users.txt"):
                await stalled(engine, 5.0)  # until the body waits for the client
                assert await backends(engine, BUSY) == 1
            await settle(engine, 0.5)  # the server's sessions, from this process
            idle[mount] = await backends(engine, "state = 'idle in transaction'")
        assert idle == {"asgi": 0, "closing": 0, "base": 1}


def note(events: list[str], name: str, *_: object) -> None:
    events.append(name)


async def test_the_request_session_is_closed_before_the_body(
    engine: AsyncEngine,
) -> None:
    """DbSession (scope="function") is closed; Depends(get_db), scope "request" by
    default in this FastAPI, stays open until the response is sent."""
    await add_users(engine, 3)
    errors: list[BaseException] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info and record.exc_info[1]:
                errors.append(record.exc_info[1])

    def streamed(session: AsyncSession) -> StreamingResponse:
        async def lines() -> AsyncIterator[str]:
            async for email in await session.stream_scalars(select(User.email)):
                yield f"{email}\n"

        return StreamingResponse(lines())

    app = FastAPI()
    app.state.session_factory = create_session_factory(engine)

    @app.get("/function")
    async def function_scope(db: DbSession) -> StreamingResponse:
        return streamed(db)

    @app.get("/request")
    async def request_scope(
        db: Annotated[AsyncSession, Depends(get_db)],
    ) -> StreamingResponse:
        return streamed(db)

    async with serving(app) as port, httpx.AsyncClient() as client:
        keep = Keep()
        logging.getLogger("uvicorn.error").addHandler(keep)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get(f"http://127.0.0.1:{port}/function")
        response = await client.get(f"http://127.0.0.1:{port}/request")
        # The status went out before the body failed: a 200, then a cut-off body.
        raw = await disconnect_after(port, "/function", 0.2)
        logging.getLogger("uvicorn.error").removeHandler(keep)
    assert raw.startswith(b"HTTP/1.1 200 OK\r\n")
    # h11 writes the header as Transfer-Encoding, httptools (uvicorn[standard]) in lower case.
    assert raw.lower().endswith(b"transfer-encoding: chunked\r\n\r\n")  # not one chunk
    assert [f"{type(e).__name__}: {e}" for e in errors] == [
        "InvalidRequestError: This Session has been permanently closed and is unable "
        "to handle any more transaction requests."
    ] * 2
    assert len(response.text.splitlines()) == 3


# Not under this run's coverage: with concurrency = greenlet, coverage keeps a tracer per
# greenlet, and SQLAlchemy starts one per fetch, so the streamed peak would grow with them.
UNMEASURED = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def test_streamed_memory_stays_flat(database_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "snippets.sessions.streaming"],
        env={**UNMEASURED, "EXAMPLES_DATABASE_URL": database_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == shown_output(
        "sessions/streaming.md", "streaming-memory"
    )


@pytest.mark.parametrize("backend", ["sqlite"])  # for its lines; the claim is above
async def test_the_measurement_reads_every_row(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() in this process (its lines measured): the rows counted, the lines printed."""
    async with sample_db(rows=False) as (sample_engine, sessions):
        await add_users(sample_engine, 300)
        assert await peak_memory(user_lines(sessions, 100)) > 0
        lines = [line async for line in loaded_lines(sessions)]
        assert len(lines) == 300
    await main()
    printed = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in printed] == ["streamed", "loaded at once"]


async def test_the_closing_response_takes_any_async_iterable() -> None:
    """A body that is not a generator has no aclose(): sent as is, nothing to close.
    A generator is closed, finished or not."""

    class Lines:
        def __aiter__(self) -> AsyncIterator[str]:
            return self

        async def __anext__(self) -> str:
            raise StopAsyncIteration

    async def generated() -> AsyncIterator[str]:
        yield "a generator, closed again once finished"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = Lines() if scope["path"] == "/lines" else generated()
        await ClosingStreamingResponse(body)(scope, receive, send)

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as client:
        lines = await client.get("http://test/lines")
        generator = await client.get("http://test/generator")
    assert (lines.status_code, lines.text) == (200, "")
    assert generator.text == "a generator, closed again once finished"


async def test_the_asgi_middleware_passes_other_scopes_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        pass

    await TimingMiddleware(app)({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]


async def test_uvicorn_announces_asgi_spec_2_3_for_http() -> None:
    """Below 2.4, StreamingResponse listens for the disconnect and cancels the body."""
    app = FastAPI()

    @app.get("/spec")
    async def spec(request: Request) -> str:
        return str(request.scope["asgi"]["spec_version"])

    async with serving(app) as port, httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/spec")
    assert response.json() == "2.3"


@pytest.mark.parametrize("backend", ["postgres"])
async def test_stalled_refuses_to_go_on_when_no_stream_waits(
    engine: AsyncEngine,
) -> None:
    """Measuring after a stall that never came would print a wrong count: it raises."""
    with pytest.raises(
        TimeoutError, match=r"no stream waited for its client in 0\.1 s"
    ):
        await stalled(engine, 0.1)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_backends_leaves_out_the_servers_own_workers(engine: AsyncEngine) -> None:
    """settle() and the busy counts would wait on, or count, a parallel or autovacuum
    worker without the client-backend filter."""
    active = await while_a_worker_runs(
        engine, lambda: backends(engine, "state = 'active'")
    )
    assert active == 1  # the query's own connection, not its worker
