"""The API reference: built offline from the inventories in docs/inventories/, and every
link into another project's documentation is an entry of that project's inventory."""

from __future__ import annotations

import re
import shutil
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.docs_examples import ROOT, copy_project
from tests.test_site import CONFIG, mkdocs_build, site

__all__ = ["site"]  # the session's strict build, shared with tests/test_site.py


def inventories(config: dict[str, Any], root: Path) -> dict[str, Path]:
    """base_url -> inventory file, as mkdocs.yml pairs them."""
    [handler] = [
        p["mkdocstrings"]
        for p in config["plugins"]
        if isinstance(p, dict) and "mkdocstrings" in p
    ]
    pairs = handler["handlers"]["python"]["inventories"]
    return {
        pair["base_url"]: root / pair["url"].removeprefix("file:") for pair in pairs
    }


INVENTORIES = inventories(CONFIG, ROOT)
# Sphinx's inventory line: name domain:role priority uri display-name (a name may hold spaces).
ENTRY = re.compile(r"(.+?)\s+(\S+):(\S+)\s+(-?\d+)\s+(\S*)\s+(.*)")


def inventory_uris(path: Path) -> set[str]:
    """Every page#anchor in an objects.inv file, duplicates of a name included."""
    header, _, body = path.read_bytes().partition(b"compressed using zlib.\n")
    assert header.startswith(b"# Sphinx inventory version 2"), path
    uris = set()
    for line in zlib.decompress(body).decode().splitlines():
        match = ENTRY.fullmatch(line)
        assert match, line
        name, uri = match.group(1), match.group(5)
        uris.add(uri[:-1] + name if uri.endswith("$") else uri)
    return uris


EXTERNAL = re.compile(
    r'<a class="autorefs autorefs-external" (?:title="[^"]*" )?href="([^"]+)"'
)


@pytest.fixture(scope="module")
def reference(site: Path) -> str:
    # Built by mkdocs_build: no network (downloads fail) and an empty inventory cache.
    return (site / "reference" / "index.html").read_text()


def test_each_inventory_is_in_the_repository() -> None:
    assert set(INVENTORIES) == {
        "https://docs.python.org/3.14/",
        "https://docs.sqlalchemy.org/en/21/",
        "https://fastapi.tiangolo.com/",
        "https://docs.pydantic.dev/latest/",
    }
    for path in INVENTORIES.values():
        assert path.is_file(), path
        assert path.is_relative_to(ROOT / "docs" / "inventories")


def test_every_external_link_is_an_inventory_entry(reference: str) -> None:
    uris = {
        base + uri for base, path in INVENTORIES.items() for uri in inventory_uris(path)
    }
    links = EXTERNAL.findall(reference)
    assert len(links) > 50
    assert [link for link in links if link not in uris] == []
    # Each project is linked at least once.
    for base in INVENTORIES:
        assert any(link.startswith(base) for link in links), base


@pytest.mark.parametrize(
    "link",
    [
        # create_engine(settings: Settings) -> AsyncEngine
        "https://docs.sqlalchemy.org/en/21/orm/extensions/asyncio.html#sqlalchemy.ext.asyncio.AsyncEngine",
        "https://docs.sqlalchemy.org/en/21/orm/extensions/asyncio.html#sqlalchemy.ext.asyncio.async_sessionmaker",
        "https://docs.sqlalchemy.org/en/21/orm/mapping_api.html#sqlalchemy.orm.DeclarativeBase",
        # get_db(request: Request), create_app(...) -> FastAPI
        "https://fastapi.tiangolo.com/reference/request/#fastapi.Request",
        "https://fastapi.tiangolo.com/reference/fastapi/#fastapi.FastAPI",
        "https://docs.python.org/3.14/library/collections.abc.html#collections.abc.AsyncIterator",
    ],
)
def test_signatures_link_to_the_documentation_of_their_types(
    reference: str, link: str
) -> None:
    assert f'href="{link}"' in reference


def test_the_build_cannot_reach_the_network(tmp_path: Path) -> None:
    # The same build with one inventory on the web instead of in the repository fails.
    project = copy_project(tmp_path, "docs", "snippets", "tests")
    config = project / "mkdocs.yml"
    text = config.read_text()
    local = "url: file:docs/inventories/python.inv"
    assert local in text
    config.write_text(
        text.replace(local, "url: https://docs.python.org/3.14/objects.inv")
    )
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode != 0
    assert "docs.python.org/3.14/objects.inv" in result.stderr


def test_a_reused_cache_would_hide_a_changed_inventory(tmp_path: Path) -> None:
    """Why every build here gets an empty cache: with a kept one, a replaced inventory
    file is ignored for a day."""
    project = copy_project(tmp_path, "docs", "snippets", "tests")
    cache = tmp_path / "kept-cache"
    engine = "orm/extensions/asyncio.html#sqlalchemy.ext.asyncio.AsyncEngine"
    first = mkdocs_build(project / "mkdocs.yml", tmp_path / "one", cache=cache)
    assert first.returncode == 0, first.stderr
    assert engine in (tmp_path / "one" / "reference" / "index.html").read_text()
    # An inventory without SQLAlchemy's objects in place of the real one.
    shutil.copy(
        project / "docs" / "inventories" / "pydantic.inv",
        project / "docs" / "inventories" / "sqlalchemy.inv",
    )
    stale = mkdocs_build(project / "mkdocs.yml", tmp_path / "two", cache=cache)
    assert engine in (tmp_path / "two" / "reference" / "index.html").read_text()
    fresh = mkdocs_build(project / "mkdocs.yml", tmp_path / "three")
    assert stale.returncode == fresh.returncode == 0
    assert engine not in (tmp_path / "three" / "reference" / "index.html").read_text()
