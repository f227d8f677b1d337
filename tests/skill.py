"""The agent skill (skill.zip on the site), the same kind of bundle as the seed documents: SKILL.md,
assets/ with the starter project's files and references/ with the guide's chapters as Markdown,
generated at every build from the code the suite tests.

An MkDocs hook (mkdocs.yml, `hooks:`); builders without hooks run `python tests/skill.py SITE`.
MkDocs loads a hook by its path, so the sibling tools are imported from this folder.
"""

from __future__ import annotations

import re
import sys
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
    "Setup": "setup.md",
    "Queries": "queries.md",
    "Relationships": "relationships.md",
    "Types and modeling": "types.md",
    "Sessions and transactions": "sessions.md",
    "Connection pooling": "pooling.md",
    "Testing": "testing.md",
    "Migrations": "migrations.md",
    "Common mistakes": "mistakes.md",
}
# assets/app/ in an order where each file imports only files before it (tests/test_skill.py).
COPY_ORDER = (
    "settings.py",
    "models.py",
    "database.py",
    "migrations/startup.py",
    "migrations/env.py",
    "pooling/observe.py",
    "queries/pagination.py",
    "setup/validation.py",
    "schemas.py",
)
FENCE = re.compile(r"^\s*(```|~~~)")


def headings(text: str) -> list[str]:
    """The page's title and section headings, outside code blocks: a reference's contents."""
    found, in_code = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            in_code = not in_code
        elif not in_code and line.startswith(("# ", "## ")):
            found.append(
                ("" if line.startswith("# ") else "  ") + "- " + line.lstrip("# ")
            )
    return found


def references(config: MkDocsConfig) -> dict[str, str]:
    docs, url = Path(config.docs_dir), (config.site_url or "").rstrip("/") + "/"
    found = {}
    for section, paths in llms.nav_sections(config.nav or []):
        if section in REFERENCES:
            pages = [
                llms.absolute_links(
                    llms.expanded((docs / path).read_text(), config), path, url
                )
                for path in paths
            ]
            contents = [line for page in pages for line in headings(page)]
            found[f"references/{REFERENCES[section]}"] = "\n".join(
                [
                    f"Contents of the guide's {section} chapter:",
                    "",
                    *contents,
                    "",
                    *pages,
                ]
            )
    return found


def skill_md(config: MkDocsConfig) -> str:
    pinned = starter.pins()
    versions = ", ".join(pinned[name] for name in ("sqlalchemy", "fastapi", "asyncpg"))
    copy_order = ", ".join(f"`{name}`" for name in COPY_ORDER)
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

For a new project, copy everything under `assets/` into its root: the package `app` (settings,
models, the engine and sessions, the FastAPI app with its lifespan and session dependency, Alembic
migrations), `tests/` with the database fixtures, `pyproject.toml` and `README.md`; its README says
how to rename `app`. Then these commands, from that root, are each run by the guide's suite (the
PostgreSQL ones need the databases `app_test` and `app` created first; the last two start a
server and keep running):

{starter.command_block()}
For an existing app, copy nothing over its files: take the modules it lacks from `assets/app/` in
this order, where each imports only modules before it: {copy_order}, then what it needs of
`app.py`. Merge the dependencies and
`[tool.*]` tables of `assets/pyproject.toml` into its own, and the fixtures of
`assets/tests/conftest.py` into its tests.

Build on the files: models in `app/models.py`, routes in `app/app.py`, migrations next to
`app/migrations/versions/0001_initial_schema.py` (see `references/migrations.md`), tests next to
`tests/test_users.py`.

## Look things up

Each reference is a chapter of the guide as Markdown, with the tested code in place and its
contents first. That code imports the guide's package as `snippets`. The modules under
`assets/app/` are the same files here: `snippets.models` is `app.models`, and
`snippets.testing.factories` is `tests.factories`. Other chapter modules a reference shows in
full (`snippets.queries.upserts`, `snippets.sessions.isolation`, ...) are copied into `app/` the
same way when needed. `snippets.sample` and `snippets.sql_log` only set up and print the guide's
examples: leave them out.

{listed}
Search `references/mistakes.md` for the exact text of an error: each one has its cause and fix.
"""


def files(config: MkDocsConfig) -> dict[str, str]:
    assets = {f"assets/{path}": text for path, text in starter.files().items()}
    return {"SKILL.md": skill_md(config), **assets, **references(config)}


def write(config: MkDocsConfig, site: Path) -> None:
    site.mkdir(parents=True, exist_ok=True)
    (site / ZIP_NAME).write_bytes(starter.zipped(NAME, files(config)))


def on_post_build(config: MkDocsConfig, **_: Any) -> None:
    write(config, Path(config.site_dir))


if __name__ == "__main__":
    config = load_config("mkdocs.yml")
    write(config, Path(sys.argv[1] if len(sys.argv) > 1 else config.site_dir))
