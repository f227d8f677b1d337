"""The app variants the HTTP group compares; uvicorn starts one with --factory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from fastapi import FastAPI, HTTPException, Request

from snippets.app import create_app
from snippets.performance.http_app import (
    engine_per_request_app,
    fast_read,
    nullpool_app,
)
from snippets.schemas import UserRead
from snippets.settings import Settings

VARIANT_ENV = "LOAD_VARIANT"
READ_USER = "SELECT id, email, name, created_at, updated_at FROM users WHERE id = $1"


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


def fast_read_app() -> FastAPI:
    app = create_app()
    app.include_router(fast_read)
    return app


# Name -> (app factory, the route the load generator asks). The reference comes first.
VARIANTS: dict[str, tuple[Callable[[], FastAPI], str]] = {
    "raw asyncpg pool": (asyncpg_pool_app, "/users/{id}"),
    "no database (ceiling)": (no_database_app, "/users/{id}"),
    "recommended: ORM, default pool (5 + 10)": (create_app, "/users/{id}"),
    "fast read path: Core + mappings": (fast_read_app, "/fast/users/{id}"),
    "seed's pool (20 + 10)": (
        lambda: create_app(Settings(db_pool_size=20, db_max_overflow=10)),
        "/users/{id}",
    ),
    "NullPool": (nullpool_app, "/users/{id}"),
    "engine per request": (engine_per_request_app, "/users/{id}"),
}


def app_for_variant() -> FastAPI:
    variant = os.environ[VARIANT_ENV]
    if variant not in VARIANTS:
        raise ValueError(f"unknown {VARIANT_ENV}: {variant!r}")
    factory, _path = VARIANTS[variant]
    return factory()
