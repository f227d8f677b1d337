"""The error index of docs/mistakes/index.md: generated from the pages (tests/error_index.py),
current, complete, and every link lands on a section of the built site."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests import error_index
from tests.docs_examples import ROOT
from tests.test_site import mkdocs_build


def test_the_index_is_what_the_pages_show() -> None:
    assert error_index.PAGE.read_text() == error_index.rendered(), (
        "docs/mistakes/index.md: the error index is stale; rewrite it with "
        "`python -m tests.error_index`"
    )


def test_every_error_shown_or_named_is_indexed() -> None:
    entries = error_index.entries()
    indexed = [error_index.normalized(entry.text) for entry in entries]
    headings = error_index.heading_errors()
    assert len(headings) >= 60  # the pages' error headings, the mistakes chapter's too
    for heading in headings:
        assert error_index.normalized(heading.text) in indexed, heading
    shown = error_index.shown_errors()
    assert len(shown) >= 100
    for found in shown:
        text = error_index.normalized(found.text)
        covered = any(error_index.covers(h, found.text) for h in headings)
        assert covered or text in indexed, found
    assert len(indexed) == len(set(indexed)), "an error is indexed twice"
    assert len(indexed) >= 100  # "over a hundred", as the home page says


def test_the_index_finds_errors_of_every_library() -> None:
    # The kinds come from the libraries' own classes, not from a list typed here.
    kinds = error_index.exception_names()
    for kind in ("MissingGreenlet", "DeadlockDetectedError", "OperationalError"):
        assert kind in kinds
    assert "Settings" not in kinds  # a class, but no exception


def test_each_link_lands_on_a_section_the_site_search_finds(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    index = json.loads((site / "search" / "search_index.json").read_text())
    locations = {doc["location"] for doc in index["docs"]}
    html = (site / "mistakes" / "index.html").read_text()
    links = re.findall(r'<td><a href="([^"]+)">', html)
    assert len(links) == len(error_index.entries())
    for link in links:
        page, _, anchor = link.partition("#")
        target = (site / "mistakes" / page).resolve() if page else site / "mistakes"
        text = (target / "index.html" if target.is_dir() else target).read_text()
        assert f'id="{anchor}"' in text, link
        folder = target.relative_to(site.resolve() if page else site).as_posix()
        assert f"{folder}/#{anchor}" in locations, link
