"""Claims on docs/queries/reading.md that the examples do not show by themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, event, or_, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from snippets.models import Category, Post, User
from snippets.sample import sample_db
from snippets.settings import Settings


def test_sqlalchemy_writes_the_dollar_placeholders_before_asyncpg_sees_them() -> None:
    dialect = PGDialect_asyncpg()
    query = select(Post.title).where(
        and_(
            Post.author_id.in_([1, 2]),
            or_(Post.published.is_(True), Post.title.startswith("Loops")),
        )
    )
    # Compiled without a connection: no driver is involved, yet the numbers are there.
    sql = str(
        query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    )
    assert dialect.paramstyle == "numeric_dollar"
    assert "IN ($2::INTEGER, $3::INTEGER)" in sql
    assert "LIKE $1::VARCHAR" in sql


async def test_session_scalar_fetches_every_row_unless_the_query_limits(
    settings: Settings, backend: str
) -> None:
    fetched: list[int] = []

    def count_fetched(_conn: Any, cursor: Any, *_: Any) -> None:
        # Both async adapters buffer the whole result when the statement runs.
        fetched.append(len(cursor._rows))

    async with sample_db() as (engine, sessions), sessions() as session:
        event.listen(engine.sync_engine, "after_cursor_execute", count_fetched)
        by_id = select(User.name).order_by(User.id)
        first = await session.scalar(by_id)
        limited = await session.scalar(by_id.limit(1))
    assert first == limited == "Ada Lovelace"
    assert fetched == [3, 1]


async def test_descending_order_puts_nulls_last_on_sqlite_and_first_on_postgres(
    settings: Settings, backend: str
) -> None:
    by_parent = select(Category.name).order_by(Category.parent_id.desc(), Category.id)
    async with sample_db() as (_, sessions), sessions() as session:
        names = (await session.scalars(by_parent)).all()
    top = {"sqlite": -1, "postgres": 0}[backend]
    assert names[top] == "Computing"  # the only category with parent_id NULL
