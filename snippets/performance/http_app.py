"""App patterns the HTTP benchmark of docs/performance compares: reads on an engine made
for them, the hot path on the driver's own connection, a session held until the response
is sent, and two ways to manage connections that the guide advises against."""

from __future__ import annotations

# --8<-- [start:read_engine]
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from snippets.app import get_user_or_404, user_not_found
from snippets.database import create_session_factory, get_db
from snippets.models import User
from snippets.schemas import UserRead
from snippets.settings import Settings
from snippets.setup.validation import UserId

reads = APIRouter()


def create_read_engine(settings: Settings) -> AsyncEngine:
    """A second engine, for reads that need no transaction."""
    engine = create_async_engine(
        settings.database_url,
        # Set once per connection, when it opens: the ping at checkout is one round trip
        # (not BEGIN, ping, ROLLBACK) and no BEGIN or ROLLBACK surrounds a read. Nothing
        # then resets a connection on its return: no SET, no transaction left open.
        isolation_level="AUTOCOMMIT",
        # Every connection it may lend, kept open: a pool closes an overflow connection
        # when it comes back while pool_size others are idle, and under a steady load of
        # short reads that means a new connection for many requests.
        pool_size=settings.db_pool_size + settings.db_max_overflow,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=True,
        connect_args={"timeout": 10},
    )
    # A write sent here by mistake fails instead of committing on its own.
    event.listen(engine.sync_engine, "connect", _read_only)
    return engine


def _read_only(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET default_transaction_read_only = on")
    cursor.close()


def add_read_engine(
    app: FastAPI,
    settings: Settings | None = None,
    make_engine: Callable[[Settings], AsyncEngine] = create_read_engine,
) -> FastAPI:
    """`app` with its read routes, and the read engine in `app.state.read_engine`."""
    app_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        read_engine = make_engine(settings or Settings())
        app.state.read_engine = read_engine
        try:
            async with app_lifespan(app):
                yield
        finally:
            await read_engine.dispose()

    app.router.lifespan_context = lifespan
    app.include_router(reads)
    return app


# --8<-- [end:read_engine]


# --8<-- [start:core_read]
@reads.get("/core/users/{user_id}", response_model=UserRead)
async def read_user_core(user_id: UserId, request: Request) -> dict[str, Any]:
    # Core and plain mappings: no ORM object, identity map or session to set up.
    query = select(
        User.id, User.email, User.name, User.created_at, User.updated_at
    ).where(User.id == user_id)
    async with request.app.state.read_engine.connect() as conn:
        row = (await conn.execute(query)).mappings().one_or_none()
    if row is None:
        raise user_not_found(user_id)
    return dict(row)


# --8<-- [end:core_read]


# --8<-- [start:hot_path]
READ_USER = "SELECT id, email, name, created_at, updated_at FROM users WHERE id = $1"


@reads.get("/hot/users/{user_id}", response_model=UserRead)
async def read_user_hot(user_id: UserId, request: Request) -> dict[str, Any]:
    async with request.app.state.read_engine.connect() as conn:
        # asyncpg's connection, borrowed from the engine's pool, which still pings it
        # at checkout and recycles it; asyncpg prepares the query once per connection.
        driver = (await conn.get_raw_connection()).driver_connection
        row = await driver.fetchrow(READ_USER, user_id)
    if row is None:
        raise user_not_found(user_id)
    return dict(row)


# --8<-- [end:hot_path]


# --8<-- [start:held_session]
# scope="request": the session, and its connection, stay until the response is sent.
HeldSession = Annotated[AsyncSession, Depends(get_db, scope="request")]
held = APIRouter()


@held.get("/held/users/{user_id}", response_model=UserRead)
async def read_user_held(user_id: UserId, session: HeldSession) -> User:
    return await get_user_or_404(session, user_id)


# --8<-- [end:held_session]


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
