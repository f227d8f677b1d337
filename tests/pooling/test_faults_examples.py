"""docs/pooling/faults.md examples, run as a reader runs them: again, on the same database."""

from __future__ import annotations

import asyncio

import pytest
from pytest_examples import EvalExample
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.docs_examples import DOCS, DocBlock, inline_blocks

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


def block_containing(code: str) -> DocBlock:
    [block] = [
        block
        for block in inline_blocks([DOCS / "pooling/faults.md"])
        if code in block.example.source
    ]
    return block


async def statement_timeout(url: str) -> str:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        value = await conn.scalar(text("SHOW statement_timeout"))
    await engine.dispose()
    return str(value)


def test_the_database_setting_example_leaves_the_database_as_it_was(
    database_url: str, eval_example: EvalExample, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The examples database: the example never touches DATABASE_URL's.
    monkeypatch.setenv("EXAMPLES_DATABASE_URL", database_url)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/absent")
    block = block_containing("ALTER DATABASE")
    for _ in range(2):  # the same output the second time
        eval_example.run_print_check(block.example)
    # A later session of the database gets the server's default again.
    assert asyncio.run(statement_timeout(database_url)) == "0"
