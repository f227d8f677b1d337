"""The reference app plus one route that holds its connection, to load the pools on purpose.

Served by real uvicorn processes in tests/deploying/test_processes.py.
"""

from __future__ import annotations

from sqlalchemy import text

from snippets.app import DbSession, create_app

app = create_app()


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
