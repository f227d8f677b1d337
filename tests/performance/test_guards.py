"""The harness refuses to time variants that disagree, and reports a failing pgbench."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.performance import loading, lookups, pagination
from tests.performance.bench import harness
from tests.performance.bench.http import drive
from tests.performance.bench.report import lookups_table, write_results
from tests.servers import static_site

pytestmark = pytest.mark.parametrize("backend", ["postgres"])

TINY = dataclasses.replace(
    harness.QUICK, repeats=1, lookups=20, parents=3, table_rows=200, pages=(1, 2)
)
PUBLISHED = Path(__file__).parents[2] / "docs" / "performance"


async def test_lookups_that_disagree_are_refused(
    engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def wrong(engine: AsyncEngine, ids: list[int]) -> int:
        return -1

    monkeypatch.setattr(lookups, "orm_get", wrong)
    with pytest.raises(AssertionError, match="the lookup variants disagree"):
        await harness.bench_lookups(engine, TINY, database_url, None)


async def test_loaders_that_disagree_are_refused(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def nothing(engine: AsyncEngine) -> loading.Pairs:
        return []

    monkeypatch.setattr(loading, "subquery", nothing)
    with pytest.raises(AssertionError, match="the loading variants returned different"):
        await harness.bench_loading(engine, TINY)


async def test_pages_that_disagree_are_refused(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def empty_page(
        engine: AsyncEngine, after: pagination.Key | None, size: int
    ) -> list[pagination.Key]:
        return []

    monkeypatch.setattr(pagination, "keyset_page", empty_page)
    with pytest.raises(AssertionError, match="offset and keyset disagree on page 1"):
        await harness.bench_pagination(engine, TINY)


async def test_pgbench_is_optional_and_its_failures_are_reported(
    database_url: str,
) -> None:
    assert await harness.pgbench_lookup_us(database_url, None, 1) is None
    false = shutil.which("false")
    assert false is not None
    with pytest.raises(RuntimeError, match="pgbench -i -q -s 1"):
        await harness.pgbench_lookup_us(database_url, false, 1)


def test_without_pgbench_the_lookups_table_has_no_scale_row(backend: str) -> None:
    results = json.loads((PUBLISHED / "results.json").read_text())
    group = {**results["groups"]["lookups"], "pgbench_us": None}
    assert "pgbench" in lookups_table(results["groups"]["lookups"])
    assert "pgbench" not in lookups_table(group)


def test_a_full_run_rewrites_the_page_regions(tmp_path: Path, backend: str) -> None:
    results = json.loads((PUBLISHED / "results.json").read_text())
    page = tmp_path / "index.md"
    page.write_text("<!-- perf:machine -->\n<!-- /perf:machine -->\n")
    with pytest.raises(ValueError, match="no <!-- perf:targets --> region"):
        write_results(results, tmp_path, page)
    shutil.copy(PUBLISHED / "index.md", page)
    printed = write_results(results, tmp_path, page)
    assert printed.endswith(f"updated {page}")
    assert page.read_text() == (PUBLISHED / "index.md").read_text()


async def test_the_python_client_counts_answers(tmp_path: Path, backend: str) -> None:
    for n in range(1, 11):
        (tmp_path / "users" / str(n)).parent.mkdir(exist_ok=True)
        (tmp_path / "users" / str(n)).write_text("{}")
    with static_site(tmp_path, "/") as base:
        result = await drive(
            base.rstrip("/"), "/users/{id}", clients=2, seconds=0.3, users=10
        )
    assert result["errors"] == 0
    assert result["requests_per_s"] > 0
