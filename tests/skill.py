"""The agent skill (skill.zip on the site), the same kind of bundle as the seed documents: SKILL.md,
assets/ with the starter project's files and references/ with the guide's chapters as Markdown,
generated at every build from the code the suite tests.

An MkDocs hook (mkdocs.yml, `hooks:`); builders without hooks run `python tests/skill.py SITE`.
MkDocs loads a hook by its path, so the sibling tools are imported from this folder.
"""

from __future__ import annotations

import io
import posixpath
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).parent))
import llms
import starter
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig

NAME = "async-postgres-fastapi"
ZIP_NAME = "skill.zip"
# references/<file>: the nav sections an agent looks things up in.
REFERENCES = {
    "Queries": "queries.md",
    "Relationships": "relationships.md",
    "Connection pooling": "pooling.md",
    "Testing": "testing.md",
    "Migrations": "migrations.md",
    "Common mistakes": "mistakes.md",
}
LINK = re.compile(r"\]\((?!https?:|#)([^)\s#]+\.md)(#[^)\s]*)?\)")


def absolute_links(text: str, page: str, site_url: str) -> str:
    """Links between pages, made absolute: a reference file joins several pages."""

    def to_site(found: re.Match[str]) -> str:
        path = posixpath.normpath(posixpath.join(posixpath.dirname(page), found[1]))
        address = path.removesuffix("index.md").removesuffix(".md")
        address += "/" if address and not address.endswith("/") else ""
        return f"]({site_url}{address}{found[2] or ''})"

    return LINK.sub(to_site, text)


def references(config: MkDocsConfig) -> dict[str, str]:
    docs, url = Path(config.docs_dir), (config.site_url or "").rstrip("/") + "/"
    found = {}
    for section, paths in llms.nav_sections(config.nav or []):
        if section in REFERENCES:
            pages = [
                absolute_links(
                    llms.expanded((docs / path).read_text(), config), path, url
                )
                for path in paths
            ]
            found[f"references/{REFERENCES[section]}"] = "\n".join(pages)
    return found


def skill_md(config: MkDocsConfig) -> str:
    pinned = starter.pins()
    versions = ", ".join(pinned[name] for name in ("sqlalchemy", "fastapi", "asyncpg"))
    listed = "".join(
        f"- `references/{file}`: the guide's {section} chapter\n"
        for section, file in REFERENCES.items()
    )
    return f"""---
name: {NAME}
description: Async PostgreSQL with SQLAlchemy 2 and FastAPI, from code that is tested on SQLite and PostgreSQL. Use when adding a database to a FastAPI app, writing async SQLAlchemy queries or relationships, loading related rows in async code, setting up Alembic migrations or pytest fixtures for the database, sizing the connection pool or putting PgBouncer in front, or when an error such as MissingGreenlet, a pool timeout or a prepared-statement error appears.
---

# {config.site_name}

Generated from {config.site_url} by its site build: every file under `assets/` is a file the
guide's test suite runs, on {versions} (the pins in `assets/pyproject.toml`).

## Set up a project

1. Copy everything under `assets/` into the project's root: the package `app` (settings, models,
   the engine and sessions, the FastAPI app with its lifespan and session dependency, Alembic
   migrations) and `tests/` with the database fixtures. Rename `app` and its imports to the
   project's package.
2. Run these from that root; each one is run by the guide's suite, in this order:

{starter.command_block()}
3. Build on the files instead of writing new ones: models in `app/models.py`, routes in
   `app/app.py`, migrations next to `app/migrations/versions/0001_initial_schema.py` (see
   `references/migrations.md`), tests next to `tests/test_users.py`.

## Look things up

Each reference is chapters of the guide as Markdown, with the tested code in place:

{listed}
Search `references/mistakes.md` for the exact text of an error: each one has its cause and fix.
"""


def files(config: MkDocsConfig) -> dict[str, str]:
    assets = {f"assets/{path}": text for path, text in starter.files().items()}
    return {"SKILL.md": skill_md(config), **assets, **references(config)}


def zip_bytes(config: MkDocsConfig) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(files(config).items()):
            info = zipfile.ZipInfo(f"{NAME}/{path}", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def on_post_build(config: MkDocsConfig, **_: Any) -> None:
    (Path(config.site_dir) / ZIP_NAME).write_bytes(zip_bytes(config))


if __name__ == "__main__":
    config = load_config("mkdocs.yml")
    (Path(sys.argv[1]) / ZIP_NAME).write_bytes(zip_bytes(config))
