"""snippets/deploying/server_full.py: a refused connection answers 503; every other
database error gets the answer the reference app gave it before."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.app import create_app
from snippets.deploying.server_full import answer_server_full
from snippets.settings import Settings
from tests import postgres

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

STATEMENTS = {
    "/bad-value": "SELECT 1 / 0",  # SQLSTATE 22012: the app's 400
    "/conflict": (  # 40001, as a serialization failure would: the app's 503
        "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$"
    ),
    "/missing": "SELECT * FROM no_such_table",  # 42P01, the server's: a 500
}


@asynccontextmanager
async def client_of(
    database_url: str, *, with_handler: bool
) -> AsyncIterator[httpx.AsyncClient]:
    """The reference app, plus a route whose role may open no connection at all and one
    route per statement above."""
    role = f"nobody_{uuid.uuid4().hex[:8]}"
    await postgres.admin_execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    refused = create_async_engine(
        make_url(database_url).set(username=role), poolclass=NullPool
    )
    working = create_async_engine(database_url, poolclass=NullPool)
    app = create_app(Settings(database_url=database_url))
    if with_handler:
        answer_server_full(app)

    @app.get("/refused")
    async def read_refused() -> None:
        async with refused.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @app.get("/{name}")
    async def run_statement(name: str) -> None:
        async with working.connect() as conn:
            await conn.execute(text(STATEMENTS[f"/{name}"]))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://app"
        ) as client:
            yield client
    finally:
        await refused.dispose()
        await working.dispose()
        await postgres.admin_execute(f"DROP ROLE {role}")


async def answers(
    database_url: str, *, with_handler: bool
) -> dict[str, tuple[int, str]]:
    async with client_of(database_url, with_handler=with_handler) as client:
        result = {}
        for path in ["/refused", *STATEMENTS]:
            response = await client.get(path)
            result[path] = (
                response.status_code,
                response.headers.get("Retry-After", ""),
            )
        return result


def test_a_refused_connection_answers_503_and_the_rest_answer_as_before(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = asyncio.run(answers(database_url, with_handler=False))
    after = asyncio.run(answers(database_url, with_handler=True))
    assert before == {
        "/refused": (500, ""),
        "/bad-value": (400, ""),
        "/conflict": (503, "1"),
        "/missing": (500, ""),
    }
    assert after == {**before, "/refused": (503, "1")}
    assert "TooManyConnectionsError: too many connections for role" in caplog.text
