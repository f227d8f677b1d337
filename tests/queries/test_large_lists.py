"""Claims on docs/queries/large-lists.md: the parameter limits, and the ways around them."""

from __future__ import annotations

import inspect
import re
from datetime import date

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import Integer, Select, any_, bindparam, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

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
            f"the number of query arguments cannot exceed {MAX_PARAMETERS}"
        )


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_limit_counts_every_parameter_of_the_statement(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:

        def query(count: int) -> Select[tuple[str]]:  # count ids and two more values
            ids = list(range(1, count + 1))
            return select(User.name).where(
                User.id.in_(ids), User.name != "x", User.email != "y"
            )

        assert len((await session.scalars(query(MAX_PARAMETERS - 2))).all()) == 3
        with pytest.raises(InterfaceError) as caught:
            await session.scalars(query(MAX_PARAMETERS - 1))
        assert str(driver_error(caught.value)) == (
            f"the number of query arguments cannot exceed {MAX_PARAMETERS}"
        )


async def _prepared(connection: AsyncConnection, like: str) -> int:
    """Statements prepared on this connection's server session (pg_prepared_statements)."""
    query = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :s")
    found: int = await connection.scalar(query, {"s": like})
    return found


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_refused_statement_was_prepared_and_stays_prepared(
    settings: Settings, backend: str
) -> None:
    ids = list(range(1, MAX_PARAMETERS + 2))
    marker = f"%${len(ids)}::INTEGER)%"  # the last placeholder of the IN list
    async with sample_db() as (engine, _), engine.connect() as connection:
        assert await _prepared(connection, marker) == 0
        with pytest.raises(InterfaceError):
            await connection.execute(select(User.name).where(User.id.in_(ids)))
        await connection.rollback()
        assert await _prepared(connection, marker) == 1  # prepared, then never bound
        raw = await connection.get_raw_connection()
        cache = raw.dbapi_connection._prepared_statement_cache  # type: ignore[union-attr]
        assert [key for key in cache if marker.strip("%") in key] != []  # and cached


@pytest.mark.parametrize("backend", ["postgres"])
async def test_each_in_length_is_a_prepared_statement_any_is_one(
    settings: Settings, backend: str
) -> None:
    lengths = range(1, 21)
    async with sample_db() as (engine, _), engine.connect() as connection:
        raw = await connection.get_raw_connection()
        capacity = raw.dbapi_connection._prepared_statement_cache.capacity  # type: ignore[union-attr]
        default = inspect.signature(AsyncAdapt_asyncpg_connection.__init__).parameters[
            "prepared_statement_cache_size"
        ]
        assert capacity == default.default  # the dialect's default, per connection
        assert len(lengths) < capacity  # nothing evicted below
        users = "%FROM users%"  # not asyncpg's own type introspection statements
        start = await _prepared(connection, users)
        for n in lengths:
            await connection.execute(select(User.name).where(User.id.in_(range(n))))
        after_in = await _prepared(connection, users)
        assert after_in - start == len(lengths)
        in_array = any_(bindparam("ids", type_=ARRAY(Integer)))
        for n in lengths:
            await connection.execute(
                select(User.name).where(User.id == in_array), {"ids": list(range(n))}
            )
        assert await _prepared(connection, users) - after_in == 1
        for n in lengths:
            query = text("SELECT name FROM users WHERE id = ANY(:ids)")
            await connection.execute(query, {"ids": list(range(n))})
        assert await _prepared(connection, users) - after_in == 2


async def test_empty_lists_match_no_row_and_not_in_every_row(
    settings: Settings, backend: str
) -> None:
    everyone = ["Ada Lovelace", "Grace Hopper", "Linus Torvalds"]
    expanding = text("SELECT name FROM users WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    async with sample_db() as (_, sessions), sessions() as session:
        assert (
            await session.scalars(select(User.name).where(User.id.in_([])))
        ).all() == []
        assert (await session.scalars(expanding, {"ids": []})).all() == []
        not_in = select(User.name).where(User.id.not_in([])).order_by(User.id)
        assert (await session.scalars(not_in)).all() == everyone
        if backend == "postgres":
            any_text = text("SELECT name FROM users WHERE id = ANY(:ids)")
            assert (await session.scalars(any_text, {"ids": []})).all() == []
            in_array = any_(bindparam("ids", type_=ARRAY(Integer)))
            query = select(User.name).where(User.id == in_array)
            assert (await session.scalars(query, {"ids": []})).all() == []


@pytest.mark.parametrize("backend", ["postgres"])
async def test_any_of_a_python_list_is_one_array_parameter(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        query = select(User.name).where(User.id == any_([1, 3])).order_by(User.id)
        with log_sql(engine) as sql:
            names = (await session.scalars(query)).all()
        assert names == ["Ada Lovelace", "Linus Torvalds"]
        assert sql == [
            "SELECT users.name\nFROM users\nWHERE users.id = ANY ($1) ORDER BY users.id"
        ]
        in_list = select(User.name).where(
            User.id.in_([1, 3])
        )  # no option turns it to ANY
        with log_sql(engine) as sql:
            await session.scalars(in_list)
        assert "IN ($1::INTEGER, $2::INTEGER)" in sql[0]


@pytest.mark.parametrize("backend", ["postgres"])
async def test_strings_in_the_array_are_refused_like_a_string(
    settings: Settings, backend: str
) -> None:
    query = text("SELECT name FROM users WHERE id = ANY(:ids) ORDER BY id")
    async with sample_db() as (_, sessions), sessions() as session:
        with pytest.raises(DBAPIError) as caught:
            await session.scalars(query, {"ids": ["1", "3"]})
        assert str(driver_error(caught.value)) == (
            "invalid input for query argument $1: ['1', '3'] (invalid array element at"
            " index 0: 'str' object cannot be interpreted as an integer)"
        )


@pytest.mark.parametrize("backend", ["postgres"])
async def test_insert_returning_pages_rows_then_caps_parameters(
    settings: Settings, backend: str
) -> None:
    rows = [{"email": f"user{n}@example.com", "name": "New"} for n in range(20_000)]
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        page = engine.dialect.insertmanyvalues_page_size
        cap = engine.dialect.insertmanyvalues_max_parameters
        assert (page, cap) == (
            DefaultDialect.insertmanyvalues_page_size,
            DefaultDialect.insertmanyvalues_max_parameters,
        )
        statement = insert(User).returning(User.id)
        with log_sql(engine) as sql:
            ids = (await session.scalars(statement, rows)).all()
        assert len(ids) == len(set(ids)) == 20_000
        counts = [len(re.findall(r"\$\d+", statement)) for statement in sql]
        assert counts == [2 * page] * (20_000 // page)  # bounded by rows, not the cap
        await session.rollback()
        options = {"insertmanyvalues_page_size": 100_000}
        with log_sql(engine) as sql:
            ids = (
                await session.scalars(statement, rows, execution_options=options)
            ).all()
        assert len(ids) == 20_000
        counts = [len(re.findall(r"\$\d+", statement)) for statement in sql]
        assert counts == [cap, 40_000 - cap]  # now the cap bounds each batch


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


@pytest.mark.parametrize(
    ("cast", "sent"),
    [(r"\:\:int", "$1::int"), (" ::int", "$1 ::int")],  # escaped colons; a space
)
async def test_the_cast_workarounds_bind_on_postgres_and_are_refused_by_sqlite(
    settings: Settings, backend: str, cast: str, sent: str
) -> None:
    query = text(f"SELECT count(*) FROM users WHERE id > :after{cast}")
    assert query.compile().params == {"after": None}
    async with sample_db() as (engine, sessions), sessions() as session:
        if backend == "sqlite":
            with pytest.raises(OperationalError) as caught:
                await session.scalar(query, {"after": 1})
            assert str(driver_error(caught.value)) == 'unrecognized token: ":"'
            return
        with log_sql(engine) as sql:
            assert await session.scalar(query, {"after": 1}) == 2
        assert sql == [f"SELECT count(*) FROM users WHERE id > {sent}"]


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
