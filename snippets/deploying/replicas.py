"""Read replicas and failover: the code docs/deploying/replicas.md shows."""

from __future__ import annotations

# --8<-- [start:read_engine]
import asyncio
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from pydantic import BaseModel
from sqlalchemy import Connection, event, text, update
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from snippets.app import DbSession, get_user_or_404, user_not_found
from snippets.database import close_db, create_engine, create_session_factory
from snippets.models import User
from snippets.schemas import UserRead
from snippets.settings import AsyncDatabaseURL, Settings
from snippets.setup.validation import UserId

logger = logging.getLogger(__name__)
replica_routes = APIRouter(prefix="/replica")


class ReplicaSettings(Settings):
    # Unset, reads go to the primary as well: one server in development.
    database_replica_url: AsyncDatabaseURL | None = None


def add_replica(app: FastAPI, settings: ReplicaSettings | None = None) -> FastAPI:
    """`app` with a session factory on the replica, and the routes that use it."""
    app_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or ReplicaSettings()
        replica_url = config.database_replica_url or config.database_url
        engine = create_engine(config.model_copy(update={"database_url": replica_url}))
        # READ ONLY transactions: a write sent here fails in development too, where
        # the "replica" is the primary, with the error a real replica gives.
        app.state.read_engine = engine.execution_options(postgresql_readonly=True)
        app.state.read_session_factory = create_session_factory(app.state.read_engine)
        try:
            async with app_lifespan(app):
                # get_db's sessions note the WAL position of each commit (below).
                app.state.session_factory.configure(sync_session_class=NotingSession)
                # Reads the replica is too far behind for go to the primary, READ ONLY
                # as well: a read route that writes fails whichever server answers.
                primary: AsyncEngine = app.state.engine
                app.state.fallback_session_factory = create_session_factory(
                    primary.execution_options(postgresql_readonly=True)
                )
                yield
        finally:
            await close_db(engine)

    app.router.lifespan_context = lifespan
    app.middleware("http")(remember_writes)
    app.include_router(replica_routes)
    return app


# --8<-- [end:read_engine]


# --8<-- [start:note_commits]
# The WAL positions the current request's commits reached on the primary (a number;
# asyncpg reads pg_lsn as int). remember_writes gives each request a list of its own.
commits_of_request: ContextVar[list[int]] = ContextVar("commits_of_request")
# The insert position, not pg_current_wal_lsn(): with synchronous_commit=off a commit
# returns before its WAL is written, behind the write position.
WAL_INSERT_LSN = "SELECT pg_current_wal_insert_lsn()"


class NotingSession(Session):
    """A session that notes the primary's WAL position right after each commit."""


@event.listens_for(NotingSession, "after_begin")
def keep_connection(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    session.info["connection"] = connection


@event.listens_for(NotingSession, "after_commit")
def note_commit(session: Session) -> None:
    # On the connection that committed, before it goes back to the pool: no second
    # checkout to wait for once the write is stored.
    noted = commits_of_request.get(None)
    connection: Connection | None = session.info.get("connection")
    if noted is None or connection is None or connection.closed:
        return
    driver = connection.connection.dbapi_connection
    if not isinstance(driver, AdaptedConnection):
        return
    try:
        # asyncpg's own fetchval, outside a transaction: one round trip, where
        # connection.scalar() would send BEGIN and ROLLBACK around it.
        noted.append(driver.run_async(lambda conn: conn.fetchval(WAL_INSERT_LSN)))
    except Exception as exc:
        # Whatever fails, the write is stored: it answers as it would, only without
        # the cookie, so that a client does not retry (and repeat) a write that
        # succeeded.
        logger.warning("no read-your-writes cookie for this commit: %s", exc)


# --8<-- [end:note_commits]


# --8<-- [start:remember_writes]
LSN_COOKIE = "last_write_lsn"


async def remember_writes(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """A request that committed: the cookie to read its write back."""
    noted: list[int] = []
    reset = commits_of_request.set(noted)
    try:
        response = await call_next(request)
    finally:
        commits_of_request.reset(reset)
    if noted and response.status_code < 400:
        key: bytes = request.app.state.cursor_secret
        lsn = str(noted[-1])
        cookie = f"{lsn}.{signature(lsn, key)}"
        # Not `secure`: the position is no secret and cannot be forged (signed), and a
        # development server on plain HTTP would never get it back.
        response.set_cookie(LSN_COOKIE, cookie, max_age=60, httponly=True)
    return response


def signature(lsn: str, key: bytes) -> str:
    # Signed: a made-up LSN far ahead would make every read wait, then use the primary.
    return hmac.new(key, f"{LSN_COOKIE}={lsn}".encode(), hashlib.sha256).hexdigest()


def cookie_lsn(cookie: str, key: bytes) -> int | None:
    """The LSN in a cookie this app signed; None for anything else."""
    lsn, _, signed = cookie.partition(".")
    if hmac.compare_digest(signed.encode(), signature(lsn, key).encode()):
        return int(lsn)
    return None


# --8<-- [end:remember_writes]


# --8<-- [start:get_read_db]
REPLAY_WAIT = 0.5  # seconds a read waits for the replica before it reads on the primary


async def get_read_db(request: Request) -> AsyncIterator[AsyncSession]:
    state = request.app.state
    lsn = cookie_lsn(request.cookies.get(LSN_COOKIE, ""), state.cursor_secret)
    read_engine: AsyncEngine = state.read_engine
    async with read_engine.connect() as conn:
        if lsn is None or await has_replayed(conn, lsn, within=REPLAY_WAIT):
            # The route reads on this connection, the server that was checked (a pool
            # may hold connections to several). Under READ COMMITTED, in the waiting
            # transaction, which a transaction pooler keeps on its server; above it,
            # in a new one: the waiting one's snapshot may predate the write.
            if lsn is not None and await conn.get_isolation_level() != "READ COMMITTED":
                await conn.rollback()
            async with state.read_session_factory(bind=conn) as session:
                yield session
            return
    logger.warning(
        "the replica has not replayed LSN %s within %s s: reading on the primary",
        lsn,
        REPLAY_WAIT,
    )
    async with state.fallback_session_factory() as session:
        yield session


async def has_replayed(conn: AsyncConnection, lsn: int, *, within: float) -> bool:
    """Whether the server behind `conn` reaches `lsn` within `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        row = (
            await conn.execute(
                text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()")
            )
        ).one()
        # A primary (development, or a replica that was down) has every write; a
        # standby that has replayed nothing yet answers NULL.
        if not row[0] or (row[1] is not None and row[1] >= lsn):
            return True
        if asyncio.get_running_loop().time() >= deadline:
            return False
        await asyncio.sleep(0.02)


ReadSession = Annotated[AsyncSession, Depends(get_read_db, scope="function")]


# --8<-- [end:get_read_db]


# --8<-- [start:routes]
class Rename(BaseModel):
    name: str


@replica_routes.get("/users/{user_id}", response_model=UserRead)
async def read_user(user_id: UserId, session: ReadSession) -> User:
    return await get_user_or_404(session, user_id)


@replica_routes.patch("/users/{user_id}", response_model=UserRead)
async def rename_user(user_id: UserId, body: Rename, session: DbSession) -> User:
    user: User | None = await session.scalar(
        update(User).where(User.id == user_id).values(name=body.name).returning(User)
    )
    if user is None:
        raise user_not_found(user_id)
    await session.commit()
    # The answer comes from the primary, the session that wrote: never from a replica.
    return user


# --8<-- [end:routes]
