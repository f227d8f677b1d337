"""Six ways to insert many rows, from one ORM commit per row to asyncpg's COPY."""

from __future__ import annotations

# --8<-- [start:orm]
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from snippets.database import create_session_factory
from snippets.models import User

Row = tuple[str, str]  # (email, name)


async def driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy connection, in its transaction."""
    return (await conn.get_raw_connection()).driver_connection


async def orm_commit_per_row(engine: AsyncEngine, rows: Sequence[Row]) -> None:
    async with create_session_factory(engine)() as session:
        for email, name in rows:
            session.add(User(email=email, name=name))
            await session.commit()  # BEGIN, INSERT, COMMIT: three round trips a row


async def orm_add_all(engine: AsyncEngine, rows: Sequence[Row]) -> None:
    async with create_session_factory(engine).begin() as session:
        session.add_all(User(email=email, name=name) for email, name in rows)


# --8<-- [end:orm]


# --8<-- [start:core]
async def core_insert(engine: AsyncEngine, rows: Sequence[Row]) -> None:
    params = [{"email": email, "name": name} for email, name in rows]
    async with engine.begin() as conn:
        await conn.execute(insert(User), params)  # a list: one executemany


async def core_insert_returning(engine: AsyncEngine, rows: Sequence[Row]) -> list[int]:
    params = [{"email": email, "name": name} for email, name in rows]
    async with engine.begin() as conn:
        result = await conn.execute(insert(User).returning(User.id), params)
        return list(result.scalars())


# --8<-- [end:core]


# --8<-- [start:asyncpg]
async def asyncpg_executemany(engine: AsyncEngine, rows: Sequence[Row]) -> None:
    async with engine.begin() as conn:
        await (await driver(conn)).executemany(
            "INSERT INTO users (email, name) VALUES ($1, $2)", rows
        )


async def asyncpg_copy(engine: AsyncEngine, rows: Sequence[Row]) -> None:
    async with engine.begin() as conn:
        await (await driver(conn)).copy_records_to_table(
            "users", records=rows, columns=["email", "name"]
        )


# --8<-- [end:asyncpg]
