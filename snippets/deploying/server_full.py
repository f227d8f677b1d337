"""A refused connection answered like a full pool: 503 with Retry-After, not a 500."""

# --8<-- [start:server_full]
import logging

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError

from snippets.app import pool_exhausted
from snippets.database import driver_error, sqlstate

logger = logging.getLogger(__name__)
TOO_MANY_CONNECTIONS = "53300"  # the SQLSTATE of every refusal of a new connection


def answer_server_full(app: FastAPI) -> None:
    """503 with Retry-After when the server refuses a connection, as for a full pool."""

    async def server_full(request: Request, exc: Exception) -> Response:
        if sqlstate(exc) != TOO_MANY_CONNECTIONS:
            raise exc  # any other database error stays a 500
        # One line, not a traceback per request: the server's message says which limit.
        refusal = driver_error(exc)
        logger.warning("%s: %s", type(refusal).__name__, refusal)
        return await pool_exhausted(request, exc)

    app.add_exception_handler(DBAPIError, server_full)  # SQLAlchemy 2.1 wraps it
    app.add_exception_handler(asyncpg.TooManyConnectionsError, server_full)  # 2.0


# --8<-- [end:server_full]
