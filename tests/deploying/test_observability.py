"""docs/deploying/observability.md: slow statements in the log without their parameters,
pool metrics on a real uvicorn process, a span per statement under the request's span, and
pg_stat_statements on Debian's PostgreSQL 15."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.deploying.observability import log_slow_statements
from tests.docs_examples import ROOT
from tests.pages import shown_output

PAGE = "deploying/observability.md"
SECRET = "s3cret-token"
pytestmark = pytest.mark.parametrize("backend", ["postgres"])

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
