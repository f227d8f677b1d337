"""Why printing the ResponseValidationError on docs/relationships/responses.md fails."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import Request
from fastapi.exceptions import ResponseValidationError
from httpx import ASGITransport, AsyncClient
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import DetachedInstanceError

from snippets.app import DbSession, create_app
from snippets.database import get_db
from snippets.models import User
from snippets.relationships.api import AuthorRead
from snippets.sample import sample_db
from snippets.settings import Settings


async def close_only(request: Request) -> AsyncIterator[AsyncSession]:
    """get_db without its rollback: the session is only closed."""
    async with request.app.state.session_factory() as session:
        yield session


async def response_error(
    settings: Settings, *, rollback: bool
) -> ResponseValidationError:
    app = create_app(settings)

    @app.get("/authors/{user_id}", response_model=AuthorRead)
    async def read_author(user_id: int, session: DbSession) -> User | None:
        return await session.get(User, user_id)  # posts not loaded

    if not rollback:
        app.dependency_overrides[get_db] = close_only
    async with (
        sample_db(),
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        with pytest.raises(ResponseValidationError) as raised:
            await client.get("/authors/1")
    return raised.value


async def test_the_rollback_expires_the_user_so_its_repr_fails(
    settings: Settings, backend: str
) -> None:
    exc = await response_error(settings, rollback=True)
    user = exc.errors()[0]["input"]
    state = inspect(user)
    assert state.detached
    assert {"id", "email", "name"} <= state.expired_attributes
    with pytest.raises(DetachedInstanceError):
        str(exc)


async def test_closing_alone_keeps_the_attributes_and_the_repr_works(
    settings: Settings, backend: str
) -> None:
    exc = await response_error(settings, rollback=False)
    assert inspect(exc.errors()[0]["input"]).expired_attributes == set()
    assert "name='Ada Lovelace'" in str(exc)
