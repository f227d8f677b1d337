"""docs/mistakes/index.md: headings whose error is reproduced outside an inline block."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs_examples import ROOT
from tests.setup.test_install import GREENLET_PROGRAM
from tests.setup.test_seeds import run_undisposed
from tests.test_site import mkdocs_build

PAGE = (ROOT / "docs" / "mistakes" / "index.md").read_text()


def heading(anchor: str) -> str:
    match = re.search(rf"^## `(.+?)`.*\{{#{anchor}\}}$", PAGE, re.M)
    assert match, f"docs/mistakes/index.md has no heading with {{#{anchor}}}"
    return match.group(1)


def test_greenlet_heading_is_the_message() -> None:
    result = subprocess.run(
        [sys.executable, "-c", GREENLET_PROGRAM], capture_output=True, text=True
    )
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(heading("missing-greenlet-extra"))
    )


@pytest.mark.parametrize("backend", ["postgres"])
def test_different_loop_heading_matches_the_error(database_url: str) -> None:
    result = run_undisposed(database_url, "second-loop")
    message = result.stdout.splitlines()[0]
    assert re.search(
        r"got Future <Future pending.*> attached to a different loop", message
    )
    assert heading("different-loop") == (
        "RuntimeError: ... got Future <Future pending> attached to a different loop"
    )


@pytest.mark.parametrize("backend", ["postgres"])
def test_not_disposed_heading_matches_the_warning(database_url: str) -> None:
    result = run_undisposed(database_url, "forget", "-X", "dev")
    assert f"{heading('not-disposed')} <asyncpg.connection.Connection" in result.stderr


def test_the_site_search_index_finds_each_entry_by_its_error(tmp_path: Path) -> None:
    result = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text())
    sections = {doc["location"]: doc["title"] for doc in index["docs"]}
    entries = re.findall(r"^## (.+?) \{#([a-z0-9-]+)\}$", PAGE, re.M)
    assert len(entries) >= 20
    for heading_text, anchor in entries:
        title = sections.get(f"mistakes/#{anchor}")
        assert title is not None, f"no search entry for mistakes/#{anchor}"
        # The distinctive words of the error are searchable in the entry's title.
        words = re.findall(r"[A-Za-z][A-Za-z_']{5,}", heading_text.replace("`", ""))
        assert words
        assert all(word in title for word in words[:4]), (anchor, title)


def test_every_entry_links_upstream() -> None:
    entries = re.split(r"^## ", PAGE, flags=re.M)[1:]
    missing = [
        body.splitlines()[0]
        for body in entries
        if "{#" in body.splitlines()[0] and "<https://" not in body
    ]
    assert not missing, missing
