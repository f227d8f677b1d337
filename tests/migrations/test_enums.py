"""docs/migrations/index.md#enums-and-data-migrations-on-postgresql, on a real server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.migrations.enums import archive_old_drafts, create_articles, drop_articles
from tests.pages import shown_output

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

Step = Callable[[Operations], None]


def migrate(connection: sa.Connection, *steps: Step) -> None:
    """Run steps as Alembic runs a migration: in one transaction, op bound to it."""
    context = MigrationContext.configure(connection)
    with context.begin_transaction():
        for step in steps:
            step(Operations(context))


async def run(engine: AsyncEngine, *steps: Step) -> None:
    async with engine.connect() as conn:
        await conn.run_sync(migrate, *steps)


async def enum_values(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT enumlabel FROM pg_enum JOIN pg_type ON pg_type.oid = enumtypid"
                " WHERE typname = 'article_status' ORDER BY enumsortorder"
            )
        )
        return list(rows.scalars())


async def fails_as_shown(engine: AsyncEngine, output: str, *steps: Step) -> None:
    """The steps fail, and the driver's message ends with the page's output `output`."""
    with pytest.raises(DBAPIError) as raised:
        await run(engine, *steps)
    message = str(raised.value.orig).splitlines()[0]
    assert message.endswith(shown_output("migrations/index.md", output)), message


def drop_table_only(op: Operations) -> None:
    op.drop_table("articles")


async def test_dropping_the_table_leaves_the_type(engine: AsyncEngine) -> None:
    await run(engine, create_articles, drop_table_only)
    assert await enum_values(engine) == ["draft", "published"]
    await fails_as_shown(engine, "enum-already-exists", create_articles)


async def test_the_downgrade_drops_the_type_so_the_round_trip_works(
    engine: AsyncEngine,
) -> None:
    await run(engine, create_articles, drop_articles)
    assert await enum_values(engine) == []
    await run(engine, create_articles)
    assert await enum_values(engine) == ["draft", "published"]


def insert_drafts(op: Operations) -> None:
    op.execute("INSERT INTO articles (id) VALUES (1), (2), (3)")


def add_and_use_in_one_transaction(op: Operations) -> None:
    op.execute("ALTER TYPE article_status ADD VALUE 'archived'")
    op.execute("UPDATE articles SET status = 'archived' WHERE id = 1")


async def test_a_new_value_cannot_be_used_in_its_own_transaction(
    engine: AsyncEngine,
) -> None:
    await run(engine, create_articles, insert_drafts)
    await fails_as_shown(
        engine, "enum-unsafe-new-value", add_and_use_in_one_transaction
    )


async def test_the_data_migration_archives_the_old_drafts(engine: AsyncEngine) -> None:
    await run(engine, create_articles, insert_drafts)
    await run(engine, archive_old_drafts)
    assert await enum_values(engine) == ["draft", "published", "archived"]
    assert await article_statuses(engine) == ARCHIVED


# What archive_old_drafts leaves after insert_drafts.
ARCHIVED = [(1, "archived"), (2, "archived"), (3, "draft")]


async def article_statuses(engine: AsyncEngine) -> list[tuple[int, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT id, status FROM articles ORDER BY id")
        )
        return [(row.id, row.status) for row in rows]


@pytest.mark.needs("sqlalchemy>=2.1")
async def test_in_2_1_an_enum_belongs_to_its_tables_metadata(
    engine: AsyncEngine,
) -> None:
    metadata = sa.MetaData()
    table = sa.Table(
        "articles",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.Enum("draft", "published", name="article_status")),
    )
    assert table.c.status.type.metadata is metadata  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(table.drop)
    assert await enum_values(engine) == ["draft", "published"]  # the type stays
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    assert await enum_values(engine) == []  # dropped with its MetaData


def archive_with_an_untyped_column(op: Operations) -> None:
    untyped = sa.table("articles", sa.column("id"), sa.column("status"))
    op.execute(
        untyped.update().where(untyped.c.status == "draft").values(status="published")
    )


async def test_an_untyped_enum_column_compares_as_varchar(engine: AsyncEngine) -> None:
    await run(engine, create_articles, insert_drafts)
    await fails_as_shown(engine, "enum-untyped-column", archive_with_an_untyped_column)
