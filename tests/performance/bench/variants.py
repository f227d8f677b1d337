"""The app variants the HTTP group compares; uvicorn starts one with --factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from fastapi import FastAPI, HTTPException, Request
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.app import create_app
from snippets.performance.http_app import (
    READ_USER,
    add_read_engine,
    engine_per_request_app,
    held,
    nullpool_app,
)
from snippets.schemas import UserRead
from snippets.settings import Settings

VARIANT_ENV = "LOAD_VARIANT"


def no_database_app() -> FastAPI:
    """The ceiling: FastAPI and uvicorn alone, answering from memory."""
    app = FastAPI()
    now = datetime.now(UTC)

    @app.get("/users/{user_id}", response_model=UserRead)
    async def read_user(user_id: int) -> dict[str, Any]:
        return {
            "id": user_id,
            "email": f"user{user_id}@example.com",
            "name": f"User {user_id}",
            "created_at": now,
            "updated_at": now,
        }

    return app


def asyncpg_pool_app() -> FastAPI:
    """The floor under SQLAlchemy: asyncpg's own pool, one prepared query."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = Settings().database_url.set(drivername="postgresql")
        dsn = url.render_as_string(hide_password=False)
        # As many connections as the default SQLAlchemy pool lends out at most.
        async with asyncpg.create_pool(dsn, min_size=5, max_size=15) as pool:
            app.state.pool = pool
            yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/users/{user_id}", response_model=UserRead)
    async def read_user(user_id: int, request: Request) -> dict[str, Any]:
        row = await request.app.state.pool.fetchrow(READ_USER, user_id)
        if row is None:
            raise HTTPException(404)
        return dict(row)

    return app


def overflowing_read_engine(settings: Settings) -> AsyncEngine:
    """The read engine sized as the app's engine (5 + 10): overflow closed on return."""
    return create_async_engine(
        settings.database_url,
        isolation_level="AUTOCOMMIT",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=True,
    )


def held_session_app() -> FastAPI:
    app = create_app()
    app.include_router(held)
    return app


# Name -> (app factory, the route the load generator asks). The reference comes first.
RECOMMENDED = "recommended: ORM, default pool (5 + 10)"
HELD = "ORM, session held until the response is sent"
CORE = "Core on the read engine (AUTOCOMMIT)"
HOT = "hot path: asyncpg's connection from the read engine"
HOT_OVERFLOW = "hot path, read engine 5 + 10 (overflow closed on return)"
SEED = "seed's pool (20 + 10)"
VARIANTS: dict[str, tuple[Callable[[], FastAPI], str]] = {
    "raw asyncpg pool": (asyncpg_pool_app, "/users/{id}"),
    "no database (ceiling)": (no_database_app, "/users/{id}"),
    RECOMMENDED: (create_app, "/users/{id}"),
    HELD: (held_session_app, "/held/users/{id}"),
    CORE: (lambda: add_read_engine(create_app()), "/core/users/{id}"),
    HOT: (lambda: add_read_engine(create_app()), "/hot/users/{id}"),
    HOT_OVERFLOW: (
        lambda: add_read_engine(create_app(), make_engine=overflowing_read_engine),
        "/hot/users/{id}",
    ),
    SEED: (
        lambda: create_app(Settings(db_pool_size=20, db_max_overflow=10)),
        "/users/{id}",
    ),
    "NullPool": (nullpool_app, "/users/{id}"),
    "engine per request": (engine_per_request_app, "/users/{id}"),
}
# GET /health/pool reports the app's engine, which these variants' routes use.
POOL_REPORTED = {RECOMMENDED, HELD, SEED}
# The comparisons that decide a recommendation, run interleaved: does A beat B?
PAIRS = [(RECOMMENDED, SEED), (RECOMMENDED, HELD), (HOT, CORE), (HOT, HOT_OVERFLOW)]
# Run again with latency added between the app and the database.
WITH_LATENCY = ["raw asyncpg pool", RECOMMENDED, CORE, HOT]


def app_for_variant() -> FastAPI:
    variant = os.environ[VARIANT_ENV]
    if variant not in VARIANTS:
        raise ValueError(f"unknown {VARIANT_ENV}: {variant!r}")
    factory, _path = VARIANTS[variant]
    return factory()
