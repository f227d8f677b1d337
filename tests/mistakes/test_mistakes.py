"""docs/mistakes/index.md: headings whose error is reproduced outside an inline block."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from snippets.mistakes.connecting import why_not
from tests import error_index, postgres
from tests.docs_examples import ROOT
from tests.pages import section_output, with_includes
from tests.setup.test_install import GREENLET_PROGRAM
from tests.setup.test_seeds import run_undisposed
from tests.test_site import mkdocs_build

PAGE = (ROOT / "docs" / "mistakes" / "index.md").read_text()


def heading(anchor: str) -> str:
    match = re.search(rf"^### `(.+?)`.*\{{#{anchor}\}}$", PAGE, re.M)
    assert match, f"docs/mistakes/index.md has no heading with {{#{anchor}}}"
    return match.group(1)


@pytest.mark.needs("sqlalchemy>=2.1")
def test_greenlet_heading_is_the_message() -> None:
    result = subprocess.run(
        [sys.executable, "-c", GREENLET_PROGRAM], capture_output=True, text=True
    )
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(heading("missing-greenlet-extra"))
    )


@pytest.mark.parametrize("backend", ["postgres"])
def test_different_loop_heading_matches_the_error(database_url: str) -> None:
    result = run_undisposed(database_url, "second-loop")
    message = result.stdout.splitlines()[0]
    shown = heading("different-loop")
    # "..." stands for the part that varies: the task, and the future's callbacks.
    assert shown == (
        "RuntimeError: ... got Future <Future pending ...> attached to a different loop"
    )
    pattern = ".+?".join(
        map(re.escape, shown.removeprefix("RuntimeError: ").split("..."))
    )
    assert re.fullmatch(pattern, message), message


@pytest.mark.parametrize("backend", ["postgres"])
def test_not_disposed_heading_matches_the_warning(database_url: str) -> None:
    result = run_undisposed(database_url, "forget", "-X", "dev")
    assert f"{heading('not-disposed')} <asyncpg.connection.Connection" in result.stderr


def test_the_site_search_index_finds_each_entry_by_its_error(tmp_path: Path) -> None:
    result = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text())
    sections = {doc["location"]: doc["title"] for doc in index["docs"]}
    assert len(ENTRIES) >= 40
    for heading_text, anchor, _ in ENTRIES:
        title = sections.get(f"mistakes/#{anchor}")
        assert title is not None, f"no search entry for mistakes/#{anchor}"
        # The distinctive words of the error are searchable in the entry's title.
        words = re.findall(r"[A-Za-z][A-Za-z_']{5,}", heading_text.replace("`", ""))
        assert words
        assert all(word in title for word in words[:4]), (anchor, title)


# Entries whose error comes from a fresh process, not from a block on the page: the heading is
# compared with what that process prints by the test named here.
HEADINGS_CHECKED_BY = {
    "missing-greenlet-extra": test_greenlet_heading_is_the_message,
    "different-loop": test_different_loop_heading_matches_the_error,
    "not-disposed": test_not_disposed_heading_matches_the_warning,
}
ENTRY = re.compile(r"^### (.+?) \{#([a-z0-9-]+)\}\n(.*?)(?=^##+ |\Z)", re.M | re.S)
PARTS = ("**Cause.**", "**Fix.**", "Upstream:")
# The entries: after the error index (tests/error_index.py), before the checklist.
BODY = PAGE.split("<!-- /error-index -->")[1].split("## Before you ship")[0]
ENTRIES = ENTRY.findall(BODY)


# Where a mistake happens, in the order a project meets them (issue 22's grouping).
GROUPS = [
    "Installing and configuring {#install-and-configuration}",
    "Connecting {#connecting}",
    "Queries and loading {#queries-and-loading}",
    "Sessions and transactions {#sessions-and-transactions}",
    "Requests and background work {#requests-and-background-work}",
    "Pooling and deployment {#pooling-and-deployment}",
    "Testing {#testing}",
    "Migrations {#migrations}",
]


def test_the_page_is_the_index_then_grouped_entries_then_the_checklist() -> None:
    headings = re.findall(r"^## (.+)$", PAGE, re.M)
    assert headings[0] == "Every error an example prints {#error-index}"
    assert headings[1:-1] == GROUPS
    assert headings[-1] == "Before you ship"
    assert len(ENTRIES) == len(re.findall(r"^### ", BODY, re.M)), (
        "an entry lacks {#anchor}"
    )
    assert len(ENTRIES) >= 40
    # Every group holds entries, and nothing but entries sits below the level of a group.
    for group in re.split(r"^## .+$", BODY, flags=re.M)[1:]:
        assert ENTRY.search(group), group[:200]
    assert not re.search(r"^#### ", BODY, re.M)


@pytest.mark.parametrize(
    ("title", "anchor", "body"), ENTRIES, ids=[anchor for _, anchor, _ in ENTRIES]
)
def test_every_entry_has_the_same_shape(title: str, anchor: str, body: str) -> None:
    """Heading = the exact error (or `No error:` and the symptom), then Cause, Fix and
    Upstream, in that order, each once."""
    positions = [body.find(part) for part in PARTS]
    assert all(body.count(part) == 1 for part in PARTS), (anchor, PARTS)
    assert positions == sorted(positions), f"{anchor}: parts out of order"
    assert body.lstrip().startswith("**Cause.**"), f"{anchor}: start with the cause"
    assert "<https://" in body[positions[2] :], f"{anchor}: Upstream needs a link"
    error = error_index.ERROR_TITLE.match(title)
    if error is None:
        assert title.startswith("No error: "), (
            f"{anchor}: the heading is the error as raised, `Kind: message`"
        )
        return
    if anchor in HEADINGS_CHECKED_BY:
        return
    # The heading is what the entry's own program prints, which its test compares.
    # "..." in a heading stands for the part that varies (an address, a value).
    message = ".*?".join(map(re.escape, error["message"].split("...")))
    assert re.search(message, section_output(body)), (
        f"{anchor}: {error['message']!r} is not in the entry's shown output"
    )
    assert re.search(rf"\b{error['kind']}\b", with_includes(body)), (
        f"{anchor}: {error['kind']} unshown"
    )


# The pool-exhausted entry's causes, each reproduced with a pool of one connection behind a
# FastAPI app whose dependency yields a session, as the seeds' `get_db` does.
POOL_CAUSES = ("external call", "streaming response", "after the response")


def test_the_pool_exhausted_entry_names_the_causes_reproduced_here() -> None:
    body = {anchor: body for _, anchor, body in ENTRIES}["pool-exhausted"]
    cause = body.split("**Fix.**")[0]
    assert [phrase for phrase in POOL_CAUSES if phrase not in cause] == []


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_session)]


def app_with_a_pool_of_one(database_url: str) -> tuple[FastAPI, AsyncEngine]:
    engine = create_async_engine(
        database_url, pool_size=1, max_overflow=0, pool_timeout=0.5
    )
    app = FastAPI()
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)

    @app.get("/quick")
    async def quick(session: DbSession) -> int | None:
        return await session.scalar(text("SELECT 1"))

    return app, engine


async def assert_next_request_times_out(app: FastAPI, engine: AsyncEngine) -> None:
    checked_out = asyncio.Event()
    event.listen(engine.sync_engine, "checkout", lambda *_: checked_out.set())
    async with asyncio.timeout(5):
        await checked_out.wait()
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        with pytest.raises(PoolTimeout) as error:
            await client.get("/quick")
    assert str(error.value).startswith(heading("pool-exhausted").split(": ", 1)[1])


async def test_a_session_held_across_an_external_call_exhausts_the_pool(
    database_url: str,
) -> None:
    app, engine = app_with_a_pool_of_one(database_url)
    answer = asyncio.Event()

    @app.get("/external")
    async def external(session: DbSession) -> int:
        count = await session.scalar(text("SELECT 1"))
        await answer.wait()  # a payment API, a queue: the connection waits with it
        return int(count)

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        held = asyncio.create_task(client.get("/external"))
        await assert_next_request_times_out(app, engine)
        answer.set()
        assert (await held).json() == 1
    await engine.dispose()


async def test_a_streaming_response_holds_its_session_until_the_last_chunk(
    database_url: str,
) -> None:
    app, engine = app_with_a_pool_of_one(database_url)
    reader_done = asyncio.Event()

    @app.get("/export")
    async def export(session: DbSession) -> StreamingResponse:
        async def rows() -> AsyncIterator[str]:
            yield f"{await session.scalar(text('SELECT 1'))}\n"
            await reader_done.wait()  # a slow client reads the rest
            yield "end\n"

        return StreamingResponse(rows())

    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        streaming = asyncio.create_task(client.get("/export"))
        await assert_next_request_times_out(app, engine)
        reader_done.set()
        assert (await streaming).text == "1\nend\n"
    await engine.dispose()


async def test_the_session_dependency_returns_its_connection_after_the_response(
    database_url: str,
) -> None:
    app, engine = app_with_a_pool_of_one(database_url)
    checked_out_when_sent: list[int] = []

    async def record(scope: Any, receive: Any, send: Any) -> None:
        async def sending(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                checked_out_when_sent.append(engine.pool.checkedout())  # type: ignore[attr-defined]

        await app(scope, receive, sending)

    transport = ASGITransport(app=record)
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        assert (await client.get("/quick")).json() == 1
    # The client has its answer while the connection is still out of the pool.
    assert checked_out_when_sent == [1]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    await engine.dispose()


def test_the_methods_the_missing_await_entry_names_are_awaited_or_not() -> None:
    fix = PAGE.split("{#missing-await}")[1].split("**Fix.**")[1].split("Upstream:")[0]
    awaited, plain = fix.split("such as")[1].split("only change")[0].split(";")
    for names, coroutine in ((awaited, True), (plain, False)):
        found = re.findall(r"`(\w+)`", names)
        assert len(found) >= 4
        for name in found:
            method = getattr(AsyncSession, name)
            assert inspect.iscoroutinefunction(method) is coroutine, name


def test_a_missing_role_is_named_only_to_a_trusted_client() -> None:
    """#role-does-not-exist: the role's name is told only by a server that trusts the
    client. With password logins (scram-sha-256, as managed servers use) a missing role
    fails as a wrong password does; with peer, as a peer failure. Proven on a server of
    the test's own."""
    server = postgres.EmbeddedServer()
    url = server.url.set(username="no_such_role", password="any-password")
    shown = {}
    try:
        hba = server.data_dir / "pg_hba.conf"
        for method in ("scram-sha-256", "peer"):
            # The superuser keeps its trusted login (it reloads the file).
            hba.write_text(f"local all postgres trust\nlocal all all {method}\n")
            server.reload()
            shown[method] = asyncio.run(why_not(url))
    finally:
        server.stop()
    assert shown == {
        "scram-sha-256": 'InvalidPasswordError: password authentication failed for user "no_such_role"',
        "peer": 'InvalidAuthorizationSpecificationError: Peer authentication failed for user "no_such_role"',
    }
    body = {anchor: body for _, anchor, body in ENTRIES}["role-does-not-exist"]
    assert f"`{shown['scram-sha-256']}`" in body
    assert '`Peer authentication failed for user "..."`, of the same class' in body


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_why_not_says_connected_when_nothing_is_wrong(database_url: str) -> None:
    assert asyncio.run(why_not(make_url(database_url))) == "connected"


# The mypy messages entries quote, each from the entry's program with its
# `# type: ignore[...]` taken out (or, for `with`, the smallest program that shows it).
MYPY_QUOTES = {
    "await-scalars": ("await_in_wrong_place.py", ['Incompatible types in "await"']),
    "missing-await": (
        "missing_await.py",
        [
            '"Coroutine[...]" has no attribute "scalars"',
            'Maybe you forgot to use "await"?',
        ],
    ),
    "delete-without-await": (
        "delete_without_await.py",
        [
            'Value of type "Coroutine[Any, Any, None]" must be used',
            "Are you missing an await?",
        ],
    ),
    "with-async-session": (
        None,
        ['"AsyncSession" has no attribute "__enter__"; maybe "__aenter__"...'],
    ),
}
WITH_SESSION = """\
from sqlalchemy.ext.asyncio import AsyncSession


def use(session: AsyncSession) -> None:
    with session:
        pass
"""


def test_the_mypy_messages_the_entries_quote_are_mypys(tmp_path: Path) -> None:
    programs = ROOT / "snippets" / "mistakes" / "examples" / "index"
    files = []
    for anchor, (program, _) in MYPY_QUOTES.items():
        source = WITH_SESSION
        if program is not None:
            source = re.sub(
                r"  # type: ignore\[[\w-]+\]", "", (programs / program).read_text()
            )
        files.append(tmp_path / f"{anchor.replace('-', '_')}.py")
        files[-1].write_text(source)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MYPYPATH": str(ROOT)},
    )
    bodies = {anchor: body for _, anchor, body in ENTRIES}
    for anchor, (_, quotes) in MYPY_QUOTES.items():
        reported = "\n".join(
            line
            for line in result.stdout.splitlines()
            if anchor.replace("-", "_") in line
        )
        for quote in quotes:
            # The page may wrap a quote across lines; "..." stands for what varies.
            assert f"`{quote}`" in " ".join(bodies[anchor].split()), (anchor, quote)
            pattern = ".*?".join(map(re.escape, quote.split("...")))
            assert re.search(pattern, reported), (anchor, quote, result.stdout)
