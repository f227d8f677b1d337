"""Bad input at the edge: bounds that mirror the columns, and answers for what gets
past them, so that no bad input is ever a 500."""

# --8<-- [start:bounds]
import json
import logging
import math
from collections.abc import Callable
from typing import Annotated, Any, cast

from fastapi import FastAPI, Path, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.routing import Match

from snippets.database import driver_error, sqlstate

# Each bound mirrors a column, so what PostgreSQL would refuse is a 422 on every
# backend (SQLite would store it, or fail differently).
# INTEGER holds 32 bits on PostgreSQL: no row has a larger id.
INT32_MAX = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=INT32_MAX)]
# PostgreSQL text cannot hold NUL (U+0000). Lengths: max_length=, the VARCHAR's.
NO_NUL = r"^[^\x00]*$"
# Something@something, without ASCII or Latin-1 control characters or spaces. Ranges,
# not \s: pydantic's regex engine and the schema's readers disagree on what \s matches.
EMAIL = r"^[^@\x00-\x20\x7f-\xa0]+@[^@\x00-\x20\x7f-\xa0]+$"
# --8<-- [end:bounds]


# --8<-- [start:handlers]
logger = logging.getLogger(__name__)


async def invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's own 422 answer, able to quote anything a client sent."""
    errors = cast(RequestValidationError, exc).errors()
    # The errors quote the rejected input. FastAPI's default handler cannot write three
    # kinds of it, and answers 500: bytes that are not UTF-8 (a body sent with no JSON
    # content type), a lone surrogate ("\ud800" is valid JSON but no UTF-8 text), and
    # NaN or Infinity (Python's json reads them, JSON has no such numbers).
    quotable: dict[Any, Callable[[Any], Any]] = {
        bytes: replace_undecodable,
        float: finite_or_text,
    }
    detail = jsonable_encoder(errors, custom_encoder=quotable)
    body = json.dumps({"detail": detail}, ensure_ascii=True, allow_nan=False)
    return Response(
        body, status.HTTP_422_UNPROCESSABLE_CONTENT, media_type="application/json"
    )


def replace_undecodable(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def finite_or_text(number: float) -> float | str:
    return number if math.isfinite(number) else str(number)


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    """405 with an Allow header that names every method the path takes."""
    # One function per method makes one route per method, and FastAPI's 405 names
    # only the methods of the first route whose path matched. Ask every route instead.
    allowed = [
        method
        for method in ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.routes
        )
    ]
    return JSONResponse(
        {"detail": "Method Not Allowed"},
        status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": ", ".join(allowed)},
    )


async def database_refused(request: Request, exc: Exception) -> Response:
    """A database error the client can act on: a 400 to fix, or a 503 to retry."""
    code = sqlstate(exc) or ""
    # The driver's message quotes values and SQL: for the log, not the client.
    logger.warning("%s %s: %s", request.method, request.url.path, driver_error(exc))
    # SQLSTATE class 22, "data exception": too long, out of range, a NUL byte; asyncpg
    # refuses some values before the query runs (an int beyond 32 bits), as ValueErrors.
    if code.startswith("22") or isinstance(driver_error(exc), ValueError):
        return JSONResponse(
            {"detail": "a value in this request does not fit its database column"},
            status.HTTP_400_BAD_REQUEST,
        )
    # Class 40: a deadlock or a serialization failure with a concurrent request. The
    # server rolled this one back; the same request again is likely to pass.
    if code.startswith("40"):
        return JSONResponse(
            {"detail": "conflict with a concurrent request, retry shortly"},
            status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )
    raise exc  # any other database error is the server's: a 500, as before


def answer_bad_input(app: FastAPI) -> None:
    """Install the three handlers above on `app`."""
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)
    app.add_exception_handler(DBAPIError, database_refused)


# --8<-- [end:handlers]
