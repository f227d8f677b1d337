"""The agent skill (tests/skill.py; skill.zip on the site): the seeds' shape, its assets the starter
project that tests/test_starter.py installs and runs, its commands the ones that test runs, and
its references the chapters with their tested code in place."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests import starter
from tests.docs_examples import DOCS, ROOT
from tests.llms import TITLE
from tests.skill import COPY_ORDER, REFERENCES
from tests.test_llms import assert_code_in_place, nav_pages
from tests.test_site import CONFIG, site

__all__ = ["site"]  # the fixture, shared with the other site tests

NAME = "async-postgres-fastapi"
# SKILL.md's pointers into the bundle: `assets/...` and `references/...`.
POINTER = re.compile(r"`((?:assets|references)/[^`\s]*)`")


@pytest.fixture(scope="module")
def bundle(site: Path) -> dict[str, str]:
    with zipfile.ZipFile(site / "skill.zip") as archive:
        return {
            name.removeprefix(f"{NAME}/"): archive.read(name).decode()
            for name in archive.namelist()
        }


def test_skill_md_says_when_to_use_it_and_how_to_set_up(bundle: dict[str, str]) -> None:
    _, front, body = bundle["SKILL.md"].split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["name"] == NAME
    assert meta["description"].startswith(
        "Async PostgreSQL with SQLAlchemy 2 and FastAPI"
    )
    assert "Use when" in meta["description"]
    # The commands are the starter's, which tests/test_starter.py runs one by one.
    assert starter.command_block() in body
    for pointer in POINTER.findall(body):
        assert any(name.startswith(pointer.rstrip("/")) for name in bundle), pointer


def test_its_assets_are_the_starter_project(site: Path, bundle: dict[str, str]) -> None:
    with zipfile.ZipFile(site / starter.ZIP_NAME) as archive:
        project = {
            name.removeprefix(f"{starter.FOLDER}/"): archive.read(name).decode()
            for name in archive.namelist()
        }
    assets = {
        name.removeprefix("assets/"): text
        for name, text in bundle.items()
        if name.startswith("assets/")
    }
    assert assets == project


def test_each_reference_is_its_chapter_with_the_tested_code_in_place(
    bundle: dict[str, str],
) -> None:
    chapters = {
        title: list(nav_pages(pages))
        for entry in CONFIG["nav"]
        for title, pages in entry.items()
        if isinstance(entry, dict)
    }
    for section, file in REFERENCES.items():
        reference = bundle[f"references/{file}"]
        source = [
            line
            for path in chapters[section]
            for line in (DOCS / path).read_text().splitlines()
        ]
        assert_code_in_place(source, reference, file)
        # Contents first: each page's title, in nav order.
        contents = reference.split("\n\n", 2)[1].splitlines()
        titles = [line[2:] for line in contents if line.startswith("- ")]
        assert titles == [
            TITLE.search((DOCS / page).read_text())[1]  # type: ignore[index]
            for page in chapters[section]
        ], file
    assert "`MissingGreenlet" in bundle["references/mistakes.md"]


def test_a_builder_without_hooks_gets_the_same_zip(site: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "tests/skill.py", str(tmp_path)], cwd=ROOT, check=True
    )
    assert (tmp_path / "skill.zip").read_bytes() == (site / "skill.zip").read_bytes()


def test_the_copy_order_for_an_existing_app_imports_nothing_from_further_down(
    bundle: dict[str, str],
) -> None:
    order = [*COPY_ORDER, "app.py"]
    assert ", ".join(f"`{name}`" for name in COPY_ORDER) in bundle["SKILL.md"]
    for position, name in enumerate(order):
        imported = starter.imported_files(ROOT / "snippets" / name)
        later = {f"snippets/{other}" for other in order[position + 1 :]}
        assert not imported & later, (name, imported & later)
    # Every module app.py needs is in the list.
    needed = {f"snippets/{name}" for name in order}
    assert starter.imported_files(ROOT / "snippets/app.py") <= needed
