"""Behaviour that differs between SQLite and PostgreSQL and bites tests, each a probe.

tests/testing/test_differences.py runs every probe on both backends and compares the
results with the table in docs/testing/index.md.
"""

# --8<-- [start:probes]
from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from snippets.database import driver_error

Probe = Callable[[AsyncConnection], Awaitable[str]]

metadata = MetaData()
items = Table(
    "probe_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(5), unique=True),
    Column("amount", Integer),
    Column("at", DateTime(timezone=True)),
)


async def failure(
    conn: AsyncConnection, statement: str, *, message: bool = False
) -> str:
    """The statement's outcome: 'accepted', or the driver's error class (or message)."""
    savepoint = await conn.begin_nested()
    try:
        await conn.execute(text(statement))
    except DBAPIError as exc:
        await savepoint.rollback()
        if message:
            # asyncpg's messages start with "<class '...'>: "; SQLite's do not.
            return re.sub(r"^<class '[\w.]+'>: ", "", str(exc.orig).splitlines()[0])
        return f"error: {type(driver_error(exc)).__name__}"
    await savepoint.commit()
    return "accepted"


async def like_is_case_sensitive(conn: AsyncConnection) -> str:
    matched = await conn.scalar(text("SELECT 'Alice' LIKE 'a%'"))
    return "no: 'Alice' LIKE 'a%' is true" if matched else "yes"


async def nulls_sort(conn: AsyncConnection) -> str:
    rows = await conn.scalars(text("SELECT 1 AS v UNION ALL SELECT NULL ORDER BY v"))
    return "first" if rows.first() is None else "last"


async def varchar_length_is_enforced(conn: AsyncConnection) -> str:
    return await failure(conn, "INSERT INTO probe_items (code) VALUES ('too long')")


async def integer_column_takes_text(conn: AsyncConnection) -> str:
    return await failure(conn, "INSERT INTO probe_items (amount) VALUES ('abc')")


async def aware_datetime_round_trip(conn: AsyncConnection) -> str:
    noon_in_paris = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    await conn.execute(items.insert().values(code="tz", at=noon_in_paris))
    result = await conn.execute(select(items.c.at).where(items.c.code == "tz"))
    stored: datetime = result.scalar_one()
    return stored.isoformat()


async def unique_violation_message(conn: AsyncConnection) -> str:
    duplicate = "INSERT INTO probe_items (code) VALUES ('dup')"
    await conn.execute(text(duplicate))
    return await failure(conn, duplicate, message=True)


async def on_conflict_do_nothing(conn: AsyncConnection) -> str:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(items).values(code="same").on_conflict_do_nothing()
    await conn.execute(statement)
    result = await conn.execute(statement)
    return f"supported; the second insert adds {result.rowcount} rows"


async def insert_returning(conn: AsyncConnection) -> str:
    new_id = await conn.scalar(items.insert().values(code="ret").returning(items.c.id))
    return "supported" if new_id else "unsupported"


# --8<-- [end:probes]


async def ddl_is_rolled_back(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        await conn.begin()
        await conn.execute(text("CREATE TABLE probe_ddl (id INTEGER)"))
        await conn.rollback()
    async with engine.connect() as conn:
        exists = await conn.run_sync(
            lambda sync: sync.dialect.has_table(sync, "probe_ddl")
        )
    return "no, the table stays" if exists else "yes"


async def foreign_keys_enforced(engine: AsyncEngine) -> str:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE probe_parent (id INTEGER PRIMARY KEY)"))
        await conn.execute(
            text(
                "CREATE TABLE probe_child (id INTEGER PRIMARY KEY,"
                " parent_id INTEGER REFERENCES probe_parent (id))"
            )
        )
        return await failure(
            conn, "INSERT INTO probe_child (id, parent_id) VALUES (1, 99)"
        )


# The labels are the first column of the table on the page.
CONNECTION_PROBES: dict[str, Probe] = {
    "`LIKE` is case-sensitive": like_is_case_sensitive,
    "`NULL` sorts, ascending": nulls_sort,
    "`'too long'` into `String(5)`": varchar_length_is_enforced,
    "`'abc'` into `Integer`": integer_column_takes_text,
    "12:00+02:00 into `DateTime(timezone=True)`": aware_datetime_round_trip,
    "a duplicate in a unique column": unique_violation_message,
    "`ON CONFLICT DO NOTHING`": on_conflict_do_nothing,
    "`INSERT ... RETURNING`": insert_returning,
}
ENGINE_PROBES = {
    "a foreign key, no `PRAGMA foreign_keys`": foreign_keys_enforced,
    "`CREATE TABLE` undone by a rollback": ddl_is_rolled_back,
}


async def observe(url: str) -> dict[str, str]:
    """Every probe's result on a plain engine for `url`, in the page's order."""
    engine = create_async_engine(url)
    results = {}
    async with engine.connect() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.commit()
        for label, probe in CONNECTION_PROBES.items():
            results[label] = await probe(conn)
            await conn.rollback()
    for label, engine_probe in ENGINE_PROBES.items():
        results[label] = await engine_probe(engine)
    await engine.dispose()
    return results
