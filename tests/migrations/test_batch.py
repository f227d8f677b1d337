"""docs/migrations/index.md#batch-mode-for-sqlite: a table rebuild, with rows that reference it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.database import close_db, create_engine
from snippets.migrations.sqlite_batch import make_user_name_optional
from snippets.migrations.startup import run_alembic, upgrade_to_head
from snippets.settings import Settings
from tests.docs_examples import copy_project
from tests.migrations.test_migrations import alembic_cli, config_with_versions_in
from tests.pages import shown_output

MIGRATION_0003 = """
from alembic import op

from snippets.migrations.sqlite_batch import make_user_name_optional

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    make_user_name_optional(op)


def downgrade() -> None:
    pass
"""


@pytest.fixture
async def with_a_post(settings: Settings) -> AsyncEngine:
    """The guide's engine (SQLite foreign keys on), at head, with a user and a post."""
    engine = create_engine(settings)
    await upgrade_to_head(engine)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text("INSERT INTO users (id, email, name) VALUES (1, 'a@x.org', 'A')")
        )
        await conn.execute(
            sa.text(
                "INSERT INTO posts (author_id, title, body, published) VALUES (1, 'T', '', false)"
            )
        )
    yield engine
    await close_db(engine)


async def count_posts(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text("SELECT count(*) FROM posts")) or 0)


async def name_is_nullable(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: sa.inspect(sync).get_columns("users")
        )
    return next(c["nullable"] for c in columns if c["name"] == "name")


def body_on(connection: sa.Connection) -> None:
    """The migration body on this connection, as a hand-rolled runner would run it."""
    context = MigrationContext.configure(connection)
    with context.begin_transaction():
        make_user_name_optional(Operations(context))


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_cannot_alter_a_column_without_batch_mode(
    with_a_post: AsyncEngine,
) -> None:
    def plain(connection: sa.Connection) -> None:
        context = MigrationContext.configure(connection)
        Operations(context).alter_column(
            "users", "name", existing_type=sa.String(100), nullable=True
        )

    with pytest.raises(OperationalError) as raised:
        async with with_a_post.begin() as conn:
            await conn.run_sync(plain)
    assert str(raised.value.orig) == shown_output("migrations/index.md", "sqlite-alter")


async def test_a_rebuild_with_foreign_keys_on_deletes_the_referencing_rows(
    with_a_post: AsyncEngine, backend: str
) -> None:
    async with with_a_post.connect() as conn:
        await conn.run_sync(body_on)
    assert await name_is_nullable(with_a_post)
    shown = shown_output("migrations/index.md", "batch-cascade")
    posts_left = {"sqlite": 0, "postgres": 1}[backend]
    assert f"{backend}: posts left: {posts_left}" in shown.splitlines()
    assert await count_posts(with_a_post) == posts_left


async def test_run_alembic_rebuilds_without_losing_rows(
    with_a_post: AsyncEngine, tmp_path: Path
) -> None:
    (tmp_path / "0003_users_name_optional.py").write_text(MIGRATION_0003)
    config = config_with_versions_in(tmp_path)
    await run_alembic(with_a_post, command.upgrade, "head", config=config)
    assert await name_is_nullable(with_a_post)
    assert await count_posts(with_a_post) == 1
    # The pooled connection has its foreign keys back.
    async with with_a_post.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert await conn.scalar(sa.text("PRAGMA foreign_keys")) == 1


async def test_the_command_line_rebuilds_without_losing_rows(
    with_a_post: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    copy_project(tmp_path, "snippets")
    versions = tmp_path / "snippets" / "migrations" / "versions"
    (versions / "0003_users_name_optional.py").write_text(MIGRATION_0003)
    result = alembic_cli(
        "upgrade", "head", env={"DATABASE_URL": database_url}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert await name_is_nullable(with_a_post)
    assert await count_posts(with_a_post) == 1
