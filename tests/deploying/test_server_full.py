"""snippets/deploying/server_full.py: a refused connection answers 503, other errors 500."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.deploying.server_full import answer_server_full
from tests import postgres

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


@asynccontextmanager
async def client_of(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app whose role may open no connection at all, and one route that divides by 0."""
    role = f"nobody_{uuid.uuid4().hex[:8]}"
    await postgres.admin_execute(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0")
    refused = create_async_engine(
        make_url(database_url).set(username=role), poolclass=NullPool
    )
    working = create_async_engine(database_url, poolclass=NullPool)
    app = FastAPI()
    answer_server_full(app)

    @app.get("/refused")
    async def read_refused() -> None:
        async with refused.connect() as conn:
            await conn.execute(text("SELECT 1"))

    @app.get("/broken")
    async def read_broken() -> None:
        async with working.connect() as conn:
            await conn.execute(text("SELECT 1 / 0"))

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


def test_a_refused_connection_answers_503_with_retry_after(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def run() -> tuple[httpx.Response, httpx.Response]:
        async with client_of(database_url) as client:
            return await client.get("/refused"), await client.get("/broken")

    refused, broken = asyncio.run(run())
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert "TooManyConnectionsError: too many connections for role" in caplog.text
    assert broken.status_code == 500  # not every database error is a full server
