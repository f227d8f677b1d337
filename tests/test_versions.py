"""The other cells of the version matrix (tests/versions.py): each runs the examples, and the
chapter tests where its row says so, in a child pytest on its SQLAlchemy and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from tests import versions
from tests.docs_examples import NOT_FOR_THIS_VERSION


@pytest.mark.parametrize("cell", versions.CELLS, ids=lambda cell: cell.name)
def test_cell_passes_on_its_versions(
    cell: versions.Cell, record_property: pytest.RecordProperty
) -> None:
    run = versions.run_cell(cell)
    record_property("cell", f"{cell.name}: {run.summary}")
    assert run.returncode == 0, run.output[-6000:]
    # The line names what the child really ran, so a cell cannot quietly run the pinned set.
    match = re.search(r"\(SQLAlchemy ([\d.]+), PostgreSQL ([\d.]+)\)$", run.summary)
    assert match, run.output[-3000:]
    assert match.group(1) == cell.sqlalchemy
    assert match.group(2).split(".")[0] == cell.postgresql
    counts = dict(re.findall(r"(\w+) (\d+) failed", run.summary))
    assert set(counts.values()) == {"0"}, run.summary
    assert "; skipped 0;" in run.summary, run.summary
    # A chapter test skips only where it needs a newer version than the cell's.
    skips = re.findall(r"^SKIPPED \[\d+\] (.*)$", run.output, re.M)
    assert all(NOT_FOR_THIS_VERSION in skip for skip in skips), skips
    # Each backend the cell names ran every block that applies to it.
    for backend in cell.backends:
        assert re.search(rf"{backend} [1-9]\d* passed", run.summary), run.summary


def test_the_main_cell_runs_the_pinned_sqlalchemy() -> None:
    import sqlalchemy

    assert sqlalchemy.__version__ == versions.PINNED_SQLALCHEMY
