"""docs/pooling/faults.md: numbers in its text, read from the code they describe."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine

from snippets.settings import Settings
from tests.pages import page


def test_the_pool_timeout_the_page_names_is_the_guides_and_sqlalchemys() -> None:
    guide = Settings.model_fields["db_pool_timeout"].default
    sqlalchemy = create_async_engine("postgresql+asyncpg://u:p@h/d").pool.timeout()  # type: ignore[attr-defined]
    assert guide == sqlalchemy
    assert f"The guide keeps SQLAlchemy's default of {guide:g} s" in " ".join(
        page("pooling/faults.md").split()
    )
