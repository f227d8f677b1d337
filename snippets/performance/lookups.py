"""Primary-key lookups, one after another on one connection, four ways."""

from __future__ import annotations

# --8<-- [start:lookups]
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.database import create_session_factory
from snippets.models import User
from snippets.performance.bulk import driver

COLUMNS = [User.id, User.email, User.name, User.created_at, User.updated_at]


# Each function sums the ids it read, so the harness can check they all read the same
# rows; sum() takes a list because an `await` inside a generator makes it asynchronous.
async def asyncpg_prepared(engine: AsyncEngine, ids: Sequence[int]) -> int:
    async with engine.connect() as conn:
        statement = await (await driver(conn)).prepare(
            "SELECT id, email, name, created_at, updated_at FROM users WHERE id = $1"
        )
        return sum([(await statement.fetchrow(id_))["id"] for id_ in ids])


async def core_select(engine: AsyncEngine, ids: Sequence[int]) -> int:
    query = select(*COLUMNS).where(User.id == bindparam("id"))
    async with engine.connect() as conn:
        return sum([(await conn.execute(query, {"id": id_})).one().id for id_ in ids])


async def orm_get(engine: AsyncEngine, ids: Sequence[int]) -> int:
    async with create_session_factory(engine)() as session:
        return sum([(await session.get_one(User, id_)).id for id_ in ids])


async def orm_select(engine: AsyncEngine, ids: Sequence[int]) -> int:
    async with create_session_factory(engine)() as session:
        return sum(
            [
                (await session.scalars(select(User).where(User.id == id_))).one().id
                for id_ in ids
            ]
        )


# --8<-- [end:lookups]
