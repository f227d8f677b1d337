"""Run every inline python block in docs/ on each backend and compare its printed output."""

from __future__ import annotations

import pytest
from pytest_examples import EvalExample

from tests.docs_examples import BACKENDS, DocBlock, inline_blocks

BLOCKS = inline_blocks()


@pytest.mark.parametrize(
    ("backend", "block"),
    [
        pytest.param(
            backend,
            block,
            id=block.test_id(backend),
            marks=[pytest.mark.skip(reason=block.skip_reason)]
            if block.skip_reason
            else [],
        )
        for block in BLOCKS
        for backend in block.backends
    ],
)
def test_docs_example(
    backend: str,
    block: DocBlock,
    database_url: str,
    eval_example: EvalExample,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert backend in BACKENDS
    # A block finds its database the way a reader's program does: DATABASE_URL.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("DB_ECHO", raising=False)
    eval_example.set_config(
        line_length=88,
        quotes="double",
        target_version="py311",
        # Printed DDL is tab-indented; black already rejects tabs in the code itself.
        ruff_ignore=["E101", "W191"],
    )
    # pytest-examples rewrites a block once per run: the first backend writes, the others check.
    if eval_example.update_examples and backend == block.backends[0]:
        eval_example.format(block.example)
        eval_example.run_print_update(block.example)
    else:
        try:
            eval_example.lint(block.example)
            eval_example.run_print_check(block.example)
        except pytest.fail.Exception as failure:
            pytest.fail(
                f"{failure.msg}\n{block.location}: if the code is right and the shown "
                "output or formatting is stale, rewrite the block with:\n"
                f"    .venv/bin/pytest tests/test_docs.py --no-cov -k "
                f"'{block.location}' --update-examples"
            )
