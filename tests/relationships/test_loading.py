"""Claims on docs/relationships/loading.md that the examples do not show by themselves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import strategies

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql
from tests.docs_examples import ROOT


def test_selectinload_batch_size_is_as_the_page_says() -> None:
    page = (ROOT / "docs" / "relationships" / "loading.md").read_text()
    # SelectInLoader in SQLAlchemy 2.0, _SelectInLoader in 2.1.
    loader = getattr(strategies, "_SelectInLoader", None) or strategies.SelectInLoader
    assert f"in batches of {loader._chunksize}." in page


async def test_raise_on_sql_allows_a_many_to_one_already_in_the_session(
    settings: Settings,
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        ada = await session.get(User, 1)
        post = await session.scalar(select(Post).where(Post.author_id == 1).limit(1))
        assert post is not None
        with log_sql(engine) as sql:
            author = post.author  # no error: the author is in the identity map
        assert author is ada
        assert sql == []


async def test_without_passive_deletes_the_orm_selects_children_first(
    settings: Settings,
) -> None:
    # docs/relationships/kinds.md: "Without passive_deletes, SQLAlchemy would first SELECT
    # the posts". Checked on User.posts with passive_deletes switched off for one run.
    prop = User.__mapper__.relationships["posts"]
    async with sample_db() as (engine, sessions), sessions() as session:
        ada = await session.get(User, 1)
        prop.passive_deletes = False
        try:
            with log_sql(engine) as sql:
                await session.delete(ada)
                await session.flush()
        finally:
            prop.passive_deletes = True
        await session.rollback()
    assert sql[0].startswith("SELECT posts.")
    assert sql[-1].startswith("DELETE FROM users")
