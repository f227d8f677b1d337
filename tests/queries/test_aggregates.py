"""Claims on docs/queries/aggregates.md that the examples do not show by themselves."""

from __future__ import annotations

import pytest
from sqlalchemy import Dialect, Integer, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite

from snippets.models import Comment
from snippets.sample import sample_db
from snippets.settings import Settings


async def test_cast_makes_the_sum_of_counts_an_int_on_both_backends(
    settings: Settings, backend: str
) -> None:
    per_post = (
        select(Comment.post_id, func.count().label("n"))
        .group_by(Comment.post_id)
        .subquery()
    )
    async with sample_db() as (_, sessions), sessions() as session:
        plain = await session.scalar(select(func.sum(per_post.c.n)))
        as_int = await session.scalar(select(cast(func.sum(per_post.c.n), Integer)))
    assert plain == 3
    # As the page's tabs show: numeric (Decimal) on PostgreSQL, int on SQLite.
    assert type(plain).__name__ == {"sqlite": "int", "postgres": "Decimal"}[backend]
    assert as_int == 3
    assert type(as_int) is int


async def test_postgres_refuses_an_ungrouped_column_that_sqlite_accepts(
    settings: Settings, backend: str
) -> None:
    from sqlalchemy.exc import DBAPIError

    from snippets.models import Post, User

    query = (
        select(User.name, Post.title, func.count(Post.id)).join(Post).group_by(User.id)
    )
    async with sample_db() as (_, sessions), sessions() as session:
        if backend == "sqlite":
            assert len((await session.execute(query)).all()) == 2
        else:
            with pytest.raises(DBAPIError, match="must appear in the GROUP BY clause"):
                await session.execute(query)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.asyncpg.dialect()])
def test_the_comment_count_subquery_correlates_without_correlate(
    dialect: Dialect,
) -> None:
    from snippets.models import Post

    def titles_with_counts(correlate: str) -> str:
        count = select(func.count(Comment.id)).where(Comment.post_id == Post.id)
        if correlate == "Post":
            count = count.correlate(Post)
        elif correlate == "None":
            count = count.correlate(None)
        query = select(Post.title, count.scalar_subquery().label("comments"))
        return str(query.order_by(Post.id).compile(dialect=dialect))

    automatic = titles_with_counts("")
    assert automatic == titles_with_counts("Post")
    # Correlated: the subquery takes posts from the outer row. correlate(None) turns
    # correlation off, and posts joins the subquery's own FROM.
    assert "FROM comments \nWHERE comments.post_id = posts.id)" in automatic
    assert "FROM comments, posts \nWHERE" in titles_with_counts("None")
