"""docs/deploying/observability.md: slow statements in the log without their parameters,
pool metrics on a real uvicorn process, a span per statement under the request's span, and
pg_stat_statements on Debian's PostgreSQL 15."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, make_asgi_app
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

from snippets.database import init_db
from snippets.deploying.observability import log_slow_statements
from tests.docs_examples import ROOT
from tests.pages import shown_output
from tests.servers import free_port, serving, wait_for

PAGE = "deploying/observability.md"
SECRET = "s3cret-token"
POOL_GAUGES = ("size", "checked_out", "idle", "overflow")
GAUGE_LINES = ("db_pool_", "db_connection_waiting ")


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
    shown = shown_output(PAGE, "slow-statements")
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


# --- pool metrics on a uvicorn process ---------------------------------------------------


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
            assert [idle[f"db_pool_{n}"] for n in POOL_GAUGES] == [1, 0, 1, 0]
            locker_pid = int(await locker.scalar(text("SELECT pg_backend_pid()")) or 0)
            # Every request blocks on the lock while it holds its connection.
            await locker.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            held = [asyncio.create_task(client.get("/users/count")) for _ in range(2)]
            busy, _ = await metrics_when(
                client, lambda s: s["db_pool_checked_out"] == 2
            )
            # size 1, both checked out, the second one is overflow.
            assert [busy[f"db_pool_{n}"] for n in POOL_GAUGES] == [1, 2, 0, 1]
            # Both requests' statements wait for the lock: the server says so.
            await eventually(lambda: app_backends(monitor, locker_pid, lock=True), 2)
            waiting = asyncio.create_task(client.get("/users/count"))
            _, body = await metrics_when(
                client, lambda s: s["db_connection_waiting"] == 1
            )
            waited_at_least = time.monotonic()
            await asyncio.sleep(0.6)
            waited_at_least = time.monotonic() - waited_at_least
            await locker.commit()  # releases the lock: the requests go on
            answers = await asyncio.gather(*held, waiting)
            took = time.monotonic() - started
            assert [(a.status_code, a.json()) for a in answers] == [(200, 0)] * 3
            after, _ = await metrics_when(
                client, lambda s: s["db_connection_waiting"] == 0
            )
            # The overflow connection was closed on return; the pool keeps pool_size.
            assert [after[f"db_pool_{n}"] for n in POOL_GAUGES] == [1, 0, 1, 0]
            # The server agrees (the closed one's backend may take a moment to exit).
            await eventually(lambda: app_backends(monitor, locker_pid, lock=False), 1)
        server.terminate()
        log, _ = server.communicate(timeout=30)
    await setup.dispose()
    gauges = [line for line in body.splitlines() if line.startswith(GAUGE_LINES)]
    assert "\n".join(gauges) == shown_output(PAGE, "pool-metrics")
    assert after["db_pool_size"] == int(env["DB_POOL_SIZE"])
    # One wait per request; the third waited from before the pause until after it.
    assert after["db_connection_wait_seconds_count"] == 3
    assert after['db_connection_wait_seconds_bucket{le="0.5"}'] <= 2
    assert waited_at_least <= after["db_connection_wait_seconds_sum"] <= 3 * took
    # The two statements that waited for the lock were slow; the third was not.
    slow = re.findall(r"slow statement \((\d+\.\d+) s\): SELECT count", log)
    assert len(slow) == 2, log
    assert all(float(seconds) >= waited_at_least for seconds in slow)


async def test_a_mounted_metrics_app_answers_metrics_with_a_redirect() -> None:
    app = FastAPI()
    app.mount("/metrics", make_asgi_app(CollectorRegistry()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        answer = await client.get("/metrics")
        assert answer.status_code == 307
        assert answer.headers["location"] == "http://app/metrics/"
        assert (await client.get("/metrics/")).status_code == 200
