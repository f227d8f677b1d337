"""The `client` fixture behaves like the server the app runs under: each request its own
session (as get_db gives it in production), and the lifespan's state handed to requests."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from httpx import ASGITransport, AsyncClient
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from snippets.app import DbSession, create_app, router
from snippets.database import create_session_factory
from snippets.models import Post, User
from snippets.settings import Settings
from snippets.testing.fixtures import app_client

LAZY_LOAD = "'User.posts' is not available due to lazy='raise_on_sql'"


async def count_posts(user_id: int, session: DbSession) -> int:
    """A route with a bug: user.posts is not loaded in a request's own session."""
    user = await session.get(User, user_id)
    assert user is not None
    return len(user.posts)


@pytest.fixture
def buggy_route() -> Iterator[None]:
    """The route joins the reference app's router for this test only."""
    router.add_api_route("/users/{user_id}/post-count", count_posts)
    try:
        yield
    finally:
        router.routes.pop()


@pytest.mark.usefixtures("buggy_route")
async def test_the_bug_fails_in_production(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url))
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as http,
    ):
        async with create_session_factory(app.state.engine)() as session:
            await session.run_sync(lambda s: User.metadata.create_all(s.connection()))
            ada = User(email="ada@example.com", name="Ada")
            session.add_all([ada, Post(title="t", author=ada)])
            await session.commit()
        with pytest.raises(InvalidRequestError, match=re.escape(LAZY_LOAD)):
            await http.get(f"/users/{ada.id}/post-count")


@pytest.mark.usefixtures("buggy_route")
async def test_and_the_same_bug_fails_in_the_test(
    client: AsyncClient, db_session: AsyncSession
) -> None:
    """The test's own session has ada.posts loaded; a request must not see that."""
    ada = User(email="ada@example.com", name="Ada")
    db_session.add_all([ada, Post(title="t", author=ada)])
    await db_session.flush()
    with pytest.raises(InvalidRequestError, match=re.escape(LAZY_LOAD)):
        await client.get(f"/users/{ada.id}/post-count")


async def test_each_request_sees_committed_rows_not_the_tests_objects(
    client: AsyncClient, db_session: AsyncSession
) -> None:
    ada = User(email="ada@example.com", name="Ada")
    db_session.add(ada)
    await db_session.flush()
    ada.name = "changed in memory only"  # no flush: not in the database
    assert (await client.get(f"/users/{ada.id}")).json()["name"] == "Ada"
    # What a request commits, the test sees (same connection, same outer transaction).
    await client.patch(f"/users/{ada.id}", json={"name": "Ada L."})
    await db_session.refresh(ada)
    assert ada.name == "Ada L."


def app_with_lifespan_state() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, str]]:
        yield {"greeting": "hello"}

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def greet(request: Request) -> str:
        return str(request.state.greeting)

    return app


async def test_lifespan_state_reaches_requests(db_connection: AsyncConnection) -> None:
    async with app_client(app_with_lifespan_state(), db_connection) as http:
        assert (await http.get("/")).json() == "hello"


async def test_lifespan_context_alone_is_not_a_server() -> None:
    """Why the fixture uses LifespanManager: Starlette's lifespan_context runs startup and
    shutdown, but the state the lifespan yields never reaches a request."""
    app = app_with_lifespan_state()
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as http,
    ):
        with pytest.raises(
            AttributeError, match="'State' object has no attribute 'greeting'"
        ):
            await http.get("/")


async def test_concurrent_requests_in_one_test_interleave_their_savepoints(
    client: AsyncClient,
) -> None:
    """Why the page says to send a test's requests one at a time."""
    bodies = [{"email": f"u{i}@example.com", "name": f"U{i}"} for i in range(5)]
    outcomes = await asyncio.gather(
        *(client.post("/users", json=body) for body in bodies), return_exceptions=True
    )
    errors = [str(o) for o in outcomes if isinstance(o, BaseException)]
    assert any("savepoint" in error.lower() for error in errors), outcomes
