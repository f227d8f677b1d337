"""A refused connection answered like a full pool: 503 with Retry-After, not a 500."""

# --8<-- [start:server_full]
import logging
from collections.abc import Awaitable, Callable
from typing import cast

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError

from snippets.app import pool_exhausted
from snippets.database import driver_error, sqlstate

logger = logging.getLogger(__name__)
Handler = Callable[[Request, Exception], Awaitable[Response]]
# The SQLSTATE of a refused connection when no slot is left: max_connections, the
# reserved slots, a role's CONNECTION LIMIT.
TOO_MANY_CONNECTIONS = "53300"


def answer_server_full(app: FastAPI) -> None:
    """503 with Retry-After when the server has no connection slot left, as for a full
    pool. Other database errors go to the handler the app had (the reference app's
    answers bad values with 400 and conflicts with 503), else stay a 500."""
    previous = cast(Handler | None, app.exception_handlers.get(DBAPIError))

    async def server_full(request: Request, exc: Exception) -> Response:
        if sqlstate(exc) != TOO_MANY_CONNECTIONS:
            if previous is None:
                raise exc
            return await previous(request, exc)
        # One line, not a traceback per request: the server's message says which limit.
        refusal = driver_error(exc)
        logger.warning("%s: %s", type(refusal).__name__, refusal)
        return await pool_exhausted(request, exc)

    app.add_exception_handler(DBAPIError, server_full)  # SQLAlchemy 2.1 wraps it
    app.add_exception_handler(asyncpg.TooManyConnectionsError, server_full)  # 2.0


# --8<-- [end:server_full]
