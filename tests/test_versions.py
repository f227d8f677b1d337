"""The other cells of the version matrix (tests/versions.py): each runs the examples, and the
chapter tests where its row says so, in a child pytest on its SQLAlchemy and PostgreSQL."""

from __future__ import annotations

import os
import re

import pytest

from tests import versions
from tests.docs_examples import NOT_FOR_THIS_VERSION, inline_blocks


@pytest.mark.parametrize("cell", versions.CELLS, ids=lambda cell: cell.name)
def test_cell_passes_on_its_versions(
    cell: versions.Cell, record_property: pytest.RecordProperty
) -> None:
    try:
        run = versions.run_cell(cell)
    except FileNotFoundError as exc:  # no PostgreSQL 15 (or its pgvector) here
        if os.environ.get("CI") == "true":
            pytest.fail(f"{exc}, and CI must not skip it")
        pytest.skip(str(exc))
    # The whole child run's counts too (chapter tests a newer version alone runs are
    # skipped), and its minutes: what the cell adds to a run of the suite.
    totals = re.findall(
        r"^=* ?(\d+ (?:passed|failed)[^=]*?) in ([\d.]+)s", run.output, re.M
    )
    whole = (
        f"{totals[-1][0]} in {float(totals[-1][1]):.0f} s" if totals else "no test ran"
    )
    record_property("cell", f"{cell.name}: {run.summary}; all its tests: {whole}")
    assert run.returncode == 0, run.output[-6000:]
    # The line names what the child really ran, so a cell cannot quietly run the pinned set.
    match = re.search(r"\(SQLAlchemy ([\d.]+), PostgreSQL ([\d.]+)\)$", run.summary)
    assert match, run.output[-3000:]
    assert match.group(1) == cell.sqlalchemy
    assert match.group(2).split(".")[0] == cell.postgresql
    counts = dict(re.findall(r"(\w+) (\d+) failed", run.summary))
    assert set(counts.values()) == {"0"}, run.summary
    # A chapter test skips only where it needs a newer version than the cell's, or, outside
    # CI (which installs it and fails instead), where PgBouncer is missing.
    allowed = (
        NOT_FOR_THIS_VERSION,
        *(() if os.environ.get("CI") == "true" else ("PgBouncer",)),
    )
    skips = re.findall(r"^SKIPPED \[\d+\] (.*)$", run.output, re.M)
    assert all(any(reason in skip for reason in allowed) for skip in skips), skips
    # Every block that applies to the cell's backends ran, or is counted as needing a
    # newer version; skip="..." blocks are skipped there as in the main cell.
    blocks = [(b, backend) for b in inline_blocks() for backend in b.backends]
    ours = [(b, backend) for b, backend in blocks if backend in cell.backends]
    passed = sum(int(n) for n in re.findall(r"(\d+) passed \d+ failed", run.summary))
    skipped, newer = map(
        int, re.findall(r"; (?:skipped|not for this version) (\d+)", run.summary)
    )
    assert skipped == sum(1 for b, _ in ours if b.skip_reason), run.summary
    assert passed + skipped + newer == len(ours), run.summary


def test_the_main_cell_runs_the_pinned_sqlalchemy() -> None:
    import sqlalchemy

    assert sqlalchemy.__version__ == versions.PINNED_SQLALCHEMY
