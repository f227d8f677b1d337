"""A page of results with the total a paginated API reports next to it."""

# --8<-- [start:paginate]
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int


async def paginate(
    session: AsyncSession, query: Select[T], page: int, size: int
) -> Page[T]:
    """Page `page` (from 1) of `query`, and how many rows the whole query matches.

    `query` selects one entity or one column (the page comes from session.scalars);
    load collections with selectinload, which adds no rows to the page.
    """
    if page < 1 or size < 1:
        raise ValueError(f"page and size start at 1, got page={page}, size={size}")
    # Count before LIMIT/OFFSET, or the total is the page's length. The order
    # changes no count, so the database need not sort for it.
    unpaged = query.limit(None).offset(None).order_by(None)
    total = await session.scalar(select(func.count()).select_from(unpaged.subquery()))
    items = await session.scalars(query.limit(size).offset((page - 1) * size))
    return Page(list(items), total or 0)


# --8<-- [end:paginate]
