"""The pages a reader meets first: the home page and the Setup chapter's overview.

What they say about the rest of the site (its chapters, how examples run, the pinned
versions) is read from the site itself here, so it cannot go stale.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from typing import Any

import markdown
import pytest
from markdown.extensions.toc import slugify

from tests.docs_examples import ROOT, inline_blocks
from tests.pages import page, shown_table
from tests.test_site import CONFIG

HOME = page("index.md")
PUBLISHED = "https://github.com/proven-docs/async-sqlalchemy-fastapi/blob/main/"


def chapters() -> list[tuple[str, str]]:
    """(title, first page) of every top-level nav entry after Home."""
    found = []
    for entry in CONFIG["nav"][1:]:
        ((title, target),) = entry.items()
        while isinstance(target, list):
            target = target[0]
        if isinstance(target, dict):
            ((_, target),) = target.items()
        found.append((title, target))
    return found


def test_home_page_lists_every_chapter_in_the_nav() -> None:
    table = HOME.split("## What is where", 1)[1]
    listed = re.findall(r"^\| \[(.+?)\]\((.+?)\) \|", table, re.M)
    assert listed == chapters()


def test_home_page_does_not_say_every_block_runs_on_both_backends() -> None:
    one_backend = [block for block in inline_blocks() if len(block.backends) == 1]
    assert one_backend  # the claim below is about these
    intro = HOME.split("\n## ", 1)[0]
    assert not re.search(r"\btwice\b", intro), (
        f"{len(one_backend)} blocks run on one backend only, e.g. "
        f"{one_backend[0].location}"
    )
    assert "marked for" in intro, "say which blocks run on one backend only"


def test_versions_table_shows_every_pin_of_the_app_and_its_tests() -> None:
    """Every runtime pin of pyproject.toml, and the test plugin the Testing chapter uses,
    with the pinned version, which is also the installed one."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = dict(
        re.split(r"(?:\[.*\])?==", dep)
        for dep in project["dependencies"] + project["optional-dependencies"]["test"]
        if "==" in dep
    )
    rows = {
        row["package"]: row["version"]
        for row in shown_table("setup/index.md", "versions")
    }
    rows.pop("PostgreSQL server")
    wanted = {re.split(r"[\[=]", dep)[0] for dep in project["dependencies"]}
    wanted.add("pytest-asyncio")
    assert set(rows) == wanted
    assert rows == {name: pins[name] for name in rows}
    assert rows == {name: version(name) for name in rows}


# Pages that name a file of the test suite, which is not part of the published site.
# Every page: the site publishes docs/, not tests/.
PAGES_WITH_SOURCE_LINKS = sorted(
    path.relative_to(ROOT / "docs").as_posix()
    for path in (ROOT / "docs").rglob("*.md")
    if "inventories" not in path.parts
)
FENCE = re.compile(r"^([ \t]*)```.*?^\1```", re.M | re.S)
# The scaffold's example page, which a contributor creates; it is not in the repository.
EXAMPLE_FILES = {"tests/queries/test_search.py"}
TESTS_PATH = re.compile(r"(\[?)`(tests/[^`]+)`(\]\(([^)]+)\))?")


@pytest.mark.parametrize("path", PAGES_WITH_SOURCE_LINKS)
def test_test_files_named_on_a_page_link_to_their_published_source(path: str) -> None:
    prose = FENCE.sub("", page(path))
    unlinked = []
    for match in TESTS_PATH.finditer(prose):
        name, link = match.group(2), match.group(4)
        if "<" in name:  # a pattern such as tests/<chapter>/, not a file
            continue
        if name in EXAMPLE_FILES:
            assert not (ROOT / name).exists(), f"{name} exists now: link it"
            continue
        if link is None:
            unlinked.append(name)
            continue
        assert link.startswith(PUBLISHED), link
        target = link.removeprefix(PUBLISHED).split("#")[0]
        assert (ROOT / target).exists(), f"docs/{path}: {link} names no file"
    assert not unlinked, (
        f"docs/{path} names {unlinked}; link each to {PUBLISHED}<path>, "
        "the site does not publish the tests"
    )


# The home page's way in for a reader who copies code: the pieces to copy first, each a link
# to the page section that shows it, and the way in by error message.
HEADING = re.compile(r"^(#{1,6}) (.+?)(?: \{#([\w-]+)\})?$")
ANY_FENCE = re.compile(r"^([ \t]*)(```|~~~).*?^\1\2", re.M | re.S)
LINK = re.compile(r"\[([^\]]+)\]\(([\w/.-]+\.md)#([\w-]+)\)")
INCLUDE = re.compile(r'--8<-- "(snippets/[\w/]+\.py):\w+"')
IMPORT = re.compile(r"^\s*from (snippets(?:\.\w+)+) import", re.M)


def home_section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", HOME, re.M | re.S)
    assert match, f"docs/index.md needs a `## {title}` section"
    return match.group(1)


def sections(path: str) -> dict[str, str]:
    """Heading id -> the Markdown from that heading to the next of the same or a higher
    level, for every heading of a page, with ids as MkDocs' toc extension makes them."""
    # Fences blanked, not removed, so a `# comment` in a code block is not a heading.
    text = ANY_FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), page(path))
    lines = page(path).splitlines()
    headings = []
    for number, line in enumerate(text.splitlines()):
        match = HEADING.match(line)
        if match:
            level, title, explicit = match.groups()
            headings.append(
                (number, len(level), explicit or slugify(title.replace("`", ""), "-"))
            )
    found = {}
    for i, (start, level, anchor) in enumerate(headings):
        end = next((n for n, lv, _ in headings[i + 1 :] if lv <= level), len(lines))
        found[anchor] = "\n".join(lines[start:end])
    return found


@pytest.mark.parametrize(
    "path", sorted({path for _, path, _ in LINK.findall(HOME)} | {"mistakes/index.md"})
)
def test_heading_ids_are_the_ones_mkdocs_makes(path: str) -> None:
    """`sections` agrees with Python-Markdown's toc on every page the home page links into
    (code in headings, explicit ids, `#` lines in code blocks)."""
    md = markdown.Markdown(
        extensions=[
            "toc",
            "attr_list",
            "admonition",
            "pymdownx.details",
            "pymdownx.superfences",
            "pymdownx.tabbed",
        ]
    )
    md.convert(page(path))

    def ids(tokens: list[dict[str, Any]]) -> set[str]:
        return {t["id"] for t in tokens}.union(*(ids(t["children"]) for t in tokens))

    assert set(sections(path)) == ids(md.toc_tokens)


def copy_first_links() -> list[tuple[str, str, str]]:
    return LINK.findall(home_section("Copy these first"))


def test_each_copy_first_link_goes_to_a_section_that_shows_code() -> None:
    links = copy_first_links()
    assert len(links) >= 6
    for text, path, anchor in links:
        shown = sections(path)
        assert anchor in shown, f"[{text}]({path}#{anchor}): no such heading on {path}"
        assert INCLUDE.search(shown[anchor]), (
            f"[{text}]({path}#{anchor}) includes no code from snippets/"
        )


def test_the_copy_first_order_needs_nothing_from_further_down_the_list() -> None:
    """Each module the list shows imports only modules the list shows before it: copied
    in that order into a `snippets` package, every import resolves."""
    modules: list[str] = []
    for _, path, anchor in copy_first_links():
        for module in INCLUDE.findall(sections(path)[anchor]):
            if "/examples/" in module:
                continue  # a program the page runs, not a file of the reader's app
            if module not in modules:
                modules.append(module)
    assert "snippets/testing/fixtures.py" in modules
    for position, module in enumerate(modules):
        imported = {
            name.replace(".", "/") + ".py"
            for name in IMPORT.findall((ROOT / module).read_text())
        }
        missing = sorted(imported - set(modules[:position]))
        assert not missing, (
            f"{module} imports {missing}, which the list does not show before it"
        )


def test_the_error_examples_are_headings_of_the_mistakes_page() -> None:
    headings = {
        anchor: title
        for title, anchor in re.findall(
            r"^### (.+?) \{#([\w-]+)\}$", page("mistakes/index.md"), re.M
        )
    }
    section = home_section("Find your error")
    assert "](mistakes/index.md)" in section, "link the Common mistakes index itself"
    examples = [
        (text, anchor)
        for text, path, anchor in LINK.findall(section)
        if path == "mistakes/index.md" and text.startswith("`")
    ]
    assert len(examples) >= 2
    for text, anchor in examples:
        assert anchor in headings, f"mistakes/index.md has no {{#{anchor}}}"
        assert text == headings[anchor], f"not the heading of #{anchor}: {text}"
