# --8<-- [start:whole_file]
"""The reference app: lifespan, session dependency, CRUD for users and a health check.

Deployments run `uvicorn snippets.app:app` with DATABASE_URL set;
`python -m snippets.app` is the development start (./app.db, migrated at startup).
"""

# --8<-- [start:lifespan]
import asyncio
import logging
import os
import secrets
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg  # type: ignore[import-untyped]
import uvicorn
from dotenv import load_dotenv
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    HTTPException,
    Query,
    Request,
    Response,
    status,
)
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from snippets.database import (
    close_db,
    create_engine,
    create_session_factory,
    get_db,
    init_db,
)
from snippets.migrations.startup import upgrade_to_head
from snippets.models import User
from snippets.pooling.observe import pool_numbers
from snippets.queries.pagination import (
    InvalidCursor,
    KeysetPage,
    SortKey,
    keyset_page,
)
from snippets.schemas import (
    ErrorDetail,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from snippets.settings import Settings
from snippets.setup.validation import UserId, answer_bad_input

# scope="function": the session closes, and its connection goes back to the pool, when
# the route returns (its response already serialized), not after the response is sent.
DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]
router = APIRouter()
logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app; without `settings`, they are read from the environment at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Created at startup, not at import: an engine belongs to the event loop that
        # serves the app, and each start (in tests, many) gets its own.
        config = settings or Settings()
        engine = create_engine(config)
        try:
            await init_db(engine)  # connects, or stops startup with a clear error
            if config.db_migrate_on_startup:
                await migrate(engine, config)
            app.state.engine = engine
            app.state.session_factory = create_session_factory(engine)
            app.state.cursor_secret = signing_key(config)
            yield
        finally:
            await close_db(engine)

    app = FastAPI(
        title="Async PostgreSQL guide: reference app",
        lifespan=lifespan,
        responses=BUSY,  # any route may find the pool exhausted (pool_exhausted below)
    )
    app.include_router(router)
    app.add_exception_handler(PoolTimeout, pool_exhausted)
    answer_bad_input(app)  # never a 500 for bad input (setup/validation.md)
    return app


def signing_key(config: Settings) -> bytes:
    """CURSOR_SECRET, or a random key for this process only (with a warning)."""
    if config.cursor_secret is not None:
        return config.cursor_secret.get_secret_value().encode()
    logger.warning(
        "CURSOR_SECRET is not set: this process signs cursors with a random key, "
        "so a cursor from another worker, or from before a restart, answers 400"
    )
    return secrets.token_bytes(32)


def cursor_secret(request: Request) -> bytes:
    """The key that signs and checks GET /users cursors, made at startup."""
    key: bytes = request.app.state.cursor_secret
    return key


async def migrate(engine: AsyncEngine, config: Settings) -> None:
    """`alembic upgrade head`, as MIGRATIONS_DATABASE_URL's role when it is set."""
    if config.migrations_database_url is None:
        await upgrade_to_head(engine)
        return
    migrator = create_engine(
        config.model_copy(update={"database_url": config.migrations_database_url})
    )
    try:
        await init_db(migrator)  # an unusable migrations database: the same clear error
        await upgrade_to_head(migrator)
    finally:
        await close_db(migrator)


# --8<-- [end:lifespan]


# --8<-- [start:routes]
# The answers besides success, declared so that /docs and generated clients know them.
Answers = dict[int | str, dict[str, Any]]
NOT_FOUND: Answers = {404: {"model": ErrorDetail, "description": "No such user"}}
CONFLICT: Answers = {409: {"model": ErrorDetail, "description": "Email already taken"}}
# FastAPI's own answer to a JSON body it cannot decode or parse.
BAD_BODY: Answers = {400: {"model": ErrorDetail, "description": "Unreadable body"}}
BUSY: Answers = {503: {"model": ErrorDetail, "description": "Database busy: retry"}}


def user_not_found(user_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")


async def get_user_or_404(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise user_not_found(user_id)
    return user


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses={**CONFLICT, **BAD_BODY},
)
async def create_user(body: UserCreate, session: DbSession) -> User:
    user = User(email=body.email, name=body.name)
    session.add(user)
    try:
        # Commit before answering: a 201 must mean the row is stored.
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise HTTPException(
            status.HTTP_409_CONFLICT, "email already registered"
        ) from None
    return user


# --8<-- [start:list_users]
# A total order: name, then the primary key among users of the same name.
USER_ORDER = (SortKey(User.name), SortKey(User.id))


@router.get(
    "/users",
    response_model=UserPage,
    responses={400: {"model": ErrorDetail, "description": "Invalid cursor"}},
)
async def list_users(
    session: DbSession,
    secret: Annotated[bytes, Depends(cursor_secret)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> KeysetPage[User]:
    try:
        return await keyset_page(
            session, select(User), USER_ORDER, limit, cursor, secret
        )
    except InvalidCursor as exc:
        # The client's mistake, not the server's: 400, and it starts without a cursor.
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


# --8<-- [end:list_users]


@router.get("/users/{user_id}", response_model=UserRead, responses=NOT_FOUND)
async def read_user(user_id: UserId, session: DbSession) -> User:
    return await get_user_or_404(session, user_id)


@router.patch(
    "/users/{user_id}", response_model=UserRead, responses={**NOT_FOUND, **BAD_BODY}
)
async def update_user(user_id: UserId, body: UserUpdate, session: DbSession) -> User:
    # One statement, not a read and then a write: a DELETE that commits in between
    # would leave the write no row to change (StaleDataError: a 500).
    renamed = update(User).where(User.id == user_id).values(name=body.name)
    user: User | None = await session.scalar(renamed.returning(User))
    if user is None:
        raise user_not_found(user_id)
    await session.commit()
    return user


@router.delete(
    "/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def delete_user(user_id: UserId, session: DbSession) -> None:
    # One statement too: of two DELETEs of one user, one finds no row and answers 404.
    # The database's ON DELETE CASCADE removes the user's posts and comments.
    deleted = await session.scalar(
        delete(User).where(User.id == user_id).returning(User.id)
    )
    if deleted is None:
        raise user_not_found(user_id)
    await session.commit()


# --8<-- [end:routes]


# --8<-- [start:health]
@router.get(
    "/health",
    responses={503: {"model": dict[str, str], "description": "Database unusable"}},
)
async def health(request: Request, response: Response) -> dict[str, str]:
    """Readiness: can this process get a connection and run a query right now?"""
    engine: AsyncEngine = request.app.state.engine
    try:
        # A load balancer waits for this answer; a hung server must not hang the check.
        async with asyncio.timeout(5), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    # OSError covers refused connections and asyncio's TimeoutError; SQLAlchemyError
    # covers driver errors and a full pool (sqlalchemy.exc.TimeoutError); SQLAlchemy 2.0
    # lets the server's refusals at connect out as asyncpg's own PostgresError.
    except (OSError, SQLAlchemyError, asyncpg.PostgresError) as exc:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return {"status": "unavailable", "database": type(exc).__name__}
    return {"status": "ok", "database": engine.dialect.name}


@router.get("/health/pool")
async def pool_health(request: Request) -> dict[str, int]:
    """This process's pool, for dashboards and for spotting sessions left open."""
    return pool_numbers(request.app.state.engine)


# --8<-- [end:health]


# --8<-- [start:overload]
async def pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    # Every connection stayed busy for pool_timeout seconds: the process is overloaded.
    # 503 with Retry-After tells clients and load balancers to retry, not to give up.
    return JSONResponse(
        {"detail": "database busy, retry shortly"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": "1"},
    )


# --8<-- [end:overload]


# --8<-- [start:app]
app = create_app()


def develop(argv: Sequence[str] = ()) -> None:
    """`python -m snippets.app`: ./app.db, its tables made by the migrations."""
    # What .env sets wins, as it does for Settings; the defaults fill only the rest.
    load_dotenv(".env")
    os.environ.setdefault("DATABASE_URL", "sqlite:///./app.db")
    os.environ.setdefault("DB_MIGRATE_ON_STARTUP", "true")
    # One process, so a random key loses nothing but cursors from before a restart.
    os.environ.setdefault("CURSOR_SECRET", secrets.token_urlsafe(32))
    # This module by its own name, not a fixed one: a renamed copy still starts.
    uvicorn.main([f"{__spec__.name}:app", *argv])


if __name__ == "__main__":
    develop(sys.argv[1:])
# --8<-- [end:app]
# --8<-- [end:whole_file]
