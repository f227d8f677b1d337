"""Observability: the code docs/deploying/observability.md shows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.models import User


# --8<-- [start:observability]
async def names_in_order(session: AsyncSession) -> list[str]:
    # ORDER BY makes the result the same on every backend and every run.
    return list(await session.scalars(select(User.name).order_by(User.name)))


# --8<-- [end:observability]
