"""The benchmarked patterns: each gives the right answer, with the statement counts the
page states (deterministic, unlike the times)."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm.strategies import _SelectInLoader

from snippets.models import Post, User
from snippets.performance import bulk, loading, lookups, pagination
from tests.performance.bench.harness import count_statements, empty_tables, rows_for

POSTGRES = pytest.mark.parametrize("backend", ["postgres"])

ROWS = 2_500
PAGE = PGDialect_asyncpg.insertmanyvalues_page_size  # rows per multi-row INSERT


async def user_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(User)) or 0)


@POSTGRES
@pytest.mark.parametrize(
    ("function", "rows", "statements"),
    [
        (bulk.orm_commit_per_row, 50, 50),  # one INSERT per row
        (bulk.orm_add_all, ROWS, math.ceil(ROWS / PAGE)),  # RETURNING, in batches
        (bulk.core_insert, ROWS, 1),  # one executemany
        (bulk.core_insert_returning, ROWS, math.ceil(ROWS / PAGE)),
        (bulk.asyncpg_executemany, ROWS, 0),  # past SQLAlchemy: nothing to count
        (bulk.asyncpg_copy, ROWS, 0),
    ],
)
async def test_each_bulk_insert_stores_every_row(
    engine: AsyncEngine, function: object, rows: int, statements: int
) -> None:
    assert callable(function)
    data = rows_for(rows)
    assert await count_statements(engine, lambda: function(engine, data)) == statements
    assert await user_count(engine) == rows
    await empty_tables(engine)
    assert await user_count(engine) == 0


@POSTGRES
async def test_returning_gives_one_id_per_row(engine: AsyncEngine) -> None:
    ids = await bulk.core_insert_returning(engine, rows_for(1_500))
    assert len(set(ids)) == 1_500


@POSTGRES
@pytest.mark.parametrize(
    "function",
    [
        lookups.asyncpg_prepared,
        lookups.core_select,
        lookups.orm_get,
        lookups.orm_select,
    ],
)
async def test_each_lookup_reads_every_id(
    engine: AsyncEngine, function: object
) -> None:
    assert callable(function)
    ids = await bulk.core_insert_returning(engine, rows_for(300))
    assert await function(engine, ids[::-1]) == sum(ids)


PARENTS, CHILDREN = 600, 2


@pytest.fixture
async def authors(engine: AsyncEngine) -> AsyncEngine:
    ids = await bulk.core_insert_returning(engine, rows_for(PARENTS))
    async with engine.begin() as conn:
        await conn.execute(
            insert(Post),
            [
                {"author_id": i, "title": f"{i}-{c}"}
                for i in ids
                for c in range(CHILDREN)
            ],
        )
    return engine


@pytest.mark.parametrize(
    ("function", "statements"),
    [
        (loading.n_plus_one, PARENTS + 1),
        (loading.selectin, 1 + math.ceil(PARENTS / _SelectInLoader._chunksize)),
        (loading.joined, 1),
        (loading.subquery, 2),
        (loading.core_join, 1),
    ],
)
async def test_each_loader_returns_the_same_pairs(
    authors: AsyncEngine, function: object, statements: int
) -> None:
    assert callable(function)
    pairs = await loading.core_join(authors)
    assert len(pairs) == PARENTS * CHILDREN
    got: list[loading.Pairs] = []

    async def run() -> None:
        got.append(await function(authors))

    assert await count_statements(authors, run) == statements
    assert got == [pairs]


@POSTGRES
async def test_the_asyncpg_join_returns_the_same_pairs(authors: AsyncEngine) -> None:
    # Past SQLAlchemy, so nothing to count; asyncpg only exists on PostgreSQL.
    assert await loading.asyncpg_join(authors) == await loading.core_join(authors)


async def test_keyset_pages_are_the_offset_pages(engine: AsyncEngine) -> None:
    await bulk.core_insert(engine, rows_for(230))
    after = None
    for page in range(1, 6):
        keyset = await pagination.keyset_page(engine, after, 50)
        assert keyset == await pagination.offset_page(engine, page, 50)
        after = keyset[-1] if keyset else None
    assert len(keyset) == 30  # the last page is partial
