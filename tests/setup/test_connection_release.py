"""A request gives its connection back before its response is sent (docs/setup/fastapi.md).

Measured at the moment the response starts: the pool's checked-out count, and on PostgreSQL
the server's own view (pg_stat_activity) of this database's sessions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
import pytest
from asgi_lifespan import LifespanManager
from fastapi import BackgroundTasks, Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, make_url, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import Message, Receive, Scope, Send

from snippets.app import DbSession, create_app, get_user_or_404
from snippets.database import get_db
from snippets.models import Base, User
from snippets.schemas import UserRead, UserUpdate
from snippets.settings import Settings
from tests.pages import shown_table

IN_TRANSACTION = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = $1 AND pid <> pg_backend_pid() AND state = 'idle in transaction'
"""


class AtResponseStart:
    """ASGI wrapper: what the pool and the server say when the response starts."""

    def __init__(self, app: FastAPI, database_url: str) -> None:
        self.app, self.url = app, make_url(database_url)
        self.seen: list[dict[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def observe(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.seen.append(await self.measure())
            await send(message)

        await self.app(scope, receive, observe)

    async def measure(self) -> dict[str, Any]:
        numbers: dict[str, Any] = {
            "checked_out": self.app.state.engine.pool.checkedout()
        }
        if self.url.get_backend_name() == "postgresql":
            dsn = self.url.set(drivername="postgresql").render_as_string(False)
            server = await asyncpg.connect(dsn)
            try:
                numbers["idle_in_transaction"] = await server.fetchval(
                    IN_TRANSACTION, self.url.database
                )
            finally:
                await server.close()
        return numbers


@asynccontextmanager
async def observed_app(
    database_url: str,
) -> AsyncIterator[tuple[AsyncClient, AtResponseStart]]:
    app = create_app(Settings(database_url=database_url))
    async with LifespanManager(app):
        async with app.state.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        wrapper = AtResponseStart(app, database_url)
        async with AsyncClient(
            transport=ASGITransport(app=wrapper), base_url="http://app"
        ) as http:
            yield http, wrapper


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/users/1", None),
        ("GET", "/users", None),
        ("PATCH", "/users/1", {"name": "Ada L."}),
        ("GET", "/users/999", None),  # 404: the session is released on errors too
    ],
)
async def test_the_connection_is_back_in_the_pool_when_the_response_starts(
    database_url: str, method: str, path: str, body: dict[str, str] | None
) -> None:
    async with observed_app(database_url) as (http, observed):
        created = await http.post("/users", json={"email": "a@x.org", "name": "Ada"})
        assert created.status_code == 201
        response = await http.request(method, path, json=body)
        assert response.status_code in (200, 404)
    released = {"checked_out": 0}
    if "postgresql" in database_url:
        released["idle_in_transaction"] = 0
    assert observed.seen[-1] == released


async def test_a_session_used_after_the_route_fails_instead_of_leaking(
    database_url: str,
) -> None:
    """A background task (or a streaming body) that reuses the request's session: closed
    by then, so it must fail loudly rather than open a connection nobody returns."""
    ran: list[str] = []

    async def count_later(session: AsyncSession) -> None:
        ran.append("task")
        await session.scalar(select(func.count()).select_from(User))

    async def schedule(session: DbSession, tasks: BackgroundTasks) -> None:
        tasks.add_task(count_later, session)

    async with observed_app(database_url) as (http, observed):
        observed.app.add_api_route("/later", schedule, methods=["POST"])
        with pytest.raises(InvalidRequestError, match="permanently closed"):
            await http.post("/later")
        assert ran == ["task"]
        assert observed.app.state.engine.pool.checkedout() == 0


DefaultScope = Annotated[AsyncSession, Depends(get_db)]


async def read_default_scope(user_id: int, session: DefaultScope) -> UserRead:
    return UserRead.model_validate(await get_user_or_404(session, user_id))


async def rename_default_scope(
    user_id: int, body: UserUpdate, session: DefaultScope
) -> UserRead:
    user = await get_user_or_404(session, user_id)
    user.name = body.name
    await session.commit()
    return UserRead.model_validate(user)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_pages_table_of_both_scopes(database_url: str) -> None:
    measured: dict[str, dict[str, Any]] = {}
    async with observed_app(database_url) as (http, observed):
        observed.app.add_api_route("/default/users/{user_id}", read_default_scope)
        observed.app.add_api_route(
            "/default/users/{user_id}", rename_default_scope, methods=["PATCH"]
        )
        await http.post("/users", json={"email": "a@x.org", "name": "Ada"})
        for scope, prefix in (("default", "/default"), ("function", "")):
            await http.get(f"{prefix}/users/1")
            measured[f"{scope} GET"] = observed.seen[-1]
            await http.patch(f"{prefix}/users/1", json={"name": "Ada L."})
            measured[f"{scope} PATCH"] = observed.seen[-1]
    columns = {
        "default": "`Depends(get_db)`",
        "function": '`Depends(get_db, scope="function")`',
    }
    rows = {
        row["when the response starts, on PostgreSQL"]: row
        for row in shown_table("setup/fastapi.md", "release-table")
    }
    for scope, column in columns.items():
        assert rows["`GET /users/1`: connections checked out"][column] == str(
            measured[f"{scope} GET"]["checked_out"]
        )
        assert rows["`GET /users/1`: sessions idle in transaction"][column] == str(
            measured[f"{scope} GET"]["idle_in_transaction"]
        )
        assert rows["`PATCH /users/1` (commits): connections checked out"][
            column
        ] == str(measured[f"{scope} PATCH"]["checked_out"])
