"""The pages a reader meets first: the home page and the Setup chapter's overview.

What they say about the rest of the site (its chapters, how examples run, the pinned
versions) is read from the site itself here, so it cannot go stale.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import pytest

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
EXAMPLE_FILES = {"tests/queries/test_upserts.py"}
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
