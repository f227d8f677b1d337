"""App patterns the HTTP benchmark of docs/performance compares: a read path without the
ORM, and two ways to manage connections that the guide advises against."""

from __future__ import annotations

# --8<-- [start:fast_read]
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.database import create_session_factory
from snippets.models import User
from snippets.schemas import UserRead
from snippets.settings import Settings

fast_read = APIRouter()


@fast_read.get("/fast/users/{user_id}", response_model=UserRead)
async def read_user_fast(user_id: int, request: Request) -> dict[str, Any]:
    # Core and plain mappings: no ORM objects, identity map or session to set up.
    query = select(
        User.id, User.email, User.name, User.created_at, User.updated_at
    ).where(User.id == user_id)
    async with request.app.state.engine.connect() as conn:
        # A lone SELECT needs no transaction: no BEGIN and ROLLBACK round trips.
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        row = (await conn.execute(query)).mappings().one_or_none()
    if row is None:
        raise HTTPException(404)
    return dict(row)


# --8<-- [end:fast_read]


# --8<-- [start:variants]
def nullpool_app() -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_async_engine(Settings().database_url, poolclass=NullPool)
        app.state.sessions = create_session_factory(engine)
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/users/{user_id}", response_model=UserRead)
    async def read_user(user_id: int, request: Request) -> User:
        async with request.app.state.sessions() as session:
            user: User | None = await session.get(User, user_id)
        if user is None:
            raise HTTPException(404)
        return user

    return app


def engine_per_request_app() -> FastAPI:
    """The anti-pattern: a new engine, with its own pool, for every request."""
    app = FastAPI()

    @app.get("/users/{user_id}", response_model=UserRead)
    async def read_user(user_id: int) -> User:
        engine = create_async_engine(Settings().database_url)
        async with create_session_factory(engine)() as session:
            user = await session.get(User, user_id)
        await engine.dispose()
        if user is None:
            raise HTTPException(404)
        return user

    return app


# --8<-- [end:variants]
