"""Run every python block in docs/ and every program a page includes on each backend, and
compare what it prints with the page (output tabs) or the program's own `#>` lines."""

from __future__ import annotations

import pytest
from pytest_examples import CodeExample, EvalExample

from tests import versions
from tests.docs_examples import (
    BACKENDS,
    DocBlock,
    OutputFence,
    active_backends,
    inline_blocks,
)

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
        if backend in active_backends()
    ],
)
def test_docs_example(
    backend: str,
    block: DocBlock,
    database_url: str,
    eval_example: EvalExample,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert backend in BACKENDS
    reason = versions.skip_reason(block.needs)
    if reason:
        pytest.skip(reason)
    # A block finds its database the way a reader's program does: DATABASE_URL, and
    # sample_db() the opt-in EXAMPLES_DATABASE_URL (in memory without it), so every
    # example that starts from the sample data also runs on PostgreSQL.
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("EXAMPLES_DATABASE_URL", database_url)
    monkeypatch.delenv("DB_ECHO", raising=False)
    eval_example.set_config(
        line_length=88,
        quotes="double",
        target_version="py311",
        # Printed DDL is tab-indented; black already rejects tabs in the code itself.
        ruff_ignore=["E101", "W191"],
    )
    sqlalchemy = versions.series(versions.running()["sqlalchemy"])
    pinned = sqlalchemy == versions.PINNED_SQLALCHEMY_SERIES
    output = block.output_for(backend, sqlalchemy)
    # --update-examples on an older version rewrites only that version's own fences.
    update = eval_example.update_examples and (
        pinned or (output is not None and output.sqlalchemy is not None)
    )
    if output is not None:
        check_output_tab(
            block, output, eval_example, capsys, update, backend, sqlalchemy
        )
        return
    # pytest-examples rewrites a block once per run: the first backend writes, the others check.
    if update and backend == block.backends[0]:
        eval_example.format(block.example)
        eval_example.run_print_update(block.example)
    else:
        try:
            # Formatting and lint do not depend on the backend: checked once per block.
            if backend == block.backends[0]:
                eval_example.lint(block.example)
            eval_example.run_print_check(block.example)
        except pytest.fail.Exception as failure:
            pytest.fail(
                f"{failure.msg}\n{block.location}: {how_to_fix(block, sqlalchemy)}"
            )


def check_output_tab(
    block: DocBlock,
    output: OutputFence,
    eval_example: EvalExample,
    capsys: pytest.CaptureFixture[str],
    update: bool,
    backend: str,
    sqlalchemy: str,
) -> None:
    """A block shown once, its output in a tab per backend: what it prints on this
    backend must be that tab's text (`update`: rewrite the tab instead)."""
    if update:
        eval_example.format(block.example)
    elif backend == block.backends[0]:
        eval_example.lint(block.example)
    capsys.readouterr()
    eval_example.run(block.example)
    printed = capsys.readouterr().out.rstrip("\n")
    if printed == output.text:
        return
    # An output="all" fence is rewritten by the block's first backend; the others check it.
    first = output.backend != "all" or backend == block.backends[0]
    if update and first:
        rewrite_output(block, output, printed, eval_example)
        return
    pytest.fail(
        f"{block.location}: on {output.backend} it prints\n{printed}\n"
        f"but its {output.attributes} tab (line {output.first_line}) shows\n"
        f"{output.text}\n{how_to_fix(block, sqlalchemy, output)}"
    )


def how_to_fix(
    block: DocBlock, sqlalchemy: str, output: OutputFence | None = None
) -> str:
    rewrite = (
        f"    .venv/bin/pytest tests/test_docs.py --no-cov -k '{block.location}' "
        "--update-examples"
    )
    if sqlalchemy == versions.PINNED_SQLALCHEMY_SERIES or (
        output and output.sqlalchemy
    ):
        return f"if the code is right and the shown output is stale, rewrite the block with:\n{rewrite}"
    return (
        f"if it is right on SQLAlchemy {sqlalchemy} and differs from the pinned version, "
        "show both: the block's output in tabs (no #> lines) and a fence "
        f'`text {{output="..." sqlalchemy="{sqlalchemy}"}}` with `...` in it, then fill '
        "that in with:\n    .venv/bin/python -m tests.versions CELL -k "
        f"'{block.location}' --update-examples"
    )


def rewrite_output(
    block: DocBlock, output: OutputFence, printed: str, eval_example: EvalExample
) -> None:
    """Queue the tab's new text with pytest-examples' own updates, which it writes at
    the end of the run, bottom up, so that no edit shifts another."""
    page = block.page_fence
    text = page.path.read_text()
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    start, end = starts[output.first_line - 1], starts[output.last_line]
    fence = CodeExample(
        source=printed + "\n",
        path=page.path,
        start_line=output.first_line,
        end_line=output.last_line,
        start_index=start,
        end_index=end,
        prefix=f"text {{{output.attributes}}}",
        indent=len(output.indent),
        group=page.group,
    )
    eval_example._mark_for_update(fence)
