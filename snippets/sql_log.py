"""Capture the SQL an engine sends: to show it next to a result, and to count it."""

# --8<-- [start:log_sql]
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def log_sql(engine: AsyncEngine) -> Iterator[list[str]]:
    """Collect the SQL the engine sends inside the block, as the server receives it."""
    statements: list[str] = []

    def collect(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # SQLAlchemy ends lines with a space; strip it so the SQL prints cleanly.
        statements.append("\n".join(line.rstrip() for line in statement.splitlines()))

    event.listen(engine.sync_engine, "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", collect)


# --8<-- [end:log_sql]
