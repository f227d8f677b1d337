"""Claims on docs/queries/filters.md: any()/has() against a join, the search route over HTTP
(filters, sort allow-list, injection attempts, tiebreaker), and escaped LIKE, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, get_args

import pytest
from asgi_lifespan import LifespanManager
from fastapi import Depends, FastAPI, Query
from httpx import ASGITransport, AsyncClient
from sqlalchemy import bindparam, event, inspect, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.app import create_app
from snippets.database import driver_error
from snippets.models import Post, User
from snippets.queries.filters import SORT_COLUMNS, SortName, UserFilters, router
from snippets.sample import sample_db, sample_rows
from snippets.settings import Settings
from snippets.sql_log import log_sql

EXPECTED_SORTS = "'name', 'email' or 'created_at'"
ALL_USERS = 11  # the client fixture's rows


async def test_a_limit_counts_join_rows_but_any_counts_users(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        await session.execute(update(Post).values(published=True))
        exists = select(User.name).where(User.posts.any(Post.published))
        joined = select(User.name).join(User.posts).where(Post.published)
        page_of_two = [
            (await session.scalars(query.limit(2))).all()
            for query in (exists.order_by(User.id), joined.order_by(User.id, Post.id))
        ]
    assert page_of_two == [
        ["Ada Lovelace", "Grace Hopper"],
        ["Ada Lovelace", "Ada Lovelace"],
    ]


async def test_unique_folds_the_repeated_object_and_any_without_condition(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        await session.execute(update(Post).values(published=True))
        joined = select(User).join(User.posts).where(Post.published).order_by(User.id)
        repeated = (await session.scalars(joined)).all()
        folded = (await session.scalars(joined)).unique().all()
        authors = select(User.name).where(User.posts.any()).order_by(User.id)
        any_post = (await session.scalars(authors)).all()
    assert repeated[0] is repeated[1]  # the same identity, twice
    assert [user.name for user in folded] == ["Ada Lovelace", "Grace Hopper"]
    assert any_post == ["Ada Lovelace", "Grace Hopper"]


def test_every_sort_name_has_a_column_and_no_more() -> None:
    assert set(get_args(SortName)) == set(SORT_COLUMNS)


# The engine each test client's app runs on, to log its SQL and read its tables.
engines: dict[AsyncClient, AsyncEngine] = {}


@pytest.fixture
async def client(engine: AsyncEngine, settings: Settings) -> AsyncIterator[AsyncClient]:
    """The reference app with the search router, over HTTP, on the sample rows plus
    users whose names hold LIKE wildcards or repeat a name."""
    app = create_app(settings)
    app.include_router(router)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        async with app.state.session_factory() as session:
            session.add_all(sample_rows())
            session.add_all(
                User(email=f"{local}@example.com", name=name)
                for local, name in [
                    ("twin1", "Twin"),
                    ("ab", "a_b"),
                    ("axb", "axb"),
                    ("twin2", "Twin"),
                    ("fifty", "50% Club"),
                    ("fivehundred", "500 Club"),
                    ("ctemp", "C:\\temp"),
                    ("emile", "Émile"),
                ]
            )
            await session.commit()
        engines[client] = app.state.engine
        yield client
        del engines[client]


async def names(client: AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/search/users", params=params)
    assert response.status_code == 200, response.text
    return [user["name"] for user in response.json()]


async def snapshot(engine: AsyncEngine) -> dict[str, list[Any]]:
    """Every row of every table, to compare before and after a request."""
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
        rows: dict[str, list[Any]] = {}
        for table in sorted(tables):
            result = await connection.exec_driver_sql(f'SELECT * FROM "{table}"')
            rows[table] = sorted(map(tuple, result.all()), key=repr)
    return rows


@pytest.mark.parametrize(
    "sort",
    [
        "name;DROP TABLE users",
        "name; DROP TABLE users; --",
        "name desc",
        "name DESC",
        "password",
        "users.name",
        "(SELECT 1)",
        "",
    ],
)
async def test_an_unknown_sort_is_a_422_and_changes_nothing(
    client: AsyncClient, sort: str
) -> None:
    engine = engines[client]
    before = await snapshot(engine)
    with log_sql(engine) as sql:
        response = await client.get("/search/users", params={"sort": sort})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "literal_error",
                "loc": ["query", "sort"],
                "msg": f"Input should be {EXPECTED_SORTS}",
                "input": sort,
                "ctx": {"expected": EXPECTED_SORTS},
            }
        ]
    }
    assert sql == []  # refused before the route ran: no SQL at all
    after = await snapshot(engine)
    assert "users" in after
    assert after == before
    assert len(after["users"]) == ALL_USERS


async def test_a_misspelt_parameter_is_a_422(client: AsyncClient) -> None:
    response = await client.get("/search/users", params={"nme": "ada"})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert (error["type"], error["loc"], error["msg"]) == (
        "extra_forbidden",
        ["query", "nme"],
        "Extra inputs are not permitted",
    )


async def test_no_filter_sends_no_where(client: AsyncClient) -> None:
    engine = engines[client]
    with log_sql(engine) as sql:
        everyone = await names(client)
    assert len(everyone) == ALL_USERS
    assert "WHERE" not in sql[0]


async def test_each_sort_column_and_direction(client: AsyncClient) -> None:
    for sort in get_args(SortName):
        for order in ("asc", "desc"):
            assert len(await names(client, sort=sort, order=order)) == ALL_USERS
    assert await names(client, sort="email", limit=3) == ["a_b", "Ada Lovelace", "axb"]
    assert await names(client, sort="email", order="desc", limit=3) == [
        "Twin",
        "Twin",
        "Linus Torvalds",
    ]


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_the_primary_key_breaks_ties_in_the_same_direction(
    client: AsyncClient, order: str
) -> None:
    response = await client.get(
        "/search/users", params={"name": "twin", "order": order}
    )
    ids = [user["id"] for user in response.json()]
    assert len(ids) == 2
    # Only PostgreSQL proves the tie-break here: SQLite reads ix_users_name_id (name, id)
    # backwards for DESC, so its ids come out descending even without User.id.desc().
    assert ids == sorted(ids, reverse=order == "desc")


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_offset_pages_over_ties_give_every_row_once(
    client: AsyncClient, order: str
) -> None:
    async def ids(**params: Any) -> list[int]:
        response = await client.get("/search/users", params={"order": order, **params})
        assert response.status_code == 200, response.text
        return [user["id"] for user in response.json()]

    whole = await ids(limit=100)
    # Pages of one: a boundary falls between the two "Twin" rows, and between all others.
    paged = [
        id_
        for offset in range(ALL_USERS + 1)
        for id_ in await ids(limit=1, offset=offset)
    ]
    assert paged == whole
    assert len(set(paged)) == ALL_USERS
    assert await ids(name="twin", limit=1) + await ids(name="twin", offset=1) == (
        await ids(name="twin")
    )


@pytest.mark.parametrize(
    ("offset", "error"),
    [
        ("-1", {"type": "greater_than_equal", "ctx": {"ge": 0}}),
        ("10001", {"type": "less_than_equal", "ctx": {"le": 10_000}}),
    ],
)
async def test_the_offset_is_bounded(
    client: AsyncClient, offset: str, error: dict[str, Any]
) -> None:
    response = await client.get("/search/users", params={"offset": offset})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert (detail["type"], detail["ctx"]) == (error["type"], error["ctx"])


PAGE_REFUSED = {
    "detail": [
        {
            "type": "extra_forbidden",
            "loc": ["query", "page"],
            "msg": "Extra inputs are not permitted",
            "input": "2",
        }
    ]
}


async def test_a_parameter_outside_the_model_is_a_422(client: AsyncClient) -> None:
    response = await client.get("/search/users", params={"name": "ada", "page": "2"})
    assert response.status_code == 422
    assert response.json() == PAGE_REFUSED


# Module level: the test module's string annotations must resolve in its globals.
beside_app = FastAPI()


@beside_app.get("/beside")
def beside(filters: Annotated[UserFilters, Query()], page: int = 1) -> int:
    return page  # pragma: no cover - never reached


def paging(page: int = 1) -> int:
    return page  # pragma: no cover - never reached


@beside_app.get("/dependency")
def dependency(
    filters: Annotated[UserFilters, Query()], page: Annotated[int, Depends(paging)]
) -> int:
    return page  # pragma: no cover - never reached


async def test_extra_forbid_refuses_a_parameter_declared_beside_the_model() -> None:
    async with AsyncClient(
        transport=ASGITransport(app=beside_app), base_url="http://app"
    ) as client:
        for path in ("/beside", "/dependency"):
            response = await client.get(path, params={"name": "ada", "page": "2"})
            assert response.status_code == 422
            assert response.json() == PAGE_REFUSED
    # ... although the OpenAPI schema still offers it to clients.
    for path in ("/beside", "/dependency"):
        parameters = beside_app.openapi()["paths"][path]["get"]["parameters"]
        assert "page" in [parameter["name"] for parameter in parameters]


async def test_a_repeated_parameter_is_not_refused_the_last_wins(
    client: AsyncClient,
) -> None:
    by_email = await names(client, sort="email")
    assert by_email != await names(client, sort="name")
    repeated = await client.get(
        "/search/users", params=[("sort", "name"), ("sort", "email")]
    )
    assert repeated.status_code == 200
    assert [user["name"] for user in repeated.json()] == by_email
    both = await client.get("/search/users", params=[("name", "ada"), ("name", "hop")])
    assert [user["name"] for user in both.json()] == ["Grace Hopper"]


async def test_an_empty_name_is_a_422_not_every_row(client: AsyncClient) -> None:
    response = await client.get("/search/users", params={"name": ""})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "string_too_short",
                "loc": ["query", "name"],
                "msg": "String should have at least 1 character",
                "input": "",
                "ctx": {"min_length": 1},
            }
        ]
    }


async def test_the_name_filter_folds_non_ascii_case_on_postgresql_only(
    client: AsyncClient, backend: str
) -> None:
    # SQLite's lower() folds ASCII letters only; PostgreSQL folds by the database's
    # locale (the test server's is C.UTF-8, see test_ilike_locale.py).
    expected = {"sqlite": [], "postgres": ["Émile"]}[backend]
    assert await names(client, name="émile") == expected
    assert await names(client, name="ÉMILE") == ["Émile"]  # ASCII letters fold on both


async def test_filters_combine_and_the_name_filter_ignores_case(
    client: AsyncClient,
) -> None:
    assert await names(client, name="LOVE") == ["Ada Lovelace"]
    assert await names(client, has_published="true") == ["Ada Lovelace"]
    assert await names(client, has_published="false", name="o", order="desc") == [
        "Linus Torvalds",
        "Grace Hopper",
    ]


async def test_the_name_filter_escapes_wildcards(client: AsyncClient) -> None:
    assert await names(client, name="a_b") == ["a_b"]
    assert await names(client, name="50%") == ["50% Club"]
    assert await names(client, name="%") == ["50% Club"]
    assert await names(client, name="_") == ["a_b"]
    assert await names(client, name="\\") == ["C:\\temp"]
    assert await names(client, name="C:\\") == ["C:\\temp"]  # ends in \: no 500


@pytest.fixture
async def titles(settings: Settings) -> AsyncIterator[Any]:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        ada = User(email="ada@example.com", name="Ada")
        for title in [
            "50% off",
            "500 errors",
            "a_b testing",
            "axb notes",
            "a/b",
            "C:\\temp",
            "saved to C:\\",
            "100%",
        ]:
            session.add(Post(title=title, author=ada))
        await session.flush()

        async def find(condition: Any) -> list[str]:
            query = select(Post.title).where(condition).order_by(Post.id)
            return list((await session.scalars(query)).all())

        find.engine = engine  # type: ignore[attr-defined]
        yield find


async def test_startswith_and_contains_escape_wildcards(
    titles: Any, backend: str
) -> None:
    assert await titles(Post.title.startswith("50%", autoescape=True)) == ["50% off"]
    assert await titles(Post.title.startswith("50%")) == ["50% off", "500 errors"]
    assert await titles(Post.title.startswith("a_b", autoescape=True)) == [
        "a_b testing"
    ]
    assert await titles(Post.title.contains("a/b", autoescape=True)) == ["a/b"]


async def test_a_lone_percent_matches_every_row_unless_escaped(
    titles: Any, backend: str
) -> None:
    assert len(await titles(Post.title.contains("%"))) == 8
    assert await titles(Post.title.contains("%", autoescape=True)) == [
        "50% off",
        "100%",
    ]


BACKSLASHED = ["C:\\temp", "saved to C:\\"]


async def test_autoescape_makes_a_backslash_match_itself_on_both_backends(
    titles: Any, backend: str
) -> None:
    assert await titles(Post.title.contains("\\", autoescape=True)) == BACKSLASHED
    assert await titles(Post.title.endswith("C:\\", autoescape=True)) == [
        BACKSLASHED[1]
    ]


async def test_without_autoescape_a_backslash_escapes_on_postgresql_only(
    titles: Any, backend: str
) -> None:
    contains = await titles(Post.title.contains("\\"))
    if backend == "sqlite":
        assert contains == BACKSLASHED
        assert await titles(Post.title.endswith("C:\\")) == [BACKSLASHED[1]]
        return
    # '%\%' on PostgreSQL: \ escapes the %, so this finds titles ending in %.
    assert contains == ["100%"]
    with pytest.raises(DBAPIError) as caught:
        await titles(Post.title.endswith("C:\\"))
    error = driver_error(caught.value)
    assert f"{type(error).__name__}: {error}" == (
        "InvalidEscapeSequenceError: LIKE pattern must not end with escape character"
    )


async def test_the_driver_receives_the_escaped_value(titles: Any, backend: str) -> None:
    sent: list[Any] = []

    def collect(_conn: Any, _cursor: Any, _sql: str, parameters: Any, *_: Any) -> None:
        sent.append(parameters)

    sync_engine = titles.engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", collect)
    try:
        await titles(Post.title.contains("a_b", autoescape=True))
    finally:
        event.remove(sync_engine, "before_cursor_execute", collect)
    assert list(sent[0]) == ["a/_b"]


def test_text_in_order_by_puts_the_clients_text_into_the_sql() -> None:
    query = select(User.id).order_by(text("name;DROP TABLE users"))
    assert str(query).endswith("ORDER BY name;DROP TABLE users")


async def test_a_bound_parameter_in_order_by_is_a_value_not_a_column(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        by_value = select(User.name).order_by(bindparam("sort", "name"), User.id.desc())
        names = (await session.scalars(by_value)).all()
    # Both backends order by the constant 'name': every row ties, the id decides.
    assert names == ["Linus Torvalds", "Grace Hopper", "Ada Lovelace"]
