"""snippets/sample.py and snippets/sql_log.py, which every query and loading example uses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from snippets.models import Comment, Post, Tag, User, post_tags
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql


async def test_sample_data_is_what_the_pages_describe(settings: Settings) -> None:
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


async def test_log_sql_collects_only_inside_the_block(settings: Settings) -> None:
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
async def test_log_sql_shows_the_drivers_placeholders(settings: Settings) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        with log_sql(engine) as sql:
            await session.get(User, 1)
    assert sql[0].endswith("WHERE users.id = $1::INTEGER")
