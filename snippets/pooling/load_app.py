"""The app variants the load script compares; uvicorn starts one with --factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.app import create_app
from snippets.database import create_session_factory
from snippets.models import User
from snippets.schemas import UserRead
from snippets.settings import Settings

VARIANT_ENV = "LOAD_VARIANT"


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


def app_for_variant() -> FastAPI:
    variant = os.environ[VARIANT_ENV]
    if variant == "default pool (5 + 10)":
        return create_app()
    if variant == "seed's pool (20 + 10)":
        return create_app(Settings(db_pool_size=20, db_max_overflow=10))
    if variant == "NullPool":
        return nullpool_app()
    if variant == "engine per request":
        return engine_per_request_app()
    raise ValueError(f"unknown {VARIANT_ENV}: {variant!r}")


# --8<-- [end:variants]

VARIANTS = [
    "default pool (5 + 10)",
    "seed's pool (20 + 10)",
    "NullPool",
    "engine per request",
]
