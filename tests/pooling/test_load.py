"""snippets/pooling/load.py: the harness runs (quick mode), and the page shows its data."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from httpx import ASGITransport, AsyncClient

from snippets.database import close_db, create_engine, create_session_factory, init_db
from snippets.models import User
from snippets.pooling.load import (
    database,
    drive,
    free_port,
    render_machine,
    render_svg,
    render_table,
    wait_until_serving,
)
from snippets.pooling.load_app import VARIANT_ENV, VARIANTS, app_for_variant
from snippets.settings import Settings
from tests.docs_examples import ROOT

PAGE = ROOT / "docs" / "pooling" / "load.md"
RESULTS = ROOT / "docs" / "pooling" / "load-results.json"


def test_the_page_table_and_plot_are_rendered_from_the_data() -> None:
    results = json.loads(RESULTS.read_text())
    assert [case["variant"] for case in results["cases"]] == VARIANTS
    page = PAGE.read_text()
    table = page.split("<!-- load-table -->\n")[1].split("\n<!-- /load-table -->")[0]
    assert table == render_table(results)
    machine = page.split("<!-- load-machine -->\n")[1].split(
        "\n<!-- /load-machine -->"
    )[0]
    assert machine == render_machine(results)
    assert (ROOT / "docs" / "pooling" / "load.svg").read_text() == render_svg(results)
    # The published run met the chapter's expectations.
    default = results["cases"][0]
    assert all(case["errors"] == 0 for case in results["cases"])
    assert default["peak_checked_out"] <= 5 + 10
    assert results["cases"][1]["peak_checked_out"] <= 20 + 10
    # The page says both connection-per-request variants were slower than both pools.
    pools, per_request = results["cases"][:2], results["cases"][2:]
    slowest_pool = min(case["requests_per_s"] for case in pools)
    assert all(case["requests_per_s"] < slowest_pool for case in per_request)


def test_the_harness_runs_in_quick_mode(tmp_path: Path) -> None:
    """The contributor's command as it is: no DATABASE_URL, so it starts its own server."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snippets.pooling.load",
            "--quick",
            "--out",
            str(tmp_path),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    results = json.loads((tmp_path / "load-results.json").read_text())
    assert [case["variant"] for case in results["cases"]] == VARIANTS
    assert all(case["requests"] > 0 for case in results["cases"])
    assert results["cases"][0]["ratio"] == 1
    assert result.stdout.strip() == render_table(results)
    assert (tmp_path / "load.svg").read_text() == render_svg(results)


def test_database_url_wins_over_a_private_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:secret@db.example.com/app")
    with database() as url:
        assert url == "postgresql+asyncpg://u:secret@db.example.com/app"


async def test_failed_requests_count_as_errors() -> None:
    result = await drive(f"http://127.0.0.1:{free_port()}", clients=2, seconds=1.0)
    assert result["errors"] == result["requests"] > 0


async def test_a_variant_that_cannot_start_is_reported() -> None:
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "raise SystemExit(3)"
    )
    with pytest.raises(RuntimeError, match="the app exited with 3 before serving"):
        await wait_until_serving(server, f"http://127.0.0.1:{free_port()}")


@pytest.mark.parametrize("variant", VARIANTS)
async def test_each_variant_serves_users_and_404s(
    variant: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(settings)
    await init_db(engine)
    async with create_session_factory(engine).begin() as session:
        session.add(User(email="a@example.com", name="Ada"))
    await close_db(engine)
    monkeypatch.setenv(VARIANT_ENV, variant)
    app = app_for_variant()
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        assert (await client.get("/users/1")).json()["name"] == "Ada"
        assert (await client.get("/users/2")).status_code == 404


def test_an_unknown_variant_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(VARIANT_ENV, "bigger is better")
    with pytest.raises(ValueError, match="unknown LOAD_VARIANT"):
        app_for_variant()
