"""The error headings of every page but the mistakes chapter: every wrong way that raises
has a heading with the exact error, `### `Kind: message` {#anchor}`, which the section's
own output shows and the site search finds by its words."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

import pytest

from tests.docs_examples import DOCS, ROOT
from tests.pages import section_output, with_includes
from tests.test_site import mkdocs_build

# Every page, so a page that gains an error heading is checked without being listed;
# but the mistakes chapter, whose entries tests/mistakes/test_mistakes.py checks.
PAGES = sorted(
    path
    for path in DOCS.rglob("*.md")
    if "inventories" not in path.parts and path != DOCS / "mistakes" / "index.md"
)
HEADING = re.compile(
    r"^(?P<level>#{2,4}) (?P<title>[^\n]+?) \{#(?P<anchor>[a-z0-9-]+)\}\n"
    r"(?P<body>.*?)(?=^#{2,4} |\Z)",
    re.M | re.S,
)
ERROR = re.compile(r"^`(?P<kind>[A-Z][\w.]*): (?P<message>[^`]+)`$")


def error_headings() -> list[tuple[str, str, str, str]]:
    """(page, anchor, heading text, section body) of every anchored heading that names an
    error (`Kind: message`) or a silent wrong result (`No error: ...`)."""
    found = []
    for page in PAGES:
        for match in HEADING.finditer(page.read_text()):
            title = match.group("title")
            if ERROR.match(title) or title.startswith("No error:"):
                rel = page.relative_to(DOCS).as_posix()
                found.append((rel, match.group("anchor"), title, match.group("body")))
    return found


HEADINGS = error_headings()


def words(text: str) -> list[str]:
    """The distinctive words of an error text: what a reader would search for."""
    return re.findall(r"[A-Za-z][A-Za-z_']{5,}", text.replace("`", ""))


def test_the_chapter_has_its_error_index() -> None:
    pages = {page for page, _, _, _ in HEADINGS}
    assert len(HEADINGS) >= 10, HEADINGS
    assert len(pages) >= 4, pages


@pytest.mark.parametrize(
    ("page", "anchor", "title", "body"),
    HEADINGS,
    ids=[f"{page}#{anchor}" for page, anchor, _, _ in HEADINGS],
)
def test_an_error_heading_is_what_its_section_prints(
    page: str, anchor: str, title: str, body: str
) -> None:
    error = ERROR.match(title)
    if error is None:  # a silent wrong result: its section shows an example
        assert "--8<--" in body or "```python" in body, f"{page}#{anchor} shows no code"
        return
    # "..." in a heading stands for the part that varies (an address, a long value).
    message = ".*?".join(map(re.escape, error["message"].split("...")))
    shown = section_output(body)
    assert re.search(message, shown), (
        f"{page}#{anchor}: {error['message']!r} is not in what the section shows:\n{shown}"
    )
    kind = error["kind"].rsplit(".", 1)[-1]
    assert re.search(rf"\b{kind}\b", with_includes(body)), f"{page}#{anchor}: {kind}"


def test_the_site_search_finds_each_error_by_its_words(tmp_path: Path) -> None:
    result = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stderr
    index = json.loads((tmp_path / "site" / "search" / "search_index.json").read_text())
    titles = {doc["location"]: doc["title"] for doc in index["docs"]}
    for page, anchor, title, _ in HEADINGS:
        # An index page is served as its folder: sessions/index.md -> sessions/
        path = PurePosixPath(page)
        folder = path.parent if path.stem == "index" else path.with_suffix("")
        location = f"{folder}/#{anchor}"
        assert location in titles, f"no search entry for {location}"
        assert all(word in titles[location] for word in words(title)[:4]), (
            location,
            titles[location],
        )
