"""Claims on docs/queries/pagination.md, with more rows than a page."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from snippets.models import User
from snippets.queries.pagination import paginate
from snippets.sample import sample_db
from snippets.settings import Settings

EXTRA = 25  # with the sample's 3 users: 28 rows, three pages of 10


async def test_the_total_counts_every_row_not_the_page(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        session.add_all(
            User(email=f"user{n}@example.com", name=f"User {n}") for n in range(EXTRA)
        )
        await session.commit()
        by_name = select(User.name).order_by(User.name, User.id)
        pages = [await paginate(session, by_name, page, 10) for page in (1, 2, 3, 4)]
        everyone = (await session.scalars(by_name)).all()
    assert [page.total for page in pages] == [3 + EXTRA] * 4
    assert [len(page.items) for page in pages] == [10, 10, 8, 0]
    assert [name for page in pages for name in page.items] == everyone


async def test_a_limit_already_on_the_query_does_not_shrink_the_total(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        page = await paginate(session, select(User.id).limit(1).offset(1), 1, 2)
    assert (page.total, len(page.items)) == (3, 2)


def test_sqlite_writes_offset_zero_after_every_limit() -> None:
    keyset = select(User.name).where(User.id > 2).order_by(User.id).limit(2)
    lite = keyset.compile(dialect=sqlite.dialect())
    pg = keyset.compile(dialect=postgresql.dialect())
    # The SQLite dialect adds OFFSET bound to 0; the PostgreSQL dialect adds nothing.
    assert str(lite).endswith("LIMIT ? OFFSET ?")
    assert list(lite.params.values())[-2:] == [2, 0]
    assert "OFFSET" not in str(pg)


@pytest.mark.parametrize(("page", "size"), [(0, 10), (1, 0), (-1, 5)])
async def test_pages_and_sizes_below_one_are_refused_before_any_query(
    settings: Settings, page: int, size: int
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        with pytest.raises(ValueError, match="page and size start at 1"):
            await paginate(session, select(User.id), page, size)
