"""The site builds cleanly with MkDocs' strict link and anchor checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.docs_examples import ROOT
from tests.servers import free_port, serving, wait_for


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(config),
            "-d",
            str(site),
        ],
        cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
    )


def test_mkdocs_build_is_strict_clean(tmp_path: Path) -> None:
    result = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    built = (
        tmp_path / "site" / "setup" / "engine-and-sessions" / "index.html"
    ).read_text()
    # The include was expanded: the page shows the function, not the --8<-- line.
    assert "create_session_factory" in built
    assert "--8&lt;--" not in built


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(
        "# Home\n\n[gone](missing.md) and [anchor](#nowhere)\n"
    )
    config = (ROOT / "mkdocs.yml").read_text().split("\nnav:")[0]
    (tmp_path / "mkdocs.yml").write_text(config + "\nmarkdown_extensions:\n  - toc\n")
    result = mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0
    assert "missing.md" in result.stderr
    assert "#nowhere" in result.stderr


def test_the_readme_serve_command_serves_the_site() -> None:
    port = free_port()
    args = ("mkdocs", "serve", "--no-livereload", "-a", f"127.0.0.1:{port}")
    with serving(*args, env={"NO_MKDOCS_2_WARNING": "1"}) as process:
        home = wait_for(process, f"http://127.0.0.1:{port}/", seconds=60)
        assert home.status_code == 200
        assert (
            "<title>Async PostgreSQL with SQLAlchemy 2 and FastAPI</title>" in home.text
        )
        page = wait_for(process, f"http://127.0.0.1:{port}/setup/models/")
        assert "AwareDateTime" in page.text
