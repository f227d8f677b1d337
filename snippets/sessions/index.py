"""What a session sends to end its transaction: the log of docs/sessions/index.md."""

# --8<-- [start:log_transactions]
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def log_transactions(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements the engine sends inside the block, BEGIN, COMMIT and ROLLBACK
    included: log_sql sees only statements run through a cursor, and these are not."""
    sent: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        sent.append(" ".join(sql.split()))  # one line per statement

    listeners: dict[str, Any] = {
        "begin": lambda _conn: sent.append("BEGIN"),
        "before_cursor_execute": statement,
        "commit": lambda _conn: sent.append("COMMIT"),
        "rollback": lambda _conn: sent.append("ROLLBACK"),
    }
    for name, listener in listeners.items():
        event.listen(engine.sync_engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners.items():
            event.remove(engine.sync_engine, name, listener)


# --8<-- [end:log_transactions]


# --8<-- [start:testclient]
import warnings  # noqa: E402

from starlette.exceptions import StarletteDeprecationWarning  # noqa: E402

with warnings.catch_warnings():
    # Starlette 1.10 warns when it finds httpx and not httpx2, the client it now
    # prefers; with httpx2 installed, this block is not needed.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient as TestClient
# --8<-- [end:testclient]
