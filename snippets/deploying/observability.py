"""Observability: slow statements in the log, pool metrics for Prometheus, a span per
statement. Shown on docs/deploying/observability.md; `uvicorn
snippets.deploying.observability:app` serves the example app."""

# Each section imports what it adds: the page shows the imports next to their use.
# ruff: noqa: E402

# --8<-- [start:slow_statements]
from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)


def log_slow_statements(engine: AsyncEngine, threshold: float) -> None:
    """Log each statement that runs `threshold` seconds or longer: its SQL and its
    duration, never its parameters (a password, a token, personal data)."""

    def started(conn: Connection, *_: Any) -> None:
        conn.info.setdefault("statement_started", []).append(time.perf_counter())

    def seconds(conn: Connection) -> float | None:
        starts: list[float] = conn.info.get("statement_started", [])
        return time.perf_counter() - starts.pop() if starts else None

    def finished(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        duration = seconds(conn)
        if duration is not None and duration >= threshold:
            logger.warning("slow statement (%.3f s): %s", duration, statement)

    def failed(context: ExceptionContext) -> None:
        # A statement cancelled by statement_timeout is the slowest of all, and
        # after_cursor_execute never sees it.
        duration = seconds(context.connection) if context.connection else None
        if duration is not None and duration >= threshold:
            # The class, not the message: the driver's and the server's messages can
            # quote a parameter's value.
            error = context.original_exception
            logger.warning(
                "slow statement failed (%.3f s, %s): %s",
                duration,
                type(error.__cause__ or error).__name__,
                context.statement,
            )

    event.listen(engine.sync_engine, "before_cursor_execute", started)
    event.listen(engine.sync_engine, "after_cursor_execute", finished)
    event.listen(engine.sync_engine, "handle_error", failed)


# --8<-- [end:slow_statements]


# --8<-- [start:metrics]
from collections.abc import AsyncIterator, Iterator

from fastapi import Request
from prometheus_client import CollectorRegistry, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from snippets.pooling.observe import pool_numbers


class PoolCollector(Collector):
    """The pool's numbers, read when Prometheus scrapes, not sampled in between."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, value in pool_numbers(self.engine).items():
            yield GaugeMetricFamily(
                f"db_pool_{name}", f"Connections: {name} (QueuePool)", value=value
            )


class ConnectionWait:
    """How long requests wait to get a connection, and how many are waiting now."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.seconds = Histogram(
            "db_connection_wait_seconds",
            "Time to get a connection: the pool's queue, connect, pre-ping",
            # Up to pool_timeout (30 s by default), where the wait becomes an error.
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )
        self.waiting = Gauge(
            "db_connection_waiting",
            "Requests waiting for a connection now",
            registry=registry,
        )


async def get_timed_db(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    wait: ConnectionWait = request.app.state.connection_wait
    async with sessions() as session:
        started = time.perf_counter()
        try:
            # Check out now, not at the first query, so that the wait is measured here.
            with wait.waiting.track_inprogress():
                await session.connection()
        finally:
            wait.seconds.observe(time.perf_counter() - started)
        try:
            yield session
        except Exception:
            await session.rollback()
            raise


# --8<-- [end:metrics]


# --8<-- [start:tracing]
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import (
    SQLAlchemyInstrumentor,
)
from opentelemetry.trace import TracerProvider


def trace_statements(engine: AsyncEngine, tracer_provider: TracerProvider) -> None:
    """A span for every statement, the child of the span current when it runs."""
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine,  # the events are on the sync engine
        tracer_provider=tracer_provider,
        # 0.66b2 declares "sqlalchemy < 2.1" and, without this, instruments nothing.
        skip_dep_check=True,
    )


def stop_tracing_statements() -> None:
    # instrument() does nothing while a previous call is in force, in this process.
    SQLAlchemyInstrumentor().uninstrument()


# --8<-- [end:tracing]


# --8<-- [start:app]
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select

from snippets.database import (
    close_db,
    create_engine,
    create_session_factory,
    init_db,
)
from snippets.models import User
from snippets.settings import Settings

TimedSession = Annotated[AsyncSession, Depends(get_timed_db, scope="function")]


def create_app(tracer_provider: TracerProvider | None = None) -> FastAPI:
    registry = CollectorRegistry()  # this app's metrics only

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(Settings())
        log_slow_statements(engine, threshold=0.5)
        pool = PoolCollector(engine)
        registry.register(pool)
        if tracer_provider is not None:
            trace_statements(engine, tracer_provider)
        try:
            await init_db(engine)
            app.state.session_factory = create_session_factory(engine)
            yield
        finally:
            if tracer_provider is not None:
                stop_tracing_statements()
            registry.unregister(pool)
            await close_db(engine)

    app = FastAPI(lifespan=lifespan)
    app.state.connection_wait = ConnectionWait(registry)

    # A route, not app.mount("/metrics", make_asgi_app()): the mount redirects /metrics.
    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    if tracer_provider is not None:
        FastAPIInstrumentor.instrument_app(app, tracer_provider=tracer_provider)

    @app.get("/users/count")
    async def count_users(session: TimedSession) -> int:
        return await session.scalar(select(func.count()).select_from(User)) or 0

    return app


app = create_app()
# --8<-- [end:app]


# --8<-- [start:top_statements]
from collections.abc import Sequence

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

# Needs pg_stat_statements: shared_preload_libraries, a restart, CREATE EXTENSION.
TOP_STATEMENTS = text("""
    SELECT calls,
           round(total_exec_time::numeric, 1) AS total_ms,
           round(mean_exec_time::numeric, 2) AS mean_ms,
           query
    FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time DESC
    LIMIT :limit
""")


async def top_statements(conn: AsyncConnection, limit: int = 10) -> Sequence[Row[Any]]:
    """This database's statements that took the most time in all, slowest first."""
    return (await conn.execute(TOP_STATEMENTS, {"limit": limit})).all()


# --8<-- [end:top_statements]
