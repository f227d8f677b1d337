"""Claims on docs/relationships/loading.md that the examples do not show by themselves."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.strategies import _SelectInLoader

from snippets.models import Post, User
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql
from tests.docs_examples import ROOT


def test_selectinload_batch_size_is_as_the_page_says() -> None:
    page = (ROOT / "docs" / "relationships" / "loading.md").read_text()
    assert f"in batches of {_SelectInLoader._chunksize}." in page


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
