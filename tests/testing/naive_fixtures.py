"""Broken variants of the chapter's fixtures, to prove that the example tests can fail.

Loaded with `-p tests.testing.naive_fixtures` after the chapter's plugin, so these win.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from snippets.testing.fixtures import create_test_engine

VARIANT = os.environ["GUIDE_NAIVE_VARIANT"]

if VARIANT == "no-outer-transaction":

    @pytest_asyncio.fixture(loop_scope="session")
    async def db_connection(db_engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
        """No outer transaction: what the code under test commits stays."""
        async with db_engine.connect() as connection:
            yield connection

elif VARIANT == "no-sqlite-recipe":

    def create_plain_engine(url: str) -> AsyncEngine:
        if "sqlite" in url:
            return create_async_engine(url, poolclass=StaticPool)
        return create_test_engine(url)

    import snippets.testing.fixtures as chapter

    chapter.create_test_engine = create_plain_engine
