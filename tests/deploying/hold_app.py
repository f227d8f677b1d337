"""The reference app, with the refusal handler docs/deploying/processes.md adds, and routes
that hold their connection, to load the pools on purpose and to be cut by a shutdown.

Served by real uvicorn and gunicorn processes in tests/deploying/test_processes.py.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from snippets.app import DbSession, create_app
from snippets.deploying.server_full import answer_server_full

app = create_app()
answer_server_full(app)


@app.get("/hold")
async def hold(session: DbSession, seconds: float = 1.0) -> dict[str, int]:
    # pg_sleep keeps the session's connection checked out, as a slow query would.
    await session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
    return {"pid": int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)}


@app.post("/marks")
async def add_mark(session: DbSession, seconds: float = 1.0) -> dict[str, str]:
    # A write that is still uncommitted while the statement after it runs.
    await session.execute(text("INSERT INTO marks DEFAULT VALUES"))
    await session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
    await session.commit()
    return {"status": "committed"}


@app.post("/marks/then-wait")
async def add_mark_then_wait(session: DbSession, seconds: float = 1.0) -> None:
    # Committed first, then slow: work after the commit, such as calling another service.
    await session.execute(text("INSERT INTO marks DEFAULT VALUES"))
    await session.commit()
    await asyncio.sleep(seconds)
