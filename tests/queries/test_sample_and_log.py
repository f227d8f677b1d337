"""snippets/sample.py and snippets/sql_log.py, which every query and loading example uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

from snippets.database import MigratedDatabaseError
from snippets.models import Base, Comment, Post, Tag, User, post_tags
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql
from tests import postgres
from tests.docs_examples import ROOT, DocBlock, inline_blocks
from tests.pages import shown_output

# Nothing listens here: connecting fails at once. Proves a run never used DATABASE_URL.
UNREACHABLE = "postgresql://app:secret@127.0.0.1:1/app"


@pytest.fixture
def examples_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """sample_db() on the test's backend, as the test suite runs the pages' examples."""
    monkeypatch.setenv("EXAMPLES_DATABASE_URL", database_url)
    return database_url


async def test_sample_data_is_what_the_pages_describe(
    settings: Settings, examples_database: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        counts = {
            table.name: await session.scalar(select(func.count()).select_from(table))
            for table in (
                User.__table__,
                Post.__table__,
                Tag.__table__,
                Comment.__table__,
                post_tags,
            )
        }
        posts_per_user = (
            await session.execute(
                select(User.name, func.count(Post.id))
                .outerjoin(Post)
                .group_by(User.id)
                .order_by(User.id)
            )
        ).all()
    assert counts == {"users": 3, "posts": 3, "tags": 3, "comments": 3, "post_tags": 4}
    assert posts_per_user == [
        ("Ada Lovelace", 2),
        ("Grace Hopper", 1),
        ("Linus Torvalds", 0),
    ]


async def test_log_sql_collects_only_inside_the_block(
    settings: Settings, examples_database: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        with log_sql(engine) as sql:
            await session.execute(text("SELECT 1"))
            await session.scalar(select(User.name).where(User.id == 1))
        await session.execute(text("SELECT 2"))
    assert sql[0] == "SELECT 1"
    assert len(sql) == 2
    assert all(
        line == line.rstrip() for statement in sql for line in statement.splitlines()
    )


@pytest.mark.parametrize("backend", ["postgres"])
async def test_log_sql_shows_the_drivers_placeholders(
    settings: Settings, examples_database: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        with log_sql(engine) as sql:
            await session.get(User, 1)
    assert sql[0].endswith("WHERE users.id = $1::INTEGER")


async def count_users(url: str) -> int | None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(select(func.count()).select_from(User))
    finally:
        await engine.dispose()


async def test_sample_db_is_private_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.delenv("EXAMPLES_DATABASE_URL", raising=False)
    async with sample_db() as (engine, sessions):
        async with sessions() as session:
            names = list(await session.scalars(select(User.name).order_by(User.id)))
        # A second session sees the same rows: the in-memory database is shared.
        async with sessions() as session:
            posts = await session.scalar(select(func.count()).select_from(Post))
    assert names == ["Ada Lovelace", "Grace Hopper", "Linus Torvalds"]
    assert posts == 3
    assert engine.url.render_as_string() == "sqlite+aiosqlite://"
    assert isinstance(engine.pool, StaticPool)  # the page says so


async def test_an_example_that_needs_postgresql_says_so_without_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXAMPLES_DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError) as caught:
        async with sample_db(postgres=True):
            pass
    assert str(caught.value) == (
        "EXAMPLES_DATABASE_URL is not set to a PostgreSQL database, which this example "
        "needs: point it at a throwaway one (sample_db() empties it first)"
    )
    monkeypatch.setenv("EXAMPLES_DATABASE_URL", "sqlite:///other.db")
    with pytest.raises(RuntimeError, match="not set to a PostgreSQL database"):
        async with sample_db(postgres=True):
            pass
    assert not (tmp_path / "other.db").exists()  # refused before connecting


async def test_sample_db_twice_on_the_same_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EXAMPLES_DATABASE_URL", database_url)
    async with sample_db() as (_, sessions), sessions() as session:
        # An example that changes the rows and adds a table of its own (as the JSON
        # examples do): the next run must see neither.
        session.add(User(email="extra@example.com", name="Extra"))
        await session.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY)"))
        await session.commit()
    async with sample_db() as (engine, sessions), sessions() as session:
        names = list(await session.scalars(select(User.name).order_by(User.id)))
        async with engine.connect() as connection:
            tables = await connection.run_sync(
                lambda sync: set(inspect(sync).get_table_names())
            )
    assert names == ["Ada Lovelace", "Grace Hopper", "Linus Torvalds"]
    assert tables == set(Base.metadata.tables)
    assert await count_users(database_url) == 3


async def test_sample_db_refuses_a_database_that_alembic_manages(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(
            text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        )
        await connection.execute(
            text("INSERT INTO users (email, name) VALUES ('real@example.com', 'Real')")
        )
    await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EXAMPLES_DATABASE_URL", database_url)
    with pytest.raises(MigratedDatabaseError, match="EXAMPLES_DATABASE_URL") as caught:
        async with sample_db():
            pass
    error = caught.value
    assert shown_output("queries/index.md", "sample-db-migrated") == (
        f"{type(error).__module__}.{type(error).__name__}: {error}"
    )
    assert await count_users(database_url) == 1  # nothing dropped


def first_query_example() -> DocBlock:
    """The first example on docs/queries/index.md, which prints the SQL it sent."""
    return next(
        block
        for block in inline_blocks([ROOT / "docs" / "queries" / "index.md"])
        if "sample_db()" in block.example.source
    )


def run_example(source: str, folder: Path, examples_url: str | None) -> str:
    """Run a page's example as a reader would: `python example.py` in their folder."""
    (folder / "example.py").write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "EXAMPLES_DATABASE_URL"}
    # The run's own path first (a version-matrix cell's older SQLAlchemy), then the project.
    path = [p for p in (os.environ.get("PYTHONPATH"), str(ROOT)) if p]
    env |= {"PYTHONPATH": os.pathsep.join(path), "DATABASE_URL": UNREACHABLE}
    if examples_url is not None:
        env["EXAMPLES_DATABASE_URL"] = examples_url
    done = subprocess.run(
        [sys.executable, "example.py"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.rstrip("\n")


def tab_output(block: DocBlock, backend: str) -> str:
    output = block.output_for(backend)
    assert output is not None
    return output.text


def test_an_example_runs_twice_in_a_row_in_a_readers_folder(tmp_path: Path) -> None:
    block = first_query_example()
    source = block.example.source
    with postgres.temporary_database() as url:
        examples_url = url.render_as_string(hide_password=False)
        first = run_example(source, tmp_path, examples_url)
        second = run_example(source, tmp_path, examples_url)
    assert first == second == tab_output(block, "postgres")
    assert run_example(source, tmp_path, None) == tab_output(block, "sqlite")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["example.py"]
