"""docs/deploying/observability.md: slow statements in the log without their parameters,
pool metrics on a real uvicorn process, a span per statement under the request's span, and
pg_stat_statements on Debian's PostgreSQL 15."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.semconv.attributes.db_attributes import DB_QUERY_TEXT, DB_SYSTEM_NAME
from opentelemetry.semconv.trace import SpanAttributes
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry, Gauge, generate_latest, make_asgi_app
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import URL, Engine, Row, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from snippets.database import (
    close_db,
    create_engine,
    create_session_factory,
    driver_error,
    init_db,
)
from snippets.deploying.observability import (
    LONGEST_LOGGED,
    TOP_STATEMENTS,
    PoolMetrics,
    create_app,
    log_slow_statements,
    preload_library,
    stop_tracing_statements,
    top_statements,
    trace_statements,
)
from snippets.models import User
from snippets.settings import Settings
from tests import pgbouncer, postgres, versions
from tests.docs_examples import ROOT
from tests.pages import shown_output
from tests.servers import free_port, serving, wait_for

PAGE = "deploying/observability.md"


def shown_for_version(name: str, name_on_2_0: str) -> str:
    """The page's output `name`, or its SQLAlchemy 2.0 tab on 2.0 (it words errors and
    labels columns differently)."""
    return shown_output(PAGE, name if versions.has("sqlalchemy>=2.1") else name_on_2_0)


SECRET = "s3cret-token"


@pytest.fixture
def backend() -> str:
    """PostgreSQL only: pg_sleep, locks, statement_timeout, pg_stat_activity."""
    return "postgres"


# --- slow statements ---------------------------------------------------------------------

DURATION = re.compile(r"\((\d+\.\d{3}) s")


def masked(output: str) -> str:
    """The log with its durations, which differ from run to run, replaced."""
    return DURATION.sub("(<seconds> s", output)


def run_program(name: str, database_url: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", f"snippets.deploying.examples.observability.{name}"],
        env={**os.environ, "EXAMPLES_DATABASE_URL": database_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_the_slow_statement_log_is_the_pages_and_holds_no_parameter(
    database_url: str,
) -> None:
    output = run_program("slow_statements", database_url)
    assert SECRET not in output  # nor in the error the program logs
    log = output.rstrip("\n")
    shown = shown_for_version("slow-statements", "slow-statements-sqlalchemy20")
    assert masked(log) == masked(shown), log
    slow, cancelled = (float(seconds) for seconds in DURATION.findall(log))
    assert slow >= 0.3  # pg_sleep(0.3)
    assert 0.25 <= cancelled < 1  # statement_timeout = '250ms' ended pg_sleep(1)


async def failing_statement_error(url: str, *, hide_parameters: bool) -> str:
    engine = create_async_engine(
        url, poolclass=NullPool, hide_parameters=hide_parameters
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT length(:token) / 0"), {"token": SECRET})
    except DBAPIError as exc:
        return str(exc)
    finally:
        await engine.dispose()
    raise AssertionError("the statement did not fail")


async def test_without_hide_parameters_the_error_message_holds_the_values(
    database_url: str,
) -> None:
    shown = await failing_statement_error(database_url, hide_parameters=False)
    hidden = await failing_statement_error(database_url, hide_parameters=True)
    assert f"[parameters: ('{SECRET}',)]" in shown
    assert SECRET not in hidden
    assert "[SQL parameters hidden due to hide_parameters=True]" in hidden


async def test_the_log_keeps_the_error_class_the_servers_message_quotes_the_value(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool, hide_parameters=True)
    log_slow_statements(engine, threshold=0.2)
    # The cast needs pg_sleep's (empty) result, so it fails after 0.3 s: a slow failure.
    statement = "SELECT CAST(CAST(:token AS text) || pg_sleep(0.3)::text AS integer)"
    with pytest.raises(DBAPIError) as raised:
        async with engine.connect() as conn:
            await conn.execute(text(statement), {"token": SECRET})
    await engine.dispose()
    # hide_parameters leaves out SQLAlchemy's [parameters: ...], not the server's words.
    assert f'invalid input syntax for type integer: "{SECRET}"' in str(raised.value)
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert SECRET not in record.getMessage()
    message = DURATION.sub("(<seconds> s", record.getMessage())
    assert message == (
        "slow statement failed (<seconds> s, InvalidTextRepresentationError): "
        + statement.replace(":token", "$1")
    )
    assert float(DURATION.findall(record.getMessage())[0]) >= 0.3


@pytest.mark.parametrize("hide_parameters", [False, True])
async def test_hide_parameters_keeps_the_values_out_of_the_echo_log(
    database_url: str, caplog: pytest.LogCaptureFixture, hide_parameters: bool
) -> None:
    engine = create_async_engine(
        database_url, poolclass=NullPool, echo=True, hide_parameters=hide_parameters
    )
    async with engine.connect() as conn:
        await conn.execute(text("SELECT length(:token)"), {"token": SECRET})
    await engine.dispose()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SELECT length($1)" in logged
    assert (SECRET in logged) is not hide_parameters


async def test_the_drivers_own_message_quotes_a_value_despite_hide_parameters(
    database_url: str,
) -> None:
    """asyncpg checks a value against the parameter's type before sending it."""
    engine = create_async_engine(database_url, poolclass=NullPool, hide_parameters=True)
    with pytest.raises(DBAPIError) as raised:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT :n + 1"), {"n": SECRET})
    await engine.dispose()
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
    message = (
        f"{type(driver_error(raised.value)).__name__}: {driver_error(raised.value)}"
    )
    assert message == shown_output(PAGE, "driver-quotes-value")


async def test_a_blocked_event_loop_counts_in_a_statements_duration(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    log_slow_statements(engine, threshold=0.2)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))  # connected: only the next one is timed

        async def block_the_loop() -> None:
            await asyncio.sleep(0)  # lets the statement start first
            time.sleep(0.3)  # noqa: ASYNC251 -- the blocking code under test

        blocker = asyncio.create_task(block_the_loop())
        await conn.execute(text("SELECT 2"))
        await blocker
    await engine.dispose()
    [record] = caplog.records
    assert record.getMessage().endswith("s): SELECT 2")
    assert float(DURATION.findall(record.getMessage())[0]) >= 0.3


async def test_a_streamed_results_rows_are_not_in_the_duration(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    log_slow_statements(engine, threshold=0.2)
    async with engine.connect() as conn:
        started = time.monotonic()
        result = await conn.stream(
            text("SELECT pg_sleep(0.15) FROM generate_series(1, 3)")
        )
        assert len([row async for row in result]) == 3
        took = time.monotonic() - started
    await engine.dispose()
    assert took >= 0.45
    assert not caplog.records  # the server ran it while the rows were fetched


async def test_a_long_statement_is_logged_shortened(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    log_slow_statements(engine, threshold=0.2)
    ids = ", ".join(str(n) for n in range(1000))
    statement = f"SELECT pg_sleep(0.25) WHERE 1 IN ({ids})"
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()
    [record] = caplog.records
    logged = record.getMessage().split("s): ", 1)[1]
    assert logged == f"{statement[:LONGEST_LOGGED]}... ({len(statement)} characters)"


# --- pool metrics on a uvicorn process ---------------------------------------------------

PRIMARY = '{pool="primary"}'
POOL_GAUGES = ("size", "connections", "checked_out")
GAUGE_LINES = ("db_pool_", "db_connection_waiting{")


def scrape(body: str) -> dict[str, float]:
    """Every sample of a /metrics answer: `name{labels}` -> value."""
    samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = (
                sample.value
            )
    return samples


def gauges(samples: dict[str, float], pool: str = PRIMARY) -> list[float]:
    return [samples[f"db_pool_{name}{pool}"] for name in POOL_GAUGES]


async def metrics_when(
    client: httpx.AsyncClient, condition: Callable[[dict[str, float]], bool]
) -> tuple[dict[str, float], str]:
    """The first /metrics answer that meets `condition`: its samples and its text."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = (await client.get("/metrics")).text
        if condition(samples := scrape(body)):
            return samples, body
        await asyncio.sleep(0.02)
    raise AssertionError(f"/metrics never showed it: {body}")


async def eventually(read: Callable[[], Awaitable[int]], expected: int) -> None:
    deadline = time.monotonic() + 30
    while (value := await read()) != expected:
        assert time.monotonic() < deadline, f"{value}, not {expected}"
        await asyncio.sleep(0.02)


async def app_backends(monitor: AsyncConnection, locker: int, *, lock: bool) -> int:
    """The app's connections to the database, as the server counts them: all but the
    test's own two. (`monitor` is in AUTOCOMMIT: in a transaction, pg_stat_activity is a
    snapshot taken at its first read.)"""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid NOT IN (pg_backend_pid(), :locker)"
    )
    if lock:
        query += " AND wait_event_type = 'Lock'"
    return int(await monitor.scalar(text(query), {"locker": locker}) or 0)


async def test_the_pool_gauges_and_the_wait_histogram_on_uvicorn(
    database_url: str,
) -> None:
    setup = create_async_engine(database_url, poolclass=NullPool)
    await init_db(setup, create_tables=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": database_url,
        "DB_POOL_SIZE": "1",
        "DB_MAX_OVERFLOW": "1",
    }
    command = ("uvicorn", "snippets.deploying.observability:app", "--port", str(port))
    with serving(*command, env=env) as server:
        assert wait_for(server, f"{base}/metrics").status_code == 200
        async with (
            httpx.AsyncClient(base_url=base, timeout=60) as client,
            setup.execution_options(isolation_level="AUTOCOMMIT").connect() as monitor,
            setup.connect() as locker,
        ):
            idle, _ = await metrics_when(client, lambda s: True)
            # The lifespan's check opened one connection and gave it back.
            assert gauges(idle) == [1, 1, 0]
            locker_pid = int(await locker.scalar(text("SELECT pg_backend_pid()")) or 0)
            # Every request blocks on the lock while it holds its connection.
            await locker.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            held = [asyncio.create_task(client.get("/users/count")) for _ in range(2)]
            busy, _ = await metrics_when(
                client, lambda s: s[f"db_pool_checked_out{PRIMARY}"] == 2
            )
            # size 1, two connections open (one beyond pool_size), both checked out.
            assert gauges(busy) == [1, 2, 2]
            # Both requests' statements wait for the lock: the server says so.
            await eventually(lambda: app_backends(monitor, locker_pid, lock=True), 2)
            waiting = asyncio.create_task(client.get("/users/count"))
            _, body = await metrics_when(
                client, lambda s: s[f"db_connection_waiting{PRIMARY}"] == 1
            )
            waited_at_least = time.monotonic()
            await asyncio.sleep(0.6)
            waited_at_least = time.monotonic() - waited_at_least
            await locker.commit()  # releases the lock: the requests go on
            answers = await asyncio.gather(*held, waiting)
            took = time.monotonic() - started
            assert [(a.status_code, a.json()) for a in answers] == [(200, 0)] * 3
            # The session is closed, and its connection returned, after the answer.
            after, _ = await metrics_when(
                client, lambda s: s[f"db_pool_checked_out{PRIMARY}"] == 0
            )
            assert after[f"db_connection_waiting{PRIMARY}"] == 0
            # The overflow connection was closed on return; the pool keeps pool_size.
            assert gauges(after) == [1, 1, 0]
            # The server agrees (the closed one's backend may take a moment to exit).
            await eventually(lambda: app_backends(monitor, locker_pid, lock=False), 1)
        server.terminate()
        log, _ = server.communicate(timeout=30)
    await setup.dispose()
    shown = [line for line in body.splitlines() if line.startswith(GAUGE_LINES)]
    assert "\n".join(shown) == shown_output(PAGE, "pool-metrics")
    # One wait per checkout: the lifespan's check and the three requests'; the third
    # waited from before the pause until after it.
    assert after[f"db_connection_wait_seconds_count{PRIMARY}"] == 4
    assert after['db_connection_wait_seconds_bucket{le="0.5",pool="primary"}'] <= 3
    assert waited_at_least <= after[f"db_connection_wait_seconds_sum{PRIMARY}"]
    assert after[f"db_connection_wait_seconds_sum{PRIMARY}"] <= 3 * took
    # The two statements that waited for the lock were slow; the third was not.
    slow = re.findall(r"slow statement \((\d+\.\d+) s\): SELECT count", log)
    assert len(slow) == 2, log
    assert all(float(seconds) >= waited_at_least for seconds in slow)


def scrapes(base: str, count: int, deadline: float) -> list[dict[str, float]]:
    """`count` scrapes, each on a new connection, as Prometheus makes them; a server
    whose workers are still starting gets until `deadline`."""
    answers: list[dict[str, float]] = []
    while len(answers) < count:
        try:
            answers.append(scrape(httpx.get(f"{base}/metrics", timeout=30).text))
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{base} does not answer"
            time.sleep(0.1)
    return answers


def test_several_workers_add_up_in_multiprocess_mode(
    database_url: str, tmp_path: Path
) -> None:
    setup = create_async_engine(database_url, poolclass=NullPool)
    asyncio.run(init_db(setup, create_tables=True))
    asyncio.run(setup.dispose())
    shared = tmp_path / "metrics"
    shared.mkdir()  # empty at each start: the files are the counts
    env = {"DATABASE_URL": database_url, "DB_POOL_SIZE": "2"}
    ports = free_port(), free_port()
    plain, added = (f"http://127.0.0.1:{port}" for port in ports)
    app = "snippets.deploying.observability:app"
    count = f"db_connection_wait_seconds_count{PRIMARY}"
    # The same app twice, side by side: without and with PROMETHEUS_MULTIPROC_DIR.
    with (
        serving(
            *("uvicorn", app, "--port", str(ports[0]), "--workers", "2"), env=env
        ) as plain_server,
        serving(
            *("uvicorn", app, "--port", str(ports[1]), "--workers", "2"),
            env={**env, "PROMETHEUS_MULTIPROC_DIR": str(shared)},
        ) as server,
    ):
        deadline = time.monotonic() + 60
        wait_for(plain_server, f"{plain}/metrics", seconds=60)
        # Both workers have started once their pools' sizes add up.
        while scrapes(added, 1, deadline)[0].get(f"db_pool_size{PRIMARY}") != 4:
            time.sleep(0.1)
        for base in (plain, added):
            for _ in range(7):
                assert httpx.get(f"{base}/users/count", timeout=30).json() == 0
        # Without: each scrape reads the count of the worker that answers it.
        seen: set[float] = set()
        while len(seen) < 2 and time.monotonic() < deadline:
            seen |= {scrapes(plain, 1, deadline)[0][count]}
        samples = scrapes(added, 20, deadline)
        server.terminate()
        server.communicate(timeout=30)
    assert len(seen) == 2
    assert sum(seen) == 9  # 7 requests and each worker's startup check
    # Added up: every scrape, whichever worker answers it, reads the same numbers.
    assert all(sample == samples[0] for sample in samples)
    shown = "\n".join(
        f"{name}{PRIMARY} {samples[0][f'{name}{PRIMARY}']}"
        for name in (
            "db_pool_size",
            "db_pool_connections",
            "db_pool_checked_out",
            "db_connection_waiting",
            "db_connection_wait_seconds_count",
        )
    )
    assert shown == shown_output(PAGE, "several-workers")
    # The workers' shutdown took their gauges out; the histogram's counts stay.
    files = {path.name.split("_")[0] for path in shared.iterdir()}
    assert files == {"histogram"}


def observed_engine(
    url: str | URL, metrics: PoolMetrics, pool: str, **settings: Any
) -> AsyncEngine:
    engine = create_async_engine(
        url, poolclass=metrics.pool_class(pool), pool_pre_ping=True, **settings
    )
    metrics.count_connections(engine, pool)
    return engine


def read(registry: CollectorRegistry, pool: str = PRIMARY) -> list[float]:
    return gauges(scrape(generate_latest(registry).decode()), pool)


async def test_the_gauges_follow_the_pool_and_the_server(
    database_url: str, engine: AsyncEngine
) -> None:
    """Overflow, an invalidated connection, a detached one, dispose: the gauges count
    what the server counts, and checked_out is the pool's own number."""
    registry = CollectorRegistry()
    metrics = PoolMetrics(registry)
    name = {"server_settings": {"application_name": "observed"}}
    observed = observed_engine(
        database_url, metrics, "primary", pool_size=1, max_overflow=1, connect_args=name
    )
    monitor_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    async with monitor_engine.connect() as monitor:

        async def on_server() -> int:
            query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'observed'"
            return int(await monitor.scalar(text(query)) or 0)

        async def agree(size: int, connections: int, checked_out: int) -> None:
            assert read(registry) == [size, connections, checked_out]
            assert observed.sync_engine.pool.checkedout() == checked_out  # type: ignore[attr-defined]
            await eventually(on_server, connections)

        async with observed.connect() as one, observed.connect() as two:
            await one.execute(text("SELECT 1"))
            await two.execute(text("SELECT 1"))
            await agree(1, 2, 2)
        await agree(1, 1, 0)  # the overflow connection is closed on return
        async with observed.connect() as conn:
            await conn.invalidate()  # closes it and gives the record back
            await agree(1, 0, 0)
        async with observed.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await agree(1, 1, 1)
            raw = await conn.get_raw_connection()
            raw.detach()  # the connection leaves the pool, still open
            assert read(registry) == [1, 0, 0]
        await eventually(on_server, 0)  # closed when its connection was
        async with observed.connect() as conn:
            await conn.execute(text("SELECT 1"))
        await agree(1, 1, 0)
        await observed.dispose()
        await agree(1, 0, 0)


async def test_two_engines_are_two_label_values_of_one_family(
    database_url: str,
) -> None:
    registry = CollectorRegistry()
    metrics = PoolMetrics(registry)
    primary = observed_engine(database_url, metrics, "primary", pool_size=2)
    replica = observed_engine(database_url, metrics, "replica", pool_size=3)
    async with primary.connect() as conn:
        await conn.execute(text("SELECT 1"))
        assert read(registry, PRIMARY) == [2, 1, 1]
        assert read(registry, '{pool="replica"}') == [3, 0, 0]
    body = generate_latest(registry).decode()
    # One HELP and TYPE per family, whatever the number of engines.
    assert body.count("# TYPE db_pool_connections gauge") == 1
    assert scrape(body)['db_connection_wait_seconds_count{pool="replica"}'] == 0
    await primary.dispose()
    await replica.dispose()


async def test_a_request_checks_out_only_when_it_runs_a_statement(
    engine: AsyncEngine, database_url: str
) -> None:
    app = create_app()
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        count = f"db_connection_wait_seconds_count{PRIMARY}"
        before, _ = await metrics_when(client, lambda s: True)
        assert before[count] == 1  # the lifespan's check
        # FastAPI refuses the path parameter before the route runs: no checkout.
        assert (await client.get("/users/abc/exists")).status_code == 422
        refused, _ = await metrics_when(client, lambda s: True)
        assert refused[count] == 1
        assert (await client.get("/users/1/exists")).json() is False
        answered, _ = await metrics_when(client, lambda s: True)
        assert answered[count] == 2
    # A session that commits gives its connection back; its next statement checks
    # out again, and that wait is measured too.
    registry = CollectorRegistry()
    observed = observed_engine(database_url, PoolMetrics(registry), "primary")
    async with create_session_factory(observed)() as session:
        await session.execute(text("SELECT 1"))
        await session.commit()
        await session.execute(text("SELECT 1"))
    await observed.dispose()
    assert scrape(generate_latest(registry).decode())[count] == 2


async def test_a_mounted_metrics_app_answers_metrics_with_a_redirect() -> None:
    app = FastAPI()
    app.mount("/metrics", make_asgi_app(CollectorRegistry()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        answer = await client.get("/metrics")
        assert answer.status_code == 307
        assert answer.headers["location"] == "http://app/metrics/"
        assert (await client.get("/metrics/")).status_code == 200


# --- tracing -----------------------------------------------------------------------------


@contextmanager
def statements_sent() -> Iterator[list[str]]:
    """Every statement any engine sends while the block runs, counted independently of
    OpenTelemetry."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def traced() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def span_tree(spans: Sequence[ReadableSpan], database: str) -> str:
    """Spans as the page shows them: children under their parent, in start order, with
    the statement spans' attributes; the test's database is called `app`."""
    children: dict[int | None, list[ReadableSpan]] = defaultdict(list)
    for span in sorted(spans, key=lambda span: span.start_time or 0):
        children[span.parent.span_id if span.parent else None].append(span)
    lines = []

    def show(span: ReadableSpan, prefix: str) -> None:
        lines.append(f"{prefix}{span.name} ({span.kind.name})")
        if span.attributes and SpanAttributes.DB_STATEMENT in span.attributes:
            for key, value in sorted(span.attributes.items()):
                lines.append(f"{' ' * len(prefix)}    {key}: {value!r}")
        assert span.context is not None
        for child in children[span.context.span_id]:
            show(child, "└─ ")

    for root in children[None]:
        show(root, "")
    return "\n".join(lines).replace(database, "app")


async def test_each_statement_is_a_span_under_its_requests_span(
    engine: AsyncEngine, settings: Settings
) -> None:
    database = settings.database_url.database
    assert database
    provider, exporter = traced()
    app = create_app(tracer_provider=provider)
    for run in range(2):  # the app started again traces as it did the first time
        exporter.clear()
        with statements_sent() as sent:
            async with LifespanManager(app) as manager:
                transport = httpx.ASGITransport(app=manager.app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://app"
                ) as client:
                    answer = await client.get("/users/count")
        assert answer.json() == 0
        spans = exporter.get_finished_spans()
        statements = [
            span
            for span in spans
            if span.attributes and SpanAttributes.DB_STATEMENT in span.attributes
        ]
        # One span per statement the engine sent, with that statement's text.
        attributes = [dict(span.attributes or {}) for span in statements]
        assert [a[SpanAttributes.DB_STATEMENT] for a in attributes] == sent
        for attribute in attributes:
            assert attribute[SpanAttributes.DB_SYSTEM] == "postgresql"
            assert attribute[SpanAttributes.DB_NAME] == database
        # The startup check runs outside any request: a trace of its own.
        startup, counting = statements
        assert startup.parent is None
        # The greenlet that runs the request's statement carries the request's context.
        [request] = [span for span in spans if span.kind == SpanKind.SERVER]
        assert request.context is not None
        assert counting.context is not None
        assert counting.parent is not None
        assert counting.parent.span_id == request.context.span_id
        assert counting.context.trace_id == request.context.trace_id
        if run == 0:
            request_spans = [
                span
                for span in spans
                if span.context and span.context.trace_id == request.context.trace_id
            ]
            # The page indents as the tree does; shown_output() strips the indentation.
            tree = [
                line.strip() for line in span_tree(request_spans, database).split("\n")
            ]
            assert tree == shown_output(PAGE, "request-spans").split("\n")


async def test_a_second_instrument_call_traces_nothing_until_uninstrument(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engines = [create_async_engine(database_url, poolclass=NullPool) for _ in range(2)]
    (first, _), (second, second_spans) = traced(), traced()
    try:
        trace_statements(engines[0], first)
        trace_statements(engines[1], second)  # still instrumented: does nothing
        async with engines[1].connect() as conn:
            await conn.execute(text("SELECT 1"))
        assert "Attempting to instrument while already instrumented" in caplog.text
        assert not [s for s in second_spans.get_finished_spans() if s.name != "connect"]
        stop_tracing_statements()
        trace_statements(engines[1], second)
        async with engines[1].connect() as conn:
            await conn.execute(text("SELECT 1"))
        assert [
            span.attributes[SpanAttributes.DB_STATEMENT]
            for span in second_spans.get_finished_spans()
            if span.attributes and SpanAttributes.DB_STATEMENT in span.attributes
        ] == ["SELECT 1"]
    finally:
        stop_tracing_statements()
        for engine in engines:
            await engine.dispose()


async def test_a_scrape_makes_no_span(engine: AsyncEngine) -> None:
    provider, exporter = traced()
    app = create_app(tracer_provider=provider)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        exporter.clear()
        assert (await client.get("/metrics")).status_code == 200
        assert exporter.get_finished_spans() == ()
        await client.get("/users/count")
        assert exporter.get_finished_spans() != ()


@pytest.mark.parametrize(
    ("commenter", "extra_prepared"),
    [
        ({}, 0),
        # Five texts of SELECT 2, and this count query's second text.
        ({"enable_commenter": True}, 5),
        (
            {
                "enable_commenter": True,
                "commenter_options": {"opentelemetry_values": False},
            },
            0,
        ),
    ],
)
async def test_the_commenter_makes_each_traced_statement_new_to_the_driver(
    database_url: str, commenter: dict[str, Any], extra_prepared: int
) -> None:
    """Five requests' SELECT on one connection: asyncpg prepares each new text. The
    comment names the statement's own span, so every traced statement is new."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    provider, _ = traced()
    tracer = provider.get_tracer("test")
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine,
        tracer_provider=provider,
        skip_dep_check=True,
        **commenter,
    )
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # the dialect's first queries
            before = await conn.scalar(
                text("SELECT count(*) FROM pg_prepared_statements")
            )
            for _ in range(5):
                with tracer.start_as_current_span("request"):
                    await conn.execute(text("SELECT 2"))
            after = await conn.scalar(
                text("SELECT count(*) FROM pg_prepared_statements")
            )
    finally:
        SQLAlchemyInstrumentor().uninstrument()
        await engine.dispose()
    # One new prepared statement for SELECT 2, one more for each further text.
    assert (after or 0) - (before or 0) == 1 + extra_prepared


async def test_instrument_also_traces_engines_created_after_it(
    database_url: str,
) -> None:
    """instrument() replaces create_async_engine in its module; this test module's own
    name for it, imported before, is the original."""
    import sqlalchemy.ext.asyncio

    provider, exporter = traced()
    first = create_async_engine(database_url, poolclass=NullPool)
    trace_statements(first, provider)
    try:
        later = sqlalchemy.ext.asyncio.create_async_engine(
            database_url, poolclass=NullPool
        )
        by_old_name = create_async_engine(database_url, poolclass=NullPool)
        for engine, statement in (
            (later, "SELECT 'later'"),
            (by_old_name, "SELECT 'old'"),
        ):
            async with engine.connect() as conn:
                await conn.execute(text(statement))
            await engine.dispose()
    finally:
        stop_tracing_statements()
        await first.dispose()
    statements = [
        span.attributes[SpanAttributes.DB_STATEMENT]
        for span in exporter.get_finished_spans()
        if span.attributes and SpanAttributes.DB_STATEMENT in span.attributes
    ]
    assert statements == ["SELECT 'later'"]


@pytest.mark.needs("sqlalchemy>=2.1")
async def test_without_skip_dep_check_the_instrumentor_refuses_sqlalchemy_2_1(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    provider, exporter = traced()
    try:
        SQLAlchemyInstrumentor().instrument(
            engine=engine.sync_engine, tracer_provider=provider
        )
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        SQLAlchemyInstrumentor().uninstrument()
        await engine.dispose()
    assert exporter.get_finished_spans() == ()
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [shown_output(PAGE, "instrumentor-refuses")]


async def test_a_failed_statements_span_carries_the_servers_message(
    database_url: str,
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool, hide_parameters=True)
    provider, exporter = traced()
    trace_statements(engine, provider)
    try:
        with pytest.raises(DBAPIError):
            async with engine.connect() as conn:
                await conn.execute(
                    text("SELECT CAST(CAST(:token AS text) AS integer)"),
                    {"token": SECRET},
                )
    finally:
        stop_tracing_statements()
        await engine.dispose()
    [span] = [s for s in exporter.get_finished_spans() if s.name != "connect"]
    assert span.attributes is not None
    assert SECRET not in str(span.attributes[SpanAttributes.DB_STATEMENT])
    assert span.status.status_code == StatusCode.ERROR
    assert f'invalid input syntax for type integer: "{SECRET}"' in str(
        span.status.description
    )


def test_the_stable_attribute_names_are_an_opt_in() -> None:
    """OTEL_SEMCONV_STABILITY_OPT_IN is read once per process: a fresh one each."""
    program = """if True:
        import asyncio, json
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from snippets.deploying.observability import trace_statements

        async def main() -> None:
            exporter = InMemorySpanExporter()
            provider = TracerProvider()
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            engine = create_async_engine("sqlite+aiosqlite://")
            trace_statements(engine, provider)
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            [span] = [s for s in exporter.get_finished_spans() if s.name != "connect"]
            print(json.dumps(sorted(span.attributes)))

        asyncio.run(main())
    """
    names = {}
    for opt_in in ("", "database"):
        result = subprocess.run(
            [sys.executable, "-c", program],
            env={**os.environ, "OTEL_SEMCONV_STABILITY_OPT_IN": opt_in},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        names[opt_in] = json.loads(result.stdout)
    assert SpanAttributes.DB_STATEMENT in names[""]
    assert SpanAttributes.DB_SYSTEM in names[""]
    assert DB_QUERY_TEXT in names["database"]
    assert DB_SYSTEM_NAME in names["database"]
    assert SpanAttributes.DB_STATEMENT not in names["database"]


async def test_a_wait_that_times_out_is_recorded(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "1")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    monkeypatch.setenv("DB_POOL_TIMEOUT", "0.3")
    app = create_app()
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
        engine.connect() as locker,
    ):
        await locker.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
        holder = asyncio.create_task(client.get("/users/count"))
        await metrics_when(client, lambda s: s[f"db_pool_checked_out{PRIMARY}"] == 1)
        with pytest.raises(PoolTimeoutError):
            await client.get("/users/count")
        samples, _ = await metrics_when(client, lambda s: True)
        await locker.commit()
        assert (await holder).json() == 0
    # The lifespan's check and the holder's waits were short; the other one's lasted
    # pool_timeout.
    assert samples[f"db_connection_wait_seconds_count{PRIMARY}"] == 3
    assert samples[f"db_connection_wait_seconds_sum{PRIMARY}"] >= 0.3
    assert samples['db_connection_wait_seconds_bucket{le="0.25",pool="primary"}'] == 2
    assert samples[f"db_connection_waiting{PRIMARY}"] == 0


# --- pg_stat_statements on Debian's PostgreSQL 15 ----------------------------------------


@contextmanager
def server_with_pg_stat_statements() -> Iterator[tuple[str, list[str]]]:
    """Debian's PostgreSQL 15 that already preloads auto_explain, then pg_stat_statements
    added as the page says; yields the socket folder and what each step left in the
    server's configuration."""
    try:
        binaries = versions.postgres_binaries("15")
    except FileNotFoundError as exc:
        pytest.skip(f"needs Debian's PostgreSQL 15, which .ci/run installs: {exc}")
    with versions.server(binaries) as admin:
        socket = str(make_url(admin).query["host"])
        as_user = ["runuser", "-u", versions.RUN_AS, "--"] if os.geteuid() == 0 else []
        url = f"postgresql+asyncpg://postgres@/postgres?host={socket}"
        folder = Path(socket).parent
        pg_ctl = [str(binaries / "pg_ctl"), "-D", str(folder / "data")]
        # A preloaded library needs a restart; pg_ctl keeps the server's options. The
        # log file keeps the server off this process's pipes.
        restart = [*pg_ctl, "-l", str(folder / "log"), "-w", "-m", "fast", "restart"]
        steps: list[str] = []

        async def configure(*statements: str, record: bool = True) -> None:
            engine = create_async_engine(
                url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
            )
            async with engine.connect() as conn:
                for statement in statements:
                    await conn.execute(text(statement))
                if not statements:
                    written = await preload_library(conn, "pg_stat_statements")
                    steps.append(written)
                # What the next start will load, read from postgresql.auto.conf.
                if record:
                    steps.append(
                        str(
                            await conn.scalar(
                                text(
                                    "SELECT setting FROM pg_file_settings "
                                    "WHERE name = 'shared_preload_libraries' "
                                    "ORDER BY seqno DESC LIMIT 1"
                                )
                            )
                        )
                    )
            await engine.dispose()

        asyncio.run(
            configure(
                "ALTER SYSTEM SET shared_preload_libraries = 'auto_explain'",
                "CREATE DATABASE app",
            )
        )
        subprocess.run(
            [*as_user, *restart], check=True, capture_output=True, timeout=60
        )
        # The page's warning: a plain SET names one library and drops the others.
        asyncio.run(
            configure(
                "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'"
            )
        )
        asyncio.run(configure())  # the page's way: SHOW, then the list plus one
        subprocess.run(
            [*as_user, *restart], check=True, capture_output=True, timeout=60
        )
        asyncio.run(configure("CREATE EXTENSION pg_stat_statements", record=False))
        steps.append(asyncio.run(show_preloaded(url)))
        yield socket, steps


async def show_preloaded(url: str) -> str:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        shown = str(await conn.scalar(text("SHOW shared_preload_libraries")))
    await engine.dispose()
    return shown


async def app_workload(url: str) -> None:
    engine = create_engine(Settings(database_url=url))
    await init_db(engine, create_tables=True)
    async with engine.connect() as conn:
        await conn.execute(text("CREATE EXTENSION pg_stat_statements"))
        await conn.commit()
    # Reset from another database, so that the reset is not among app's statements.
    other = create_async_engine(
        make_url(url).set(database="postgres"), poolclass=NullPool
    )
    async with other.connect() as conn:
        await conn.execute(text("SELECT pg_stat_statements_reset()"))
    await other.dispose()
    async with engine.connect() as conn:
        await conn.execute(
            text("SELECT pg_sleep(0.3), length(:token)"), {"token": SECRET}
        )
    sessions = create_session_factory(engine)
    for user_id in range(1, 6):
        async with sessions() as session:
            assert await session.get(User, user_id) is None
    await close_db(engine)


async def read_top_statements(url: str) -> Sequence[Row[Any]]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        rows = await top_statements(conn)
    await engine.dispose()
    return rows


async def utility_statements_and_privileges(socket: str) -> dict[str, Any]:
    """What the view keeps of utility statements, and what a role without privileges
    sees and may do, then with them."""
    found: dict[str, Any] = {}
    admin = await asyncpg.connect(host=socket, user="postgres", database="app")
    await admin.execute("CREATE ROLE app_user LOGIN")
    await admin.execute(f"SET application_name = '{SECRET}'")
    await admin.execute(f"ALTER ROLE app_user PASSWORD '{SECRET}'")
    await admin.execute("SET pg_stat_statements.track_utility = off")
    await admin.execute("SET application_name = 'not-tracked'")
    found["kept"] = sorted(
        row["query"]
        for row in await admin.fetch(
            "SELECT query FROM pg_stat_statements "
            "WHERE query LIKE '%s3cret%' OR query LIKE '%not-tracked%'"
        )
    )

    async def as_app_user() -> None:
        conn = await asyncpg.connect(host=socket, user="app_user", database="app")
        found.setdefault("queries", []).append(
            {
                row["query"]
                for row in await conn.fetch(
                    TOP_STATEMENTS.text.replace(":limit", "100")
                )
            }
        )
        try:
            await conn.execute("SELECT pg_stat_statements_reset()")
            found.setdefault("reset", []).append("done")
        except asyncpg.PostgresError as exc:
            found.setdefault("reset", []).append(f"{type(exc).__name__}: {exc}")
        await conn.close()

    await as_app_user()
    await admin.execute("GRANT pg_read_all_stats TO app_user")
    await admin.execute(
        "GRANT EXECUTE ON FUNCTION pg_stat_statements_reset TO app_user"
    )
    await as_app_user()
    await admin.close()
    return found


def test_pg_stat_statements_lists_the_apps_statements_normalised() -> None:
    with server_with_pg_stat_statements() as (socket, steps):
        url = f"postgresql+asyncpg://postgres@/app?host={socket}"
        asyncio.run(app_workload(url))
        rows = asyncio.run(read_top_statements(url))
        found = asyncio.run(utility_statements_and_privileges(socket))
    # auto_explain was preloaded; a plain SET would have dropped it, the page's
    # preload_library() keeps it, and the restarted server loads both.
    assert steps == [
        "auto_explain",
        "pg_stat_statements",
        "auto_explain, pg_stat_statements",
        "auto_explain, pg_stat_statements",
        "auto_explain, pg_stat_statements",
    ]
    # The app's own two statements, in the order of the top list; the rest are the
    # pre-pings' and sessions' BEGIN and ROLLBACK, and the dialect's first queries.
    mine = [row for row in rows if "users" in row.query or "pg_sleep" in row.query]
    shown = "\n".join(f"{row.calls}  {' '.join(row.query.split())}" for row in mine)
    assert shown == shown_for_version(
        "pg-stat-statements", "pg-stat-statements-sqlalchemy20"
    )
    slow, lookup = mine
    # The literal 0.3 became a placeholder like the bound parameter; no value is kept.
    assert "0.3" not in slow.query
    assert SECRET not in slow.query
    assert slow.total_ms >= 300
    assert lookup.calls == 5  # five ids, one normalised statement
    assert rows.index(slow) < rows.index(lookup)
    calls = {row.query: row.calls for row in rows}
    assert calls["BEGIN"] >= 5
    assert calls["ROLLBACK"] >= 5
    # PostgreSQL 15 keeps utility statements as written, values and all, unless
    # track_utility is off.
    assert found["kept"] == [
        f"ALTER ROLE app_user PASSWORD '{SECRET}'",
        f"SET application_name = '{SECRET}'",
    ]
    # Without privileges: other roles' statements hidden, no reset; with them, both.
    hidden, shown_all = found["queries"]
    assert "<insufficient privilege>" in hidden
    assert not any("pg_sleep" in query for query in hidden)
    assert "<insufficient privilege>" not in shown_all
    assert any("pg_sleep" in query for query in shown_all)
    assert found["reset"] == [shown_output(PAGE, "reset-refused"), "done"]


async def test_behind_pgbouncer_its_queue_is_in_a_statements_duration(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """PgBouncer in transaction mode with one server connection, which another client
    holds in a transaction: the app's statement waits in PgBouncer's queue, after its
    checkout from the app's pool."""
    settings = {"default_pool_size": "1"}
    with pgbouncer.pooler(
        make_url(database_url), "transaction", settings=settings
    ) as url:
        # PgBouncer 1.18 keeps no prepared statements across server connections.
        url = url.update_query_dict({"prepared_statement_cache_size": "0"})
        no_cache = {"statement_cache_size": 0}
        registry = CollectorRegistry()
        engine = observed_engine(
            url, PoolMetrics(registry), "primary", connect_args=no_cache
        )
        log_slow_statements(engine, threshold=0.2)
        other = create_async_engine(url, poolclass=NullPool, connect_args=no_cache)
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # connected; the server is free again
        async with (
            asyncio.timeout(30),
            engine.connect() as conn,
            other.connect() as holder,
        ):
            await holder.execute(text("SELECT 1"))  # its transaction keeps the server

            async def release() -> None:
                await asyncio.sleep(0.4)
                await holder.rollback()

            releasing = asyncio.create_task(release())
            await conn.execute(text("SELECT 2"))
            await releasing
        await engine.dispose()
        await other.dispose()
    [record] = caplog.records
    assert record.getMessage().endswith("s): SELECT 2")
    assert float(DURATION.findall(record.getMessage())[0]) >= 0.3
    # The pool's two checkouts came before the queue.
    samples = scrape(generate_latest(registry).decode())
    assert samples[f"db_connection_wait_seconds_count{PRIMARY}"] == 2


async def test_the_embedded_server_has_no_pg_stat_statements(database_url: str) -> None:
    if not postgres.is_embedded():
        pytest.skip(f"about the embedded server; this run uses {postgres.USER_ENV}")
    engine = create_async_engine(database_url, poolclass=NullPool)
    async with engine.connect() as conn:
        available = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_available_extensions "
                "WHERE name = 'pg_stat_statements'"
            )
        )
    await engine.dispose()
    assert available == 0


async def test_a_fast_failure_is_not_logged_as_slow(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    log_slow_statements(engine, threshold=0.2)
    with pytest.raises(DBAPIError):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1 / 0"))
    await engine.dispose()
    assert not caplog.records


async def test_a_failing_request_gives_its_connection_back(
    settings: Settings,
) -> None:
    app = create_app()  # no tables in this database: the count fails
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        with pytest.raises(DBAPIError, match='relation "users" does not exist'):
            await client.get("/users/count")
        samples, _ = await metrics_when(client, lambda s: True)
    assert samples[f"db_pool_checked_out{PRIMARY}"] == 0
    # The lifespan's check and the request's checkout.
    assert samples[f"db_connection_wait_seconds_count{PRIMARY}"] == 2


def test_a_gauges_default_multiprocess_mode_keeps_a_series_per_process() -> None:
    """The page's reason for livesum, read from prometheus-client itself."""
    mode = inspect.signature(Gauge.__init__).parameters["multiprocess_mode"]
    assert mode.default == "all"
