"""Claims on docs/queries/pagination.md, with more rows than a page; the reference app's
cursor-paginated GET /users over HTTP on both backends."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr
from sqlalchemy import Column, Date, Numeric, Time, Uuid, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.app import USER_ORDER, create_app
from snippets.models import Category, User
from snippets.queries.pagination import (
    InvalidCursor,
    SortKey,
    decode_cursor,
    encode_cursor,
    estimated_count,
    keyset_page,
    paginate,
)
from snippets.sample import sample_db
from snippets.schemas import UserCreate
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


SECRET = b"a test secret of at least 32 characters"
TWINS = 25  # users of one name: pages end inside the run of ties


@pytest.fixture
async def served(
    engine: AsyncEngine, settings: Settings
) -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    """The reference app over HTTP, with 25 users named Twin, Ada and Zed."""
    app = create_app(
        settings.model_copy(update={"cursor_secret": SecretStr(SECRET.decode())})
    )
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        async with app.state.session_factory() as session:
            session.add_all(
                User(email=f"twin{n}@example.com", name="Twin") for n in range(TWINS)
            )
            session.add_all(
                User(email=f"{name}@example.com", name=name) for name in ("Ada", "Zed")
            )
            await session.commit()
        yield app, client


@pytest.fixture
def client(served: tuple[FastAPI, AsyncClient]) -> AsyncClient:
    return served[1]


async def walk(client: AsyncClient, limit: int) -> list[list[dict[str, Any]]]:
    pages, params = [], {"limit": limit}
    while True:
        response = await client.get("/users", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page["items"])
        if page["next_cursor"] is None:
            return pages
        params["cursor"] = page["next_cursor"]


@pytest.mark.parametrize("limit", [1, 4, 7, 27, 100])
async def test_a_full_walk_returns_every_user_once_in_order(
    client: AsyncClient, backend: str, limit: int
) -> None:
    pages = await walk(client, limit)
    rows = [(user["name"], user["id"]) for page in pages for user in page]
    assert rows == sorted(rows)
    assert len({user_id for _, user_id in rows}) == len(rows) == TWINS + 2
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit  # limit + 1 probing: no empty last page
    boundaries = [(a[-1]["name"], b[0]["name"]) for a, b in itertools.pairwise(pages)]
    if limit < TWINS:
        assert ("Twin", "Twin") in boundaries  # a page ended inside the ties


async def test_a_user_inserted_between_two_pages_moves_no_other_user(
    served: tuple[FastAPI, AsyncClient], backend: str
) -> None:
    app, client = served
    before = [user["id"] for page in await walk(client, 100) for user in page]
    first = (await client.get("/users", params={"limit": 5})).json()
    async with app.state.session_factory() as session:
        # One before the cursor (Aaron), one inside the ties after it (Twin), one at the end.
        session.add_all(
            User(email=f"new{n}@example.com", name=name)
            for n, name in enumerate(["Aaron", "Twin", "Zoe"])
        )
        await session.commit()
    params = {"limit": 5, "cursor": first["next_cursor"]}
    rest: list[dict[str, Any]] = []
    while params["cursor"] is not None:
        page = (await client.get("/users", params=params)).json()
        rest += page["items"]
        params["cursor"] = page["next_cursor"]
    seen = [user["id"] for user in first["items"] + rest]
    assert [i for i in seen if i in before] == before  # none skipped or repeated
    new_names = sorted(user["name"] for user in rest if user["id"] not in before)
    assert new_names == ["Twin", "Zoe"]  # Aaron sorts before the cursor


def forged(cursor: str) -> str:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    edited = raw[:16] + raw[16:].replace(b"Ada", b"Twi")
    return base64.urlsafe_b64encode(edited).rstrip(b"=").decode()


async def test_invalid_cursors_answer_400_with_a_clear_message(
    client: AsyncClient, backend: str
) -> None:
    cursor = (await client.get("/users", params={"limit": 1})).json()["next_cursor"]
    scope = "User.name asc,User.id asc"
    altered = "invalid cursor: altered, or issued by another server or secret"
    cases = {
        forged(cursor): altered,
        cursor[:-4]: altered,  # three bytes fewer: still canonical base64url
        cursor[:5] + "!" + cursor[5:]: "invalid cursor: not base64url",
        cursor + "=": "invalid cursor: not base64url",
        cursor + "AAAA": altered,
        "": altered,
        "é": "invalid cursor: not base64url",
        "abcde": "invalid cursor: not base64url",
        encode_cursor(["Ada", 1], b"another secret", scope): altered,
        encode_cursor(["Ada", 1], SECRET, "User.id asc"): (
            "invalid cursor: issued for another order"
        ),
    }
    for bad, message in cases.items():
        response = await client.get("/users", params={"cursor": bad})
        assert (response.status_code, response.json()) == (400, {"detail": message})
    # Cut by one character: bad base64 or a bad signature, a 400 either way.
    assert (
        await client.get("/users", params={"cursor": cursor[:-1]})
    ).status_code == 400
    # The genuine cursor still works.
    assert (await client.get("/users", params={"cursor": cursor})).status_code == 200


async def test_limit_is_bounded_and_openapi_documents_400_and_422(
    served: tuple[FastAPI, AsyncClient], backend: str
) -> None:
    app, client = served
    for limit in (0, 101, "x"):
        response = await client.get("/users", params={"limit": limit})
        assert response.status_code == 422
    assert (
        await client.get("/users", params={"cursor": "x" * 1001})
    ).status_code == 422
    operation = app.openapi()["paths"]["/users"]["get"]
    responses = operation["responses"]
    # 503: declared by the app for every route (an exhausted pool).
    assert set(responses) == {"200", "400", "422", "503"}
    ref = "$ref"
    assert responses["200"]["content"]["application/json"]["schema"][ref].endswith(
        "/UserPage"
    )
    assert responses["400"]["content"]["application/json"]["schema"][ref].endswith(
        "/ErrorDetail"
    )
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, 100)


def test_the_app_orders_by_a_non_null_key_then_the_primary_key() -> None:
    assert [key.nullable for key in USER_ORDER] == [False, False]
    assert USER_ORDER[-1].column is User.id


async def test_mixed_directions_walk_every_row_once_through_ties(
    settings: Settings, backend: str
) -> None:
    keys = [SortKey(User.name, descending=True), SortKey(User.id)]
    async with sample_db() as (_, sessions), sessions() as session:
        session.add_all(
            User(email=f"x{n}@example.com", name=["Ada Lovelace", "Bo"][n % 2])
            for n in range(9)
        )
        await session.commit()
        expected = (
            await session.scalars(select(User.id).order_by(User.name.desc(), User.id))
        ).all()
        for limit in (1, 2, 5):
            seen, cursor = [], None
            while True:
                page = await keyset_page(
                    session, select(User), keys, limit, cursor, SECRET
                )
                seen += [user.id for user in page.items]
                if (cursor := page.next_cursor) is None:
                    break
            assert seen == expected, limit


async def test_nullable_keys_put_nulls_last_and_cursors_cross_them(
    settings: Settings, backend: str
) -> None:
    keys = [SortKey(Category.parent_id, descending=True), SortKey(Category.id)]
    async with sample_db() as (_, sessions), sessions() as session:
        session.add_all(Category(name=f"root {n}") for n in range(4))  # more NULLs
        await session.commit()
        rows = (await session.execute(select(Category.parent_id, Category.id))).all()
        # parent_id descending, NULLs last, then id ascending
        expected = [
            i for p, i in sorted(rows, key=lambda r: (r[0] is None, -(r[0] or 0), r[1]))
        ]
        for limit in (1, 2, 3):
            seen, cursor = [], None
            while True:
                page = await keyset_page(
                    session, select(Category), keys, limit, cursor, SECRET
                )
                seen += [c.id for c in page.items]
                if (cursor := page.next_cursor) is None:
                    break
            assert seen == expected, limit
    assert SortKey(Category.parent_id).nullable
    assert not SortKey(Category.id).nullable


@pytest.mark.parametrize("backend", ["postgres"])  # pg_class is PostgreSQL's catalog
@pytest.mark.parametrize(
    "statement",
    ["ANALYZE users", "VACUUM users", "CREATE INDEX users_name ON users (name)"],
)
async def test_the_estimate_is_none_until_vacuum_analyze_or_create_index(
    settings: Settings, backend: str, statement: str
) -> None:
    async with sample_db() as (engine, sessions):
        async with sessions() as session:
            assert await estimated_count(session, "users") is None
        # Outside a transaction, which VACUUM needs.
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(
                isolation_level="AUTOCOMMIT"
            )
            await autocommit.execute(text(statement))
        async with sessions() as session:
            assert await estimated_count(session, "users") == 3


async def test_limit_below_one_is_refused_before_any_query(settings: Settings) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        for limit in (0, -1):
            with pytest.raises(
                ValueError, match=f"limit starts at 1, got limit={limit}"
            ):
                await keyset_page(
                    session, select(User), USER_ORDER, limit, None, SECRET
                )


async def test_the_longest_name_in_emoji_gives_a_cursor_the_route_accepts(
    client: AsyncClient, backend: str
) -> None:
    longest = UserCreate.model_json_schema()["properties"]["name"]["maxLength"]
    for n in range(2):
        body = {"email": f"emoji{n}@example.com", "name": "😀" * longest}
        assert (await client.post("/users", json=body)).status_code == 201
    pages = await walk(client, 1)  # every page's cursor ends on a user, emoji ones too
    assert sum(user["name"] == "😀" * longest for page in pages for user in page) == 2


async def test_newest_first_walks_through_ties_in_created_at(
    settings: Settings, backend: str
) -> None:
    keys = [
        SortKey(User.created_at, descending=True),
        SortKey(User.id, descending=True),
    ]
    async with sample_db() as (_, sessions), sessions() as session:
        session.add_all(User(email=f"t{n}@example.com", name="T") for n in range(9))
        await session.flush()
        users = (await session.scalars(select(User))).all()
        for n, user in enumerate(users):  # ties of three, with microseconds
            user.created_at = datetime(
                2026, 1, 1, 12, 0, 0, n % 4 * 250_001, tzinfo=UTC
            )
        await session.commit()
        expected = (
            await session.scalars(
                select(User.id).order_by(User.created_at.desc(), User.id.desc())
            )
        ).all()
        for limit in (1, 2, 4):
            seen, cursor = [], None
            while len(seen) <= len(expected):
                page = await keyset_page(
                    session, select(User), keys, limit, cursor, SECRET
                )
                seen += [user.id for user in page.items]
                if (cursor := page.next_cursor) is None:
                    break
            assert seen == expected, limit


async def walk_by_created_at(
    settings: Settings, descending: bool, pages: int = 6
) -> list[int]:
    """Ids of a walk by (created_at, id), one row a page, over rows the server stamped
    as CURRENT_TIMESTAMP does on SQLite: whole seconds, two of them equal."""
    keys = [SortKey(User.created_at, descending), SortKey(User.id, descending)]
    async with sample_db(rows=False) as (_, sessions), sessions() as session:
        session.add_all(User(email=f"{n}@x.org", name=str(n)) for n in range(4))
        await session.flush()
        for user_id, second in [(1, 1), (2, 2), (3, 2), (4, 3)]:
            stamp = f"2026-01-01 00:00:0{second}"  # constants, not user input
            await session.execute(
                text(f"UPDATE users SET created_at = '{stamp}' WHERE id = {user_id}")
            )
        seen: list[int] = []
        cursor = None
        for _ in range(pages):
            page = await keyset_page(session, select(User), keys, 1, cursor, SECRET)
            seen += [user.id for user in page.items]
            if (cursor := page.next_cursor) is None:
                break
    return seen


async def test_sqlite_server_default_timestamps_repeat_or_skip_rows(
    settings: Settings, backend: str
) -> None:
    """CURRENT_TIMESTAMP's text has no fraction; a bound datetime has .000000, which
    sorts after it as text: no ties needed for the descending walk to loop."""
    descending = await walk_by_created_at(settings, descending=True)
    ascending = await walk_by_created_at(settings, descending=False)
    if backend == "sqlite":
        assert descending == [4, 4, 4, 4, 4, 4]  # the same page, forever
        assert ascending == [1, 2, 4]  # 3, stamped in 2's second, skipped
    else:
        assert descending == [4, 3, 2, 1]
        assert ascending == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("column_type", "value"),
    [
        (Numeric(10, 2), Decimal("12.50")),
        (Uuid(), uuid.UUID("12345678-1234-5678-1234-567812345678")),
        (Date(), date(2026, 11, 29)),
        (Time(), time(12, 10, 0, 5)),
        (User.created_at.type, datetime(2026, 11, 29, 12, 10, 0, 5, tzinfo=UTC)),
    ],
)
def test_cursor_values_come_back_as_the_column_type(
    column_type: Any, value: Any
) -> None:
    key = SortKey(Column("key", column_type))  # type: ignore[arg-type]
    cursor = encode_cursor([value], SECRET, "key")
    (decoded,) = [key.from_json(v) for v in decode_cursor(cursor, SECRET, "key")]
    assert (type(decoded), decoded) == (type(value), value)


def test_a_sort_key_json_cannot_hold_is_refused_with_its_type() -> None:
    with pytest.raises(TypeError, match="a bytes sort key cannot go in a cursor"):
        encode_cursor([b"raw"], SECRET, "key")


async def lifespan_client(settings: Settings) -> AsyncIterator[AsyncClient]:
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        yield client


async def test_workers_without_cursor_secret_refuse_each_others_cursors(
    served: tuple[FastAPI, AsyncClient],  # the users, in the database of `settings`
    settings: Settings,
    backend: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two processes behind one load balancer: a random key each, then one shared."""
    shared = settings.model_copy(update={"cursor_secret": SecretStr("s" * 32)})
    for config, second_worker in [(settings, 400), (shared, 200)]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="snippets.app"):
            async with (
                contextlib.asynccontextmanager(lifespan_client)(config) as one,
                contextlib.asynccontextmanager(lifespan_client)(config) as two,
            ):
                cursor = (await one.get("/users", params={"limit": 1})).json()[
                    "next_cursor"
                ]
                assert (
                    await one.get("/users", params={"cursor": cursor})
                ).status_code == 200
                answer = await two.get("/users", params={"cursor": cursor})
        assert answer.status_code == second_worker, answer.text
        warnings = [r.getMessage() for r in caplog.records if r.name == "snippets.app"]
        if config.cursor_secret is None:
            assert (
                warnings
                == [
                    "CURSOR_SECRET is not set: this process signs cursors with a random "
                    "key, so a cursor from another worker, or from before a restart, "
                    "answers 400"
                ]
                * 2
            )
            assert answer.json() == {
                "detail": "invalid cursor: altered, or issued by another server or secret"
            }
        else:
            assert warnings == []


def test_an_untyped_expression_key_keeps_its_json_value() -> None:
    """func.lower(...) has no Python type (NullType): its value passes through as is."""
    key = SortKey(func.lower(User.name))  # type: ignore[arg-type]
    assert key.from_json("ada lovelace") == "ada lovelace"


def test_an_escaped_emoji_cursor_would_not_fit_the_route() -> None:
    """The page: json's default escaping made a 100-emoji name's cursor too long."""
    longest = UserCreate.model_json_schema()["properties"]["name"]["maxLength"]
    escaped = base64.urlsafe_b64encode(json.dumps(["😀" * longest, 1]).encode())
    assert len(escaped) > 1000
    assert len(encode_cursor(["😀" * longest, 1], SECRET, "key")) <= 1000


def test_the_scope_is_the_order_only_and_a_cursor_holds_no_time() -> None:
    """Two listings with the same order accept each other's cursors; nothing expires."""
    order = "User.name asc,User.id asc"
    cursor = encode_cursor(["Ada", 1], SECRET, order)
    assert decode_cursor(cursor, SECRET, order) == ["Ada", 1]  # any listing, any time
    payload = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert b"Ada" in payload
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, SECRET, "User.name desc,User.id desc")


async def test_a_row_whose_sort_key_changes_mid_walk_is_missed(
    settings: Settings, backend: str
) -> None:
    keys = [SortKey(User.name), SortKey(User.id)]
    async with sample_db() as (_, sessions), sessions() as session:
        first = await keyset_page(session, select(User), keys, 1, None, SECRET)
        assert [u.name for u in first.items] == ["Ada Lovelace"]
        grace = await session.scalar(select(User).where(User.name == "Grace Hopper"))
        assert grace is not None
        grace.name = "Aaron"  # renamed to before the cursor while the client walks
        await session.flush()
        rest = await keyset_page(
            session, select(User), keys, 10, first.next_cursor, SECRET
        )
    assert [u.name for u in rest.items] == ["Linus Torvalds"]  # Grace/Aaron missed
