"""Every complete program on the site, lifted into an empty folder as a reader would: the program
and only the `snippets` modules it needs (this repository not importable), run twice in a row on
each backend, with the same output both times."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests import postgres
from tests.docs_examples import ROOT, DocBlock, inline_blocks
from tests.shown_code import INCLUDE, section_text

BLOCKS = [block for block in inline_blocks() if not block.skip_reason]
# Programs that run the app itself, on the database its settings name (DATABASE_URL); every
# other example uses EXAMPLES_DATABASE_URL or a private database, and must not touch it.
# A program file by its path; an inline block by its page and a line of its code.
USES_APP_DATABASE = {
    "snippets/pooling/examples/faults/failing_request_rolls_back.py": "runs the app",
    "snippets/setup/examples/fastapi/failing_request_rolls_back.py": "runs the app",
    "snippets/setup/examples/fastapi/routes.py": "runs the app",
    "snippets/setup/examples/fastapi/health_check.py": "runs the reference app",
    "snippets/setup/examples/verify/verify_new_database.py": "checks the reader's setup",
    "docs/mistakes/index.md: async def lifespan_work() -> None:": "the app's startup work",
}


def app_database_key(block: DocBlock) -> str | None:
    """The block's entry in USES_APP_DATABASE, if it has one."""
    if block.program is not None:
        key = block.program.relative_to(ROOT).as_posix()
        return key if key in USES_APP_DATABASE else None
    page = block.location.split(":")[0]
    keys = (f"{page}: {line}" for line in block.example.source.splitlines())
    return next((key for key in keys if key in USES_APP_DATABASE), None)


# Programs whose second run rightly prints something else; both runs must still succeed.
SECOND_RUN_DIFFERS = {
    "docs/setup/verify.md": "it shows a new database's first check, and the first run "
    "migrates it: the second run finds the schema in place",
}


SNIPPETS = ROOT / "snippets"


def module_file(name: str) -> Path | None:
    """The file of a `snippets...` module, if there is one."""
    base = ROOT / name.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def needed_files(source: str) -> set[Path]:
    """The `snippets` files a program needs: the modules it imports, what those import, the
    packages' `__init__.py` files, and the Alembic folder when migrations run."""
    files: set[Path] = set()
    pending = [source]
    while pending:
        for node in ast.walk(ast.parse(pending.pop())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                path = module_file(name) if name.split(".")[0] == "snippets" else None
                if path is not None and path not in files:
                    files.add(path)
                    pending.append(path.read_text())
    for path in list(files):
        for parent in path.relative_to(ROOT).parents[:-1]:
            files.add(ROOT / parent / "__init__.py")
    if SNIPPETS / "migrations" / "startup.py" in files:  # Alembic reads its scripts
        files |= {p for p in (SNIPPETS / "migrations").rglob("*") if p.is_file()}
    return {path for path in files if "__pycache__" not in path.parts}


def copy_files(files: set[Path], folder: Path) -> None:
    for path in files:
        target = folder / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)


def test_a_program_gets_what_its_imports_import() -> None:
    files = {
        p.relative_to(ROOT).as_posix()
        for p in needed_files("from snippets.app import create_app\n")
    }
    assert {
        "snippets/__init__.py",
        "snippets/app.py",
        "snippets/settings.py",
        "snippets/database.py",
        "snippets/migrations/startup.py",
        "snippets/migrations/env.py",
        "snippets/migrations/versions/0001_initial_schema.py",
    } <= files
    assert "snippets/sample.py" not in files
    assert not any("/examples/" in name for name in files)


def code_lines(path: Path) -> list[str]:
    """A module's lines a reader must type: not its docstring, markers or blank lines."""
    source = path.read_text()
    body = ast.parse(source).body
    skip: set[int] = set()
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    ):
        skip = set(range(body[0].lineno, (body[0].end_lineno or 0) + 1))
    return [
        line.strip()
        for number, line in enumerate(source.splitlines(), start=1)
        if line.strip()
        and number not in skip
        and not line.strip().startswith("# --8<--")
        and line.strip() != "from __future__ import annotations"
    ]


def test_every_file_a_program_needs_is_shown_on_a_page() -> None:
    """A reader can create each module a program imports from what the pages show."""
    shown: dict[str, set[str]] = {}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        lines = page.read_text().splitlines()
        for target in [m.group(1) for line in lines if (m := INCLUDE.match(line))]:
            lines = section_text(target).splitlines()
            shown.setdefault(target.partition(":")[0], set()).update(
                line.strip() for line in lines
            )
    needed = {path for block in BLOCKS for path in needed_files(block.example.source)}
    hidden = {
        rel: missing
        for path in sorted(needed)
        if path.suffix == ".py" and path.name != "__init__.py"
        for rel in [path.relative_to(ROOT).as_posix()]
        if (missing := [x for x in code_lines(path) if x not in shown.get(rel, set())])
    }
    assert needed
    assert not hidden, hidden


@pytest.fixture(scope="module")
def reader_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder with the guide's package marker copied in, and nothing else."""
    folder = tmp_path_factory.mktemp("reader")
    copy_files({SNIPPETS / "__init__.py"}, folder)
    return folder


def run(
    folder: Path, script: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def reader_env(database_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "DATABASE_URL", "EXAMPLES_DATABASE_URL"}
        and not key.startswith(("COV_", "PYTEST_"))
    }
    env["DATABASE_URL"] = database_url
    return env


def test_the_copied_package_is_the_one_programs_import(reader_project: Path) -> None:
    (reader_project / "where.py").write_text(
        "import snippets\nprint(snippets.__file__)\n"
    )
    result = run(reader_project, "where.py", reader_env("sqlite://"))
    assert result.stdout.strip() == str(reader_project / "snippets" / "__init__.py")


@pytest.mark.parametrize(
    ("backend", "block"),
    [
        pytest.param(backend, block, id=block.test_id(backend))
        for block in BLOCKS
        for backend in block.backends
    ],
)
def test_a_program_runs_twice_in_an_empty_folder(
    backend: str, block: DocBlock, reader_project: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "project"
    shutil.copytree(reader_project, folder, symlinks=True)
    copy_files(needed_files(block.example.source), folder)
    (folder / "example.py").write_text(block.example.source)
    app_database = app_database_key(block) is not None
    if backend == "sqlite":
        env = reader_env(f"sqlite:///{folder / 'app.db'}")
        runs = [run(folder, "example.py", env), run(folder, "example.py", env)]
        if not app_database:
            assert not (folder / "app.db").exists(), "it wrote to DATABASE_URL"
    else:
        with (
            postgres.temporary_database() as examples,
            postgres.temporary_database() as app,
        ):
            # DATABASE_URL names a database that does not exist unless the program runs
            # the app: an example that connects to it fails.
            url = app if app_database else app.set(database=f"{app.database}_absent")
            env = reader_env(url.render_as_string(hide_password=False))
            env["EXAMPLES_DATABASE_URL"] = examples.render_as_string(
                hide_password=False
            )
            runs = [run(folder, "example.py", env), run(folder, "example.py", env)]
    for attempt, result in enumerate(runs, start=1):
        assert result.returncode == 0, (
            f"{block.location}, run {attempt} on {backend}:\n{result.stderr[-3000:]}"
        )
    page = block.location.split(":")[0]
    if page not in SECOND_RUN_DIFFERS:
        assert runs[0].stdout == runs[1].stdout, block.location


@pytest.mark.parametrize(
    "block", [pytest.param(block, id=block.location) for block in BLOCKS]
)
def test_without_database_url_a_program_uses_a_private_database_or_says_so(
    block: DocBlock, reader_project: Path, tmp_path: Path
) -> None:
    """A reader who runs a copied program before setting DATABASE_URL: the sample-data
    programs run on a private in-memory database, the others stop with the setting's
    name; none writes a database file into the project."""
    folder = tmp_path / "project"
    shutil.copytree(reader_project, folder, symlinks=True)
    copy_files(needed_files(block.example.source), folder)
    (folder / "example.py").write_text(block.example.source)
    env = reader_env("unused")
    del env["DATABASE_URL"]
    result = run(folder, "example.py", env)
    assert result.returncode == 0 or "DATABASE_URL is not set" in result.stderr, (
        f"{block.location}:\n{result.stderr[-3000:]}"
    )
    assert not [p.name for p in folder.iterdir() if p.suffix in {".db", ".sqlite"}]


def test_every_program_allowed_the_app_database_exists() -> None:
    """The allow-list names real programs: a renamed one would otherwise drop out of it
    silently (and then fail for the wrong reason)."""
    matched = {app_database_key(block) for block in BLOCKS} - {None}
    assert matched == set(USES_APP_DATABASE)
