"""The starter project readers download (starter.zip on the site): the guide's app, migrations and
test fixtures as a project of their own, generated from snippets/ at every build, so it is the code
the suite tests and never a second copy.

An MkDocs hook (mkdocs.yml, `hooks:`) writes SITE/starter.zip; builders without hooks run
`python tests/starter.py SITE` after building. Self-contained: MkDocs loads a hook by its path.
"""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "app"
ZIP_NAME = "starter.zip"
FOLDER = "starter"  # the folder the zip unpacks to
# Where the project starts; their imports bring in the rest (settings, models, database, ...).
ENTRIES = (
    "snippets/app.py",
    "snippets/migrations/env.py",
    "snippets/testing/fixtures.py",
    "snippets/testing/example_tests.py",
    *sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "snippets/migrations/versions").glob("*.py")
    ),
)
OTHER_FILES = ("snippets/migrations/script.py.mako",)
# Test code goes to tests/, as in a reader's project; the rest keeps its place under app/.
MOVED = {
    "snippets/testing/fixtures.py": "tests/conftest.py",
    "snippets/testing/example_tests.py": "tests/test_users.py",
    "snippets/testing/factories.py": "tests/factories.py",
}
MOVED_MODULES = {"snippets.testing.factories": "tests.factories"}
DOCSTRINGS = {
    "app/app.py": "The app: lifespan, session dependency, CRUD for users and a health check.",
    "tests/conftest.py": "Database fixtures: in-memory SQLite unless TEST_DATABASE_URL says;\n"
    "one transaction per test, rolled back after it.",
    "tests/test_users.py": "Tests written with the fixtures in conftest.py.",
}
# The guide's words for its own app and chapters, as the reader's project says them.
GUIDE_WORDS = {
    'title="Async PostgreSQL guide: reference app"': 'title="app"',
    "The reference app": "The app",
    "the reference app": "the app",
    "(see the loading chapter)": "(the guide's relationships/loading page)",
    "of the\n# testing chapter": "of the\n# fixtures in tests/conftest.py",
}
# A pointer to a page of the guide, in a comment: says whose page it is.
PAGE_POINTER = re.compile(r"\(([a-z]+/[a-z-]+)\.md\)")
MARKER = re.compile(r"^[ \t]*# --8<-- \[(start|end):[\w-]+\]$")
SETUP_PAGE = "docs/setup/index.md"
# pydantic comes with pydantic-settings; pinned too, as the Setup page's table pins it.
APP_PACKAGES = ("pydantic",)
TEST_PACKAGES = ("pytest", "pytest-asyncio", "asgi-lifespan", "ruff", "mypy")
GUIDE = "https://proven-docs.github.io/async-sqlalchemy-fastapi/"


def imported_files(path: Path) -> set[str]:
    """The snippets files `path` imports, as repository paths."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.split(".")[0] != "snippets":
                continue
            base = ROOT / name.replace(".", "/")
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file() and candidate.name != "__init__.py":
                    found.add(str(candidate.relative_to(ROOT)))
    return found


def project_files() -> list[str]:
    """Every snippets file the project needs: the entries and what they import."""
    todo, seen = list(ENTRIES), set(ENTRIES)
    while todo:
        for name in imported_files(ROOT / todo.pop()) - seen:
            seen.add(name)
            todo.append(name)
    return sorted(seen | set(OTHER_FILES))


def target(source: str) -> str:
    return MOVED.get(source) or PACKAGE + source.removeprefix("snippets")


def without_markers(text: str) -> str:
    """The text without its section markers, and with the blank lines on both sides of a
    marker counted once (the longer run), as if the marker had never been there."""
    kept: list[str] = []
    before = after = 0
    merging = False
    for line in text.splitlines():
        if MARKER.match(line):
            before = len(kept) - len("\n".join(kept).rstrip().splitlines())
            merging, after = True, 0
        elif merging and not line.strip():
            after += 1
            if after > before:
                kept.append(line)
        else:
            merging = False
            kept.append(line)
    return "\n".join(kept).strip("\n") + "\n"


def rewritten(source: str) -> str:
    """The file as the reader's project has it: its own package name, no section markers."""
    text = without_markers((ROOT / source).read_text())
    for old, new in MOVED_MODULES.items():
        text = text.replace(old, new)
    text = PAGE_POINTER.sub(r"(guide: \1)", own_words(text))
    docstring = DOCSTRINGS.get(target(source))
    if docstring:
        module = ast.parse(text)
        first = module.body[0]
        assert isinstance(first, ast.Expr)
        assert isinstance(first.value, ast.Constant)
        lines = text.splitlines(keepends=True)
        rest = "".join(lines[first.end_lineno or 0 :]).lstrip("\n")
        text = f'"""{docstring}"""\n\n{rest}'
    return text


def pins() -> dict[str, str]:
    """Each package the guide pins, by name: its requirement as pyproject.toml writes it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    return {re.split(r"[\[=<>]", r)[0]: r for r in requirements}


def install_line() -> list[str]:
    """The packages of the Setup page's `pip install` line, the app's dependencies."""
    page = (ROOT / SETUP_PAGE).read_text()
    line = next(line for line in page.splitlines() if line.startswith("pip install "))
    return [word.strip('"').split("[")[0] for word in line.split()[2:]]


def pyproject_section(name: str) -> str:
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(
        rf"^# --8<-- \[start:{name}\]\n(.*?)^# --8<-- \[end:{name}\]\n",
        text,
        re.S | re.M,
    )
    assert found, name
    return found[1]


def own_words(text: str) -> str:
    """The guide's package and words as the reader's project names them."""
    text = re.sub(r"\bsnippets([./])", rf"{PACKAGE}\1", text)
    for guide_words, own in GUIDE_WORDS.items():
        text = text.replace(guide_words, own)
    return text


def toml_list(items: list[str]) -> str:
    return "[\n" + "".join(f'    "{item}",\n' for item in items) + "]"


def pyproject() -> str:
    pinned = pins()
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    ruff = tool["ruff"]
    alembic = own_words(pyproject_section("alembic"))
    return f"""[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{PACKAGE}"
version = "0.1.0"
requires-python = ">=3.11"
# The Setup page's install line (and pydantic), at the versions the guide is proven on.
dependencies = {toml_list([pinned[name] for name in [*install_line(), *APP_PACKAGES]])}

[project.optional-dependencies]
test = {toml_list([pinned[name] for name in TEST_PACKAGES])}

[tool.setuptools.packages.find]
include = ["{PACKAGE}*"]

[tool.pytest.ini_options]
testpaths = ["tests"]
{own_words(pyproject_section("pytest_asyncio").replace(" (per xdist worker)", ""))}
{alembic}
# The guide's own checks: `ruff check .`, `ruff format --check .` and `mypy app tests` pass.
[tool.ruff]
line-length = {ruff["line-length"]}
target-version = "{ruff["target-version"]}"

[tool.ruff.lint]
select = {json.dumps(ruff["lint"]["select"])}
# SQLAlchemy reads class-level dicts (__mapper_args__, type_annotation_map) by convention.
ignore = {json.dumps(ruff["lint"]["ignore"])}

[tool.ruff.lint.flake8-bugbear]
# FastAPI's `param = Depends(...)` style is not a mutable default.
extend-immutable-calls = {json.dumps(ruff["lint"]["flake8-bugbear"]["extend-immutable-calls"])}

[tool.mypy]
strict = true
plugins = {json.dumps(tool["mypy"]["plugins"])}
"""


# The project's commands, in its README and in the agent skill; tests/test_starter.py runs each
# one as written, with these URLs replaced by a real server's.
TEST_URL = "postgresql://user:password@localhost/app_test"
APP_URL = "postgresql://user:password@localhost/app"
SECRET = "$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
COMMANDS = (
    ('python3 -m venv .venv && .venv/bin/pip install -e ".[test]"', "install"),
    (".venv/bin/pytest", "its tests, on in-memory SQLite"),
    (f"TEST_DATABASE_URL={TEST_URL} .venv/bin/pytest", "the same on PostgreSQL"),
    (
        ".venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy app tests",
        "the guide's checks: lint, format, types",
    ),
    (f"DATABASE_URL={APP_URL} .venv/bin/alembic upgrade head", "create the tables"),
    (
        f"DATABASE_URL={APP_URL} CURSOR_SECRET={SECRET} .venv/bin/uvicorn {PACKAGE}.app:app",
        "serve",
    ),
    (f".venv/bin/python -m {PACKAGE}.app", "or a development server on ./app.db"),
)


def command_block() -> str:
    return (
        "```bash\n" + "".join(f"# {why}\n{line}\n" for line, why in COMMANDS) + "```\n"
    )


GITIGNORE = """.venv/
__pycache__/
.env
app.db
"""

README = f"""# A FastAPI app on async SQLAlchemy 2

The database layer of [the guide]({GUIDE}), as a project of your own: settings, models, the
engine and sessions, the app with its lifespan and session dependency, Alembic migrations and the
Testing chapter's fixtures. Each file is the one the guide's test suite runs.

The PostgreSQL commands need the two databases (`createdb app_test` and `createdb app`, or
your server's way); put your own server's address in the URLs.

{command_block()}
To rename the package `{PACKAGE}` to your app's: rename the folder, its imports
(`from {PACKAGE}.` and `import {PACKAGE}.`), and `{PACKAGE}` in `pyproject.toml`'s `include` and
`script_location`, then install again.
"""


def files() -> dict[str, str]:
    """The project's files, by path, with their text."""
    project = {target(source): rewritten(source) for source in project_files()}
    for path in list(project):
        for parent in Path(path).parents:
            if str(parent) != ".":
                project.setdefault(str(parent / "__init__.py"), "")
    return project | {
        "pyproject.toml": pyproject(),
        "README.md": README,
        ".gitignore": GITIGNORE,
    }


def zipped(folder: str, contents: dict[str, str]) -> bytes:
    """`contents` under `folder` in a zip; a fixed date, so the same files give the same zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(contents.items()):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    return zipped(FOLDER, files())


def write(site: Path) -> None:
    site.mkdir(parents=True, exist_ok=True)
    (site / ZIP_NAME).write_bytes(zip_bytes())


def on_post_build(config: Any, **_: Any) -> None:
    write(Path(config.site_dir))


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "site"))
