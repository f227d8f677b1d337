"""Time limits for one transaction: a helper, a FastAPI dependency and a route using it.

`uvicorn snippets.sessions.timeouts:app` serves the reference app with the route below.
"""

# --8<-- [start:limit]
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, status
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.app import DbSession, create_app
from snippets.database import sqlstate

# SET LOCAL takes no bind parameters; set_config(name, value, true) is the same
# setting, local to the transaction, with the values passed as parameters.
LIMIT = text(
    "SELECT set_config('statement_timeout', :statement, true),"
    " set_config('lock_timeout', :lock, true)"
)


async def limit_transaction(
    session: AsyncSession, *, statement: str = "200ms", lock: str = "100ms"
) -> None:
    """Limits for the session's transaction (begun if none is); they end with it."""
    await session.execute(LIMIT, {"statement": statement, "lock": lock})


# --8<-- [end:limit]


# --8<-- [start:dependency]
# SQLSTATEs of `canceling statement due to statement timeout` and `... lock timeout`;
# they also cover a cancel by pg_cancel_backend() and FOR UPDATE NOWAIT on a locked row,
# for which a 503 (try again) fits as well.
TIMED_OUT = {"57014", "55P03"}


async def get_limited_db(session: DbSession) -> AsyncIterator[AsyncSession]:
    """get_db's session, its first transaction limited; a timeout answers 503."""
    await limit_transaction(session)
    try:
        yield session
    except DBAPIError as exc:
        if sqlstate(exc) in TIMED_OUT:
            # get_db, which this dependency wraps, still rolls the transaction back.
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, "the database took too long"
            ) from exc
        raise


LimitedDb = Annotated[AsyncSession, Depends(get_limited_db, scope="function")]
# --8<-- [end:dependency]


# --8<-- [start:route]
app = create_app()


@app.get("/report")
async def report(session: LimitedDb, seconds: float = 0) -> dict[str, str | None]:
    await session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
    timeout = await session.scalar(text("SHOW statement_timeout"))
    return {"statement_timeout": timeout}


# --8<-- [end:route]
