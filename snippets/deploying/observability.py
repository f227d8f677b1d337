"""Observability: slow statements in the log, pool metrics for Prometheus, a span per
statement. Shown on docs/deploying/observability.md; `uvicorn
snippets.deploying.observability:app` serves the example app."""

# --8<-- [start:slow_statements]
from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)

# An ORM insert of many rows is one statement of many thousand characters.
LONGEST_LOGGED = 1000


def log_slow_statements(engine: AsyncEngine, threshold: float) -> None:
    """Log each statement that runs `threshold` seconds or longer: its SQL and its
    duration, never its parameters (a password, a token, personal data)."""

    def started(conn: Connection, *_: Any) -> None:
        conn.info.setdefault("statement_started", []).append(time.perf_counter())

    def seconds(conn: Connection) -> float | None:
        starts: list[float] = conn.info.get("statement_started", [])
        return time.perf_counter() - starts.pop() if starts else None

    def shortened(statement: str) -> str:
        if len(statement) <= LONGEST_LOGGED:
            return statement
        return f"{statement[:LONGEST_LOGGED]}... ({len(statement)} characters)"

    def finished(conn: Connection, _cursor: Any, statement: str, *_: Any) -> None:
        duration = seconds(conn)
        if duration is not None and duration >= threshold:
            logger.warning(
                "slow statement (%.3f s): %s", duration, shortened(statement)
            )

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
                shortened(context.statement or ""),
            )

    event.listen(engine.sync_engine, "before_cursor_execute", started)
    event.listen(engine.sync_engine, "after_cursor_execute", finished)
    event.listen(engine.sync_engine, "handle_error", failed)


# --8<-- [end:slow_statements]


# --8<-- [start:metrics]
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Gauge, Histogram
from sqlalchemy.pool import AsyncAdaptedQueuePool, PoolProxiedConnection, QueuePool


class PoolMetrics:
    """Each pool's connections, and how long checkouts wait for one, labelled with the
    pool's name. Pool events keep the numbers, so that prometheus-client's multiprocess
    mode can add them up across worker processes."""

    def __init__(self, registry: CollectorRegistry) -> None:
        def gauge(name: str, documentation: str) -> Gauge:
            # livesum: with several workers, the sum over the processes still running.
            return Gauge(
                name,
                documentation,
                ["pool"],
                multiprocess_mode="livesum",
                registry=registry,
            )

        self.size = gauge("db_pool_size", "pool_size, added up over the processes")
        self.connections = gauge("db_pool_connections", "Connections open")
        self.checked_out = gauge("db_pool_checked_out", "Connections checked out")
        self.waiting = gauge("db_connection_waiting", "Checkouts under way now")
        self.wait = Histogram(
            "db_connection_wait_seconds",
            "Time a checkout took: the pool's queue, connecting, pre-ping",
            ["pool"],
            # Up to pool_timeout (30 s by default), where the wait becomes an error.
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=registry,
        )

    def pool_class(self, pool: str) -> type[AsyncAdaptedQueuePool]:
        """A class for create_async_engine(poolclass=...) that times its checkouts."""
        metrics = self

        class TimedPool(AsyncAdaptedQueuePool):
            def connect(self) -> PoolProxiedConnection:
                # Each checkout, when a statement needs a connection, is timed:
                # also the second one of a session that committed.
                with (
                    metrics.waiting.labels(pool).track_inprogress(),
                    metrics.wait.labels(pool).time(),  # failures too: pool_timeout
                ):
                    return super().connect()

        return TimedPool

    def count_connections(self, engine: AsyncEngine, pool: str) -> None:
        """Keep the gauges up to date from the engine's pool events."""
        sync_pool = engine.sync_engine.pool
        if isinstance(sync_pool, QueuePool):  # NullPool has no size
            self.size.labels(pool).set(sync_pool.size())
        for metric in (self.connections, self.checked_out, self.waiting, self.wait):
            metric.labels(pool)  # a series from the start, at 0

        def add(gauge: Gauge, step: int) -> Callable[..., None]:
            return lambda *_: gauge.labels(pool).inc(step)

        for name, gauge, step in (
            ("connect", self.connections, 1),
            ("close", self.connections, -1),  # closed by the pool, or invalidated
            ("detach", self.connections, -1),  # no longer the pool's
            ("checkout", self.checked_out, 1),
            ("checkin", self.checked_out, -1),
            ("detach", self.checked_out, -1),
        ):
            event.listen(sync_pool, name, add(gauge, step))


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
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, multiprocess
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from snippets.database import close_db, create_session_factory, get_db, init_db
from snippets.models import User
from snippets.settings import Settings

# scope="function", as the reference app: the connection goes back when the route
# returns, not after the response has been sent (docs/setup/fastapi.md).
Session = Annotated[AsyncSession, Depends(get_db, scope="function")]


def create_observed_engine(settings: Settings, metrics: PoolMetrics) -> AsyncEngine:
    # The guide's create_engine() for PostgreSQL, with a pool that times checkouts.
    engine = create_async_engine(
        settings.database_url,
        poolclass=metrics.pool_class("primary"),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=True,
        connect_args={"timeout": 10},
    )
    metrics.count_connections(engine, "primary")
    return engine


def create_app(tracer_provider: TracerProvider | None = None) -> FastAPI:
    registry = CollectorRegistry()  # this app's metrics only
    metrics = PoolMetrics(registry)
    # Set for several workers: each process writes its numbers to files there.
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_observed_engine(Settings(), metrics)
        log_slow_statements(engine, threshold=0.5)
        if tracer_provider is not None:
            trace_statements(engine, tracer_provider)
        try:
            await init_db(engine)
            app.state.session_factory = create_session_factory(engine)
            yield
        finally:
            if tracer_provider is not None:
                stop_tracing_statements()
            await close_db(engine)
            if shared:  # this process's gauges no longer count
                multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]

    app = FastAPI(lifespan=lifespan)

    # A route, not app.mount("/metrics", make_asgi_app()): the mount redirects /metrics.
    @app.get("/metrics", include_in_schema=False)
    async def serve_metrics() -> Response:
        scraped = registry
        if shared:  # every process's numbers, read from the files at each scrape
            scraped = CollectorRegistry()
            multiprocess.MultiProcessCollector(scraped)  # type: ignore[no-untyped-call]
        return Response(generate_latest(scraped), media_type=CONTENT_TYPE_LATEST)

    if tracer_provider is not None:
        # A scrape every few seconds would be a trace of its own.
        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=tracer_provider, excluded_urls="/metrics"
        )

    @app.get("/users/count")
    async def count_users(session: Session) -> int:
        return await session.scalar(select(func.count()).select_from(User)) or 0

    @app.get("/users/{user_id}/exists")
    async def user_exists(user_id: int, session: Session) -> bool:
        return await session.get(User, user_id) is not None

    return app


app = create_app()
# --8<-- [end:app]
# --8<-- [start:top_statements]
from collections.abc import Sequence

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncConnection

# Needs pg_stat_statements: shared_preload_libraries, a restart, CREATE EXTENSION.
# PostgreSQL 13+: 12 and older name the columns total_time and mean_time.
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


# --8<-- [start:preload]
async def preload_library(conn: AsyncConnection, library: str) -> str:
    """Add `library` to shared_preload_libraries, keeping the libraries already there;
    the server loads it at its next restart. Needs a superuser and AUTOCOMMIT (ALTER
    SYSTEM refuses to run in a transaction)."""
    current = str(await conn.scalar(text("SHOW shared_preload_libraries")))
    names = [name.strip() for name in current.split(",") if name.strip()]
    if library not in names:
        names.append(library)
    # SET takes a list of literals and no bound parameters.
    listed = ", ".join("'" + name.replace("'", "''") + "'" for name in names)
    await conn.execute(text(f"ALTER SYSTEM SET shared_preload_libraries = {listed}"))
    return ", ".join(names)


# --8<-- [end:preload]
