"""docs/setup/validation.md: bad input is a 4xx on both backends, and stores nothing.

Each case is a request that once answered 500 (or stored what PostgreSQL refuses), found by
hand or by schemathesis (tests/setup/test_fuzz.py), kept here as a regression case.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from snippets.app import DbSession, create_app
from snippets.models import Comment, Post, Reaction, Tag, User, post_tags
from snippets.settings import Settings
from snippets.testing.fixtures import app_client
from tests.setup.every_route import create_every_route_app

TOO_BIG_FOR_INT32 = 3_000_000_000  # PostgreSQL: value out of int32 range
TOO_BIG_FOR_INT64 = 2**65  # SQLite: Python int too large to convert to SQLite INTEGER
NUL = "\u0000"


@pytest_asyncio.fixture(loop_scope="session")
async def client(
    db_url: str, db_connection: AsyncConnection
) -> AsyncIterator[AsyncClient]:
    """Every route the guide ships, each request on the test's connection."""
    app = create_every_route_app(Settings(database_url=db_url))
    async with app_client(app, db_connection) as c:
        yield c


async def count_users(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(User)) or 0)


def not_json(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON")


def raw_json(text: str) -> dict[str, Any]:
    """A JSON body sent as written: `\\ud800` stays an escape, as a client can send it."""
    return {
        "content": text.encode(),
        "headers": {"content-type": "application/json"},
    }


CASES: dict[str, tuple[str, str, dict[str, Any], int]] = {
    # Integers the column cannot hold: a 422 before any query, on both backends.
    "id out of int32": ("GET", f"/users/{TOO_BIG_FOR_INT32}", {}, 422),
    "id out of int64": ("GET", f"/users/{TOO_BIG_FOR_INT64}", {}, 422),
    "patch id out of int32": (
        "PATCH",
        f"/users/{TOO_BIG_FOR_INT32}",
        {"json": {"name": "A"}},
        422,
    ),
    "delete id out of int64": ("DELETE", f"/users/{TOO_BIG_FOR_INT64}", {}, 422),
    "author id out of int32": ("GET", f"/authors/{TOO_BIG_FOR_INT32}", {}, 422),
    "welcome id out of int32": (
        "POST",
        f"/users/{TOO_BIG_FOR_INT32}/welcome",
        {},
        422,
    ),
    "id zero": ("GET", "/users/0", {}, 422),
    "limit out of int64": ("GET", "/users?limit=3000000000000000000000", {}, 422),
    "offset out of int64": (
        "GET",
        "/search/users?offset=3000000000000000000000",
        {},
        422,
    ),
    # NUL: PostgreSQL text cannot hold it (SQLite stores it), so both refuse it.
    "nul in email": (
        "POST",
        "/users",
        {"json": {"email": f"a{NUL}b@x.org", "name": "A"}},
        422,
    ),
    # Found by fuzzing: U+0085 is whitespace to pydantic's regex engine, not to the
    # schema's readers; the email pattern now spells out the characters it refuses.
    "next line in email": (
        "POST",
        "/users",
        {"json": {"email": "a\u0085b@x.org", "name": "A"}},
        422,
    ),
    "nul in name": ("POST", "/users", {"json": {"email": "a@x.org", "name": NUL}}, 422),
    "nul in new name": ("PATCH", "/users/1", {"json": {"name": f"A{NUL}"}}, 422),
    "nul in search": ("GET", "/search/users?name=%00", {}, 422),
    # A lone surrogate is valid JSON but no text: 422, and the answer itself encodable.
    "lone surrogate in name": (
        "POST",
        "/users",
        raw_json('{"email": "a@x.org", "name": "\\ud800"}'),
        422,
    ),
    "lone surrogate in email": (
        "POST",
        "/users",
        raw_json('{"email": "\\udfff@x.org", "name": "A"}'),
        422,
    ),
    # Strings longer than their column: PostgreSQL refuses them, SQLite stores them.
    "name too long": (
        "POST",
        "/users",
        {"json": {"email": "a@x.org", "name": "n" * 101}},
        422,
    ),
    # A body that is not UTF-8: FastAPI's own 400 when it is sent as JSON; sent as
    # anything else, a 422 whose answer quotes the bytes (once a 500: not UTF-8).
    "json body not utf-8": (
        "POST",
        "/users",
        {"content": b"\xff{", "headers": {"content-type": "application/json"}},
        400,
    ),
    # What else FastAPI cannot read as JSON: its 400 too. A syntax error is a 422.
    "json nested too deep": ("POST", "/users", raw_json("[" * 100_000), 400),
    "json integer too long": (
        "POST",
        "/users",
        raw_json('{"email": "a@x.org", "name": ' + "1" * 5000 + "}"),
        400,
    ),
    "json syntax error": ("POST", "/users", raw_json('{"name":'), 422),
    # NaN and Infinity: Python's json reads them; the 422 quoting them was no JSON
    # (and FastAPI's own handler answered 500).
    "nan email": ("POST", "/users", raw_json('{"email": NaN, "name": "A"}'), 422),
    "infinite name": ("PATCH", "/users/1", raw_json('{"name": -Infinity}'), 422),
    "text body not utf-8": ("PATCH", "/users/1", {"content": b"\xff\xfe{"}, 422),
}


@pytest.mark.parametrize("case", CASES)
async def test_bad_input_is_a_4xx_and_stores_nothing(
    client: AsyncClient, db_session: AsyncSession, case: str
) -> None:
    method, url, kwargs, status = CASES[case]
    response = await client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    # Every status a route answers is in its schema, so generated clients know it.
    assert str(status) in PATHS[template(url)][method.lower()]["responses"]
    if status == 400:  # FastAPI's own, as docs/setup/validation.md quotes it
        assert response.json() == {"detail": "There was an error parsing the body"}
    # The answer is strict JSON (no NaN) a client can parse, with no SQL in it.
    detail = json.dumps(json.loads(response.text, parse_constant=not_json))
    assert "SELECT" not in detail
    assert "INSERT" not in detail
    assert await count_users(db_session) == 0


PATHS: dict[str, Any] = create_every_route_app().openapi()["paths"]


def template(url: str) -> str:
    """The OpenAPI path that `url` matches: /users/0 is /users/{user_id}."""
    path = url.split("?")[0]
    for candidate in PATHS:
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", candidate)
        if re.fullmatch(pattern, path):
            return candidate
    raise AssertionError(f"{url} matches no documented path")


ANSWERS: dict[str, tuple[str, str, dict[str, Any], int]] = {
    "no such user": ("GET", "/users/999", {}, 404),
    "rename no one": ("PATCH", "/users/999", {"json": {"name": "A"}}, 404),
    "delete no one": ("DELETE", "/users/999", {}, 404),
    "no such author": ("GET", "/authors/999", {}, 404),
    "taken email": ("POST", "/users", {"json": {"email": "a@x.org", "name": "A"}}, 409),
    "unsigned cursor": ("GET", "/users?cursor=abc", {}, 400),
}


@pytest.mark.parametrize("case", ANSWERS)
async def test_every_error_answer_is_in_the_schema(
    client: AsyncClient, case: str
) -> None:
    # schemathesis once reported 404 and 409 as undocumented on every route raising them.
    method, url, kwargs, status = ANSWERS[case]
    if status == 409:
        assert (await client.request(method, url, **kwargs)).status_code == 201
    response = await client.request(method, url, **kwargs)
    assert response.status_code == status, response.text
    documented = PATHS[template(url)][method.lower()]["responses"]
    assert documented[str(status)]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorDetail"
    }
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("PUT", "/users/1", "DELETE, GET, PATCH"),
        ("OPTIONS", "/users", "GET, POST"),
        ("DELETE", "/users", "GET, POST"),
    ],
)
async def test_405_allow_names_every_method_of_the_path(
    client: AsyncClient, method: str, url: str, allow: str
) -> None:
    # One route per method: Starlette's own 405 names only the first route that matched.
    response = await client.request(method, url)
    assert (response.status_code, response.headers["allow"]) == (405, allow)


def string_patterns(node: object) -> list[str]:
    """Every `pattern` in a piece of an OpenAPI schema."""
    if isinstance(node, dict):
        found = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return found + [p for value in node.values() for p in string_patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in string_patterns(value)]
    return []


# Latin-1 and every other character some regex engine calls whitespace.
PROBES = (
    [chr(c) for c in range(0x100)]
    + [chr(c) for c in (0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F)]
    + ["\u3000", "\ufeff"]
)


def test_schema_patterns_mean_the_same_to_every_regex_engine() -> None:
    # pydantic checks a pattern with Rust's regex engine; a fuzzer reads the schema's
    # copy with Python's re (schemathesis: with re.ASCII), a browser as JavaScript. \s
    # matches U+0085 in Rust and not in re.ASCII; ranges mean the same in each.
    patterns = set(string_patterns(create_every_route_app().openapi()))
    assert len(patterns) >= 2  # the email's and NO_NUL
    for pattern in patterns:
        checked = TypeAdapter(Annotated[str, Field(pattern=pattern)])
        readings = [
            re.compile(pattern.removesuffix("$") + r"\Z", flag)
            for flag in (re.ASCII, re.UNICODE)
        ]
        for probe in PROBES:
            value = f"a{probe}b@x.org"
            try:
                checked.validate_python(value)
                server = True
            except ValidationError:
                server = False
            clients = {bool(reading.search(value)) for reading in readings}
            assert clients == {server}, (pattern, hex(ord(probe)))


@asynccontextmanager
async def calling(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """`app` started, and a client that gets its 500s as answers, as a server sends them."""
    async with LifespanManager(app) as manager:
        transport = ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            yield client


async def test_other_database_errors_stay_500s(settings: Settings) -> None:
    # The net answers data errors only: a missing table is the server's fault.
    app = create_app(settings)

    @app.get("/broken")
    async def broken(session: DbSession) -> None:
        await session.execute(text("SELECT * FROM no_such_table"))

    async with calling(app) as client:
        assert (await client.get("/broken")).status_code == 500


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_net_answers_a_value_the_server_refuses(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # SQLSTATE 22001, raised by the server (asyncpg's own refusals are ValueErrors).
    app = create_app(settings.model_copy(update={"db_migrate_on_startup": True}))

    @app.post("/loose")
    async def loose(session: DbSession) -> None:
        session.add(User(email="a@x.org", name="n" * 101))
        await session.commit()

    async with calling(app) as client:
        response = await client.post("/loose")
    assert response.status_code == 400
    assert "character varying" not in response.text
    assert "value too long for type character varying(100)" in caplog.text


async def test_a_rename_racing_a_delete_is_never_a_500(settings: Settings) -> None:
    # A rename that read the row before a delete committed, then wrote: StaleDataError
    # (a 500) when the routes loaded the user and then changed it; and two deletes of one
    # user both answered 204. One statement per write leaves no such window.
    app = create_app(settings.model_copy(update={"db_migrate_on_startup": True}))
    async with calling(app) as client:
        for n in range(40):
            body = {"email": f"u{n}@x.org", "name": "A"}
            user = f"/users/{(await client.post('/users', json=body)).json()['id']}"
            renamed, *deleted = await asyncio.gather(
                client.patch(user, json={"name": "B"}),
                client.delete(user),
                client.delete(user),
            )
            statuses = (renamed.status_code, *sorted(d.status_code for d in deleted))
            assert statuses in {(200, 204, 404), (404, 204, 404)}, statuses


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_deadlock_is_a_503_to_retry(settings: Settings) -> None:
    app = create_app(settings)

    @app.post("/deadlock")
    async def deadlock(session: DbSession) -> None:
        # What PostgreSQL raises when it ends one of two transactions waiting on each other.
        raise_it = (
            "DO $$ BEGIN RAISE 'deadlock detected' USING ERRCODE = '40P01'; END $$"
        )
        await session.execute(text(raise_it))

    async with calling(app) as client:
        response = await client.post("/deadlock")
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert response.json() == {
        "detail": "conflict with a concurrent request, retry shortly"
    }


async def comment_ring(app: FastAPI, size: int) -> list[int]:
    """`size` users, each with a post that every other user commented on."""
    async with app.state.session_factory() as session:
        users = [User(email=f"u{n}@x.org", name=f"U{n}") for n in range(size)]
        posts = [Post(title="p", author=user) for user in users]
        session.add_all(posts)
        for post in posts:
            for user in users:
                if user is not post.author:
                    session.add(Comment(body="c", post=post, author=user))
        await session.commit()
        return [user.id for user in users]


@pytest.mark.parametrize("backend", ["postgres"])
async def test_deletes_that_deadlock_answer_503_and_pass_on_retry(
    settings: Settings,
) -> None:
    # Deleting a user cascades to their posts' comments and to their own comments, so
    # two deletes lock the same comments in opposite orders: PostgreSQL ends one (40P01).
    app = create_app(settings.model_copy(update={"db_migrate_on_startup": True}))
    async with calling(app) as client:
        left = await comment_ring(app, 10)  # here, most of the first ten deadlock
        while left:
            answers = await asyncio.gather(
                *(client.delete(f"/users/{user_id}") for user_id in left)
            )
            assert {a.status_code for a in answers} <= {204, 503}
            retry = [a.status_code == 503 for a in answers]
            left = [
                user_id for user_id, again in zip(left, retry, strict=True) if again
            ]
        async with app.state.session_factory() as session:
            assert await count_users(session) == 0
            assert await session.scalar(select(func.count()).select_from(Comment)) == 0


async def test_delete_removes_what_the_user_owns_and_patch_answers_it_whole(
    settings: Settings,
) -> None:
    # DELETE is one statement: the migrated schema's ON DELETE CASCADE removes the rest.
    app = create_app(settings.model_copy(update={"db_migrate_on_startup": True}))
    async with calling(app) as client:
        ada, bob = await comment_ring(app, 2)
        async with app.state.session_factory() as session:
            tagged = await session.get_one(Post, 1)
            session.add(
                Reaction(
                    kind="like", user=await session.get_one(User, bob), post=tagged
                )
            )
            session.add(Tag(name="t", posts=[tagged]))
            await session.commit()
        before = (await client.get(f"/users/{bob}")).json()
        renamed = await client.patch(f"/users/{bob}", json={"name": "Bob"})
        assert renamed.json() == (await client.get(f"/users/{bob}")).json()
        assert renamed.json()["updated_at"] >= before["updated_at"]
        assert renamed.json()["name"] == "Bob"
        assert (await client.delete(f"/users/{ada}")).status_code == 204
        # Left: Bob and his post; gone: Ada's post, its tag link and Bob's reaction to
        # it, and both comments (Ada's on Bob's post, Bob's on Ada's).
        async with app.state.session_factory() as session:
            for table, rows in ((User, 1), (Post, 1), (Comment, 0), (Reaction, 0)):
                count = select(func.count()).select_from(table)
                assert await session.scalar(count) == rows, table
            links = select(func.count()).select_from(post_tags)
            assert await session.scalar(links) == 0
