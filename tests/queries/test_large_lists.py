"""Claims on docs/queries/large-lists.md: the parameter limits, and the ways around them."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import insert, select, text
from sqlalchemy.exc import InterfaceError, OperationalError

from snippets.database import driver_error
from snippets.models import User
from snippets.queries.large_lists import MAX_PARAMETERS, chunks
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql


def test_chunks_cover_the_items_in_order_in_slices_of_at_most_size() -> None:
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks((1, 2, 3, 4), 2)) == [(1, 2), (3, 4)]
    assert list(chunks("abc", 5)) == ["abc"]
    assert list(chunks([], 3)) == []
    items = list(range(40_000))
    batches = list(chunks(items, 10_000))
    assert [len(batch) for batch in batches] == [10_000] * 4
    assert [item for batch in batches for item in batch] == items


@pytest.mark.parametrize("size", [0, -1])
def test_chunks_refuse_a_size_below_one(size: int) -> None:
    with pytest.raises(ValueError, match=f"size must be at least 1, not {size}"):
        next(chunks([1], size))


@pytest.mark.parametrize("backend", ["postgres"])
async def test_asyncpg_takes_32767_parameters_and_refuses_32768(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        ids = list(range(1, MAX_PARAMETERS + 1))
        with log_sql(engine) as sql:
            names = (
                await session.scalars(select(User.name).where(User.id.in_(ids)))
            ).all()
        assert len(names) == 3
        assert sql[0].count("::INTEGER") == MAX_PARAMETERS
        with pytest.raises(InterfaceError) as caught:
            await session.scalars(select(User.name).where(User.id.in_([*ids, 0])))
        assert str(driver_error(caught.value)) == (
            "the number of query arguments cannot exceed 32767"
        )


async def test_insert_returning_batches_itself_below_the_limit(
    settings: Settings, backend: str
) -> None:
    rows = [{"email": f"user{n}@example.com", "name": "New"} for n in range(20_000)]
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        with log_sql(engine) as sql:
            ids = (await session.scalars(insert(User).returning(User.id), rows)).all()
        assert len(ids) == len(set(ids)) == 20_000
        if backend == "postgres":  # several multi-row statements, each below the limit
            counts = [len(re.findall(r"\$\d+", statement)) for statement in sql]
            assert len(counts) > 1
            assert max(counts) <= 32_700
            assert sum(counts) == 40_000


@pytest.mark.parametrize("backend", ["postgres"])
async def test_any_in_text_takes_a_python_list_as_one_array(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        query = text("SELECT name FROM users WHERE id = ANY(:ids) ORDER BY id")
        with log_sql(engine) as sql:
            names = (await session.scalars(query, {"ids": list(range(40_000))})).all()
        assert names == ["Ada Lovelace", "Grace Hopper", "Linus Torvalds"]
        assert sql == ["SELECT name FROM users WHERE id = ANY($1) ORDER BY id"]


async def test_escaped_colons_bind_on_postgres_and_are_refused_by_sqlite(
    settings: Settings, backend: str
) -> None:
    query = text(r"SELECT count(*) FROM users WHERE id > :after\:\:int")
    assert query.compile().params == {"after": None}
    async with sample_db() as (engine, sessions), sessions() as session:
        if backend == "sqlite":
            with pytest.raises(OperationalError) as caught:
                await session.scalar(query, {"after": 1})
            assert str(driver_error(caught.value)) == 'unrecognized token: ":"'
            return
        with log_sql(engine) as sql:
            assert await session.scalar(query, {"after": 1}) == 2
        assert sql == ["SELECT count(*) FROM users WHERE id > $1::int"]


async def test_a_date_from_the_boundary_is_what_asyncpg_expects(
    settings: Settings, backend: str
) -> None:
    query = text("SELECT count(*) FROM users WHERE created_at >= :since")
    app = FastAPI()
    async with sample_db() as (_, sessions):

        @app.get("/count")
        async def count(since: date) -> int:  # FastAPI converts the query string
            async with sessions() as session:
                found: int = await session.scalar(query, {"since": since})
            return found

        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            assert (await client.get("/count?since=2000-01-01")).json() == 3
        async with sessions() as session:
            since = date.fromisoformat("2000-01-01")
            assert await session.scalar(query, {"since": since}) == 3
