"""The site builds cleanly with MkDocs' strict link and anchor checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from tests.docs_examples import ROOT
from tests.servers import free_port, serving, wait_for

CONFIG = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
SITE_PATH = urlsplit(CONFIG["site_url"]).path
EDIT_URI = CONFIG["edit_uri"]


# Cross-reference inventories come from docs/inventories/: any download would fail.
NO_NETWORK = "http://127.0.0.1:9"
OFFLINE_BUILD = {
    "NO_MKDOCS_2_WARNING": "1",
    **dict.fromkeys(
        ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"), NO_NETWORK
    ),
    "no_proxy": "",
    "NO_PROXY": "",
}


def fresh_cache(site: Path) -> Path:
    """An empty cache directory: mkdocstrings keeps inventories, even local ones, for a
    day in ~/.cache, so a build reusing it could link with yesterday's inventory."""
    cache = site.parent / f"{site.name}.cache"
    shutil.rmtree(cache, ignore_errors=True)
    return cache


def mkdocs_build(
    config: Path, site: Path, site_url: str | None = None, cache: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict`; with `site_url`, for that address instead of the configured one."""
    cwd = config.parent
    if site_url:
        # As `mkdocs serve` does: the sitemap, which instant navigation reads, then names
        # the address the site is really served from.
        child = site.parent / f"{site.name}.mkdocs.yml"
        # Hooks are found relative to the config that names them: give their full paths.
        hooks = yaml.safe_load(config.read_text()).get("hooks", [])
        lines = [
            f"INHERIT: {config}",
            f"docs_dir: {cwd / 'docs'}",
            f"site_url: {site_url}",
        ]
        if hooks:
            lines += ["hooks:", *(f"  - {cwd / hook}" for hook in hooks)]
        child.write_text("\n".join(lines) + "\n")
        config = child
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
        cwd=cwd,
        env={
            **os.environ,
            **OFFLINE_BUILD,
            "XDG_CACHE_HOME": str(cache or fresh_cache(site)),
        },
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `mkdocs build --strict` writes it, once per test session (worker)."""
    site = tmp_path_factory.mktemp("site")
    result = mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return site


def test_mkdocs_build_is_strict_clean(site: Path) -> None:
    built = (site / "setup" / "engine-and-sessions" / "index.html").read_text()
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
        root = wait_for(process, f"http://127.0.0.1:{port}/", seconds=60)
        # The README's address: the published site's path, which the root redirects to.
        assert f"http://127.0.0.1:8000{SITE_PATH}" in (ROOT / "README.md").read_text()
        assert root.headers["location"] == SITE_PATH
        home = httpx.get(f"http://127.0.0.1:{port}{SITE_PATH}")
        assert home.status_code == 200
        assert (
            "<title>Async PostgreSQL with SQLAlchemy 2 and FastAPI</title>" in home.text
        )
        page = httpx.get(f"http://127.0.0.1:{port}{SITE_PATH}setup/models/")
        assert "AwareDateTime" in page.text


EDIT_LINK = re.compile(r'<a href="([^"]+)" title="Edit this page"')


def test_every_page_links_to_its_source_for_editing(site: Path) -> None:
    pages = sorted(site.rglob("index.html"))
    assert len(pages) > 20
    for page in pages:
        links = EDIT_LINK.findall(page.read_text())
        assert len(links) == 1, f"{page}: {len(links)} edit links"
        assert links[0].startswith(EDIT_URI), links[0]
        source = ROOT / "docs" / links[0].removeprefix(EDIT_URI)
        assert source.is_file(), f"{page} edits {source}, which does not exist"


def test_the_404_page_loads_its_assets_from_the_site_path(site: Path) -> None:
    # Served for any missing address, so it cannot use relative links.
    html = (site / "404.html").read_text()
    assert f'href="{SITE_PATH}assets/stylesheets/' in html
    assert 'href="assets/' not in html
