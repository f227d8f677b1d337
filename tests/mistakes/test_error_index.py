"""The error index of docs/mistakes/index.md: generated from the pages (tests/error_index.py),
current, complete, and every link lands on a section of the built site."""

from __future__ import annotations

import json
import os
import re
from html import unescape
from pathlib import Path

from tests import error_index
from tests.docs_examples import ROOT
from tests.pages import section_output
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
    shown = error_index.shown_errors()
    assert len(shown) >= 100
    for found in shown:
        text = error_index.normalized(found.text)
        covered = any(error_index.covers(h, found.text) for h in headings)
        assert covered or text in indexed or text == found.kind, found
    rows = [(e.text, e.page, e.anchor) for e in entries]
    assert len(rows) == len(set(rows)), "a row is in the index twice"
    assert len(set(indexed)) >= 100  # "over a hundred", as the home page says


# The entry both SQLAlchemy versions' MissingGreenlet wording must find.
LAZY_LOAD_ENTRY = "mistakes/#missing-greenlet-lazy-load"
INDEX = re.compile(r"<!-- error-index -->\n(.*?)<!-- /error-index -->", re.S)
ROW = re.compile(
    r"^\| `+ ?(?P<text>.+?) ?`+ \| \[[^\]]*\]\((?P<link>[^)]+)\) \|$", re.M
)


def test_each_error_heading_has_its_own_row() -> None:
    # Read from the page as written, not from the generator: several headings that
    # name one error (MissingGreenlet, three causes) each get a link.
    table = INDEX.search(error_index.PAGE.read_text())
    assert table is not None
    links = {m["link"] for m in ROW.finditer(table.group(1))}
    for page in sorted(error_index.DOCS.rglob("*.md")):
        if "inventories" in page.parts:
            continue
        target = Path(os.path.relpath(page, error_index.PAGE.parent)).as_posix()
        for anchor in re.findall(
            r"^#{2,4} `[A-Za-z]\w*: [^`]+`.*\{#([a-z0-9-]+)\}$", page.read_text(), re.M
        ):
            link = f"#{anchor}" if page == error_index.PAGE else f"{target}#{anchor}"
            assert link in links, link


def test_every_exception_class_an_output_shows_is_in_the_index() -> None:
    # A loose scan, independent of the generator's line rules: any exception class
    # name anywhere in a compared output must be the kind of some row.
    table = INDEX.search(error_index.PAGE.read_text())
    assert table is not None
    kinds = {
        re.match(r"[A-Za-z]\w*", m["text"]).group()
        for m in ROW.finditer(table.group(1))
    }  # type: ignore[union-attr]
    names = error_index.exception_names()
    missing = set()
    for page in error_index.pages():
        for _, _, body in error_index.sections(page):
            output = section_output(body)
            # A class name that an error's text starts with, or that ends a line.
            for name in re.findall(
                r"\b([A-Z]\w*(?:Error|Exception|Warning))(?::|$)", output, re.M
            ):
                if name not in kinds:
                    missing.add((page.name, name, name in names))
    # (page, class, known): a class not known is one whose module the generator does
    # not read yet: add it to MODULES in tests/error_index.py.
    assert not missing


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
    # A reader on SQLAlchemy 2.0 searches for its wording and lands on the same entry.
    entry = [d["text"] for d in index["docs"] if d["location"] == LAZY_LOAD_ENTRY]
    assert "await_() here" in entry[0]
    assert "can't call await_only() here" in unescape(entry[0])
