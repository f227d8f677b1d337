"""One page of users ordered by (name, id): by offset, and after a cursor (keyset)."""

from __future__ import annotations

# --8<-- [start:pages]
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.models import User

Key = tuple[str, int]  # (name, id): the ordering, and the keyset cursor


async def offset_page(engine: AsyncEngine, page: int, size: int) -> list[Key]:
    query = (
        select(User.name, User.id)
        .order_by(User.name, User.id)
        .offset((page - 1) * size)
        .limit(size)
    )
    async with engine.connect() as conn:
        return [(name, id_) for name, id_ in await conn.execute(query)]


async def keyset_page(engine: AsyncEngine, after: Key | None, size: int) -> list[Key]:
    query = select(User.name, User.id).order_by(User.name, User.id).limit(size)
    if after is not None:
        # Served by the index on (name, id): the server starts reading at the cursor.
        query = query.where(tuple_(User.name, User.id) > tuple_(*after))
    async with engine.connect() as conn:
        return [(name, id_) for name, id_ in await conn.execute(query)]


# --8<-- [end:pages]
