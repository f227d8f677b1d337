"""llms.txt, llms-full.txt and the pages as Markdown (tests/llms.py, run by the site build):
every nav page listed once, each with its includes expanded to the code the tests run."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.docs_examples import DOCS, ROOT, section_text
from tests.llms import markdown_address, page_address
from tests.shown_code import INCLUDE
from tests.test_site import CONFIG, site

__all__ = ["site"]  # the fixture, shared with the other site tests

LINK = re.compile(r"^- \[(.+)\]\((\S+)\)$", re.M)
# pymdownx.snippets' escape: the line is shown as an include, not included.
ESCAPED_INCLUDE = re.compile(r'^\s*;--8<--\s+"[^"]*"\s*$')
# A link that would point elsewhere once the Markdown is not where the page's source is.
RELATIVE_PAGE_LINK = re.compile(
    r"\]\((?!https?:|#)[^)\s]*\.(?:md|svg|png|zip|txt|json)|(?:href|src)=\"(?!https?:|#)"
)


def nav_pages(nav: Any = CONFIG["nav"]) -> Iterator[str]:
    if isinstance(nav, str):
        yield nav
    else:
        for item in nav.values() if isinstance(nav, dict) else nav:
            yield from nav_pages(item)


def expected_include(line: str) -> str:
    """An include line as the build expands it: the section, indented like the line."""
    found = INCLUDE.match(line)
    assert found
    indent = line[: len(line) - len(line.lstrip())]
    return "\n".join(indent + shown for shown in section_text(found[1]).splitlines())


def test_llms_txt_links_every_nav_page_once_in_nav_order(site: Path) -> None:
    text = (site / "llms.txt").read_text()
    assert text.startswith(
        f"# {CONFIG['site_name']}\n\n> {CONFIG['site_description']}\n"
    )
    base = CONFIG["site_url"]
    links = [url for _, url in LINK.findall(text)]
    # Reference and contributing last, under "Optional", as llmstxt.org names that part.
    _, optional = text.split("\n## Optional\n")
    assert [url for _, url in LINK.findall(optional)] == [
        base + markdown_address(path)
        for path in ("reference/index.md", "contributing.md")
    ]
    assert sorted(links) == sorted(base + markdown_address(p) for p in nav_pages())
    assert len(links) == len(set(links))
    missing = [url for url in links if not (site / url.removeprefix(base)).is_file()]
    assert not missing


def test_each_page_is_its_address_plus_index_html_md() -> None:
    assert markdown_address("index.md") == "index.html.md"
    assert markdown_address("setup/index.md") == "setup/index.html.md"
    assert markdown_address("setup/models.md") == "setup/models/index.html.md"


def assert_code_in_place(source: list[str], markdown: str, where: str) -> int:
    """Every include line of `source` is replaced in `markdown` by its section, only the
    escaped ones stay as lines, and no link is left relative. Returns the includes seen."""
    includes = [line for line in source if INCLUDE.match(line)]
    for line in includes:
        assert expected_include(line) in markdown, (where, line)
    left = [line for line in markdown.splitlines() if INCLUDE.match(line)]
    # Only the includes the page shows as markup (escaped with ";") stay as lines.
    assert len(left) == sum(bool(ESCAPED_INCLUDE.match(line)) for line in source)
    # Links to other pages point at the site: the Markdown sits elsewhere.
    assert not RELATIVE_PAGE_LINK.search(markdown), where
    return len(includes)


def test_each_page_has_its_tested_code_in_place_of_its_includes(site: Path) -> None:
    checked = sum(
        assert_code_in_place(
            (DOCS / path).read_text().splitlines(),
            (site / markdown_address(path)).read_text(),
            path,
        )
        for path in nav_pages()
    )
    assert checked > 300, checked  # every page's programs, not a few


def test_llms_full_txt_is_every_page_in_nav_order_each_after_its_address(
    site: Path,
) -> None:
    base = CONFIG["site_url"]
    pages = [
        f"<!-- {base}{page_address(path)} -->\n"
        + (site / markdown_address(path)).read_text()
        for path in nav_pages()
    ]
    assert (site / "llms-full.txt").read_text() == "\n".join(pages)


def test_a_builder_without_hooks_gets_the_same_files(
    site: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "tests/llms.py", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    written = sorted(
        p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()
    )
    assert written == sorted(
        [
            Path("llms.txt"),
            Path("llms-full.txt"),
            *(Path(markdown_address(p)) for p in nav_pages()),
        ]
    )
    for name in written:
        assert (tmp_path / name).read_text() == (site / name).read_text(), name


def test_the_home_page_links_both_files(site: Path) -> None:
    home = (site / "index.html").read_text()
    for name in ("llms.txt", "llms-full.txt"):
        assert f'href="{name}"' in home
        assert (site / name).is_file()
    size = (site / "llms-full.txt").stat().st_size
    shown = f"about {size / 1e6:.1f} MB"
    assert shown in (DOCS / "index.md").read_text(), f"docs/index.md should say {shown}"
