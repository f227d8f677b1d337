"""The starter project (tests/starter.py; starter.zip on the site) as a reader uses it: unpacked
into an empty folder, installed into a fresh virtual environment, its own tests run on SQLite and
on PostgreSQL, its migrations applied, and the app served by uvicorn answering real requests;
once with the guide's pinned versions and once with the newest releases, so the next upstream
break shows here first."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests import postgres, starter
from tests.docs_examples import DOCS, ROOT
from tests.pages import shown_table
from tests.servers import free_port, wait_for
from tests.test_site import site

__all__ = ["site"]  # the fixture, shared with the other site tests

SETUP = "setup/index.md"
PIN = re.compile(r'==[^"]+"')


def blank_env(**settings: str) -> dict[str, str]:
    """The reader's shell: nothing of this repository or its test run; `python3` is this
    test run's interpreter."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL", postgres.USER_ENV}
        and not key.startswith(("COV_", "PYTEST_", "GUIDE_"))
    }
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return env | settings


def command(index: int, *extra: str, test_url: str = "", app_url: str = "") -> str:
    """One of the project's commands as its README writes it, on this test's databases."""
    line, _ = starter.COMMANDS[index]
    line = line.replace(starter.TEST_URL, test_url).replace(starter.APP_URL, app_url)
    return " ".join([line, *extra])


def shell(project: Path, line: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", line],
        cwd=project,
        env=blank_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


@contextmanager
def serving(project: Path, line: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A server command of the README on a free port; stopped with SIGTERM, as a
    deployment stops it, and checked to have shut down cleanly."""
    port = free_port()
    server = subprocess.Popen(
        ["bash", "-c", f"{line} --port {port}"],
        cwd=project,
        env=blank_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the signal reaches the server, not only bash
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(server, f"{base}/health").status_code == 200
        yield server, base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert "Application shutdown complete" in output, output


@pytest.fixture(scope="module", params=["pinned", "newest"])
def project(
    request: pytest.FixtureRequest, site: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp(f"reader-{request.param}")
    with zipfile.ZipFile(site / starter.ZIP_NAME) as archive:
        archive.extractall(folder)
    project = folder / starter.FOLDER
    if request.param == "newest":
        pyproject = project / "pyproject.toml"
        pyproject.write_text(PIN.sub('"', pyproject.read_text()))
    installed = shell(project, command(0))
    assert installed.returncode == 0, installed.stderr
    return project


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres.temporary_database() as url:
        yield url.render_as_string(hide_password=False)


def test_every_command_of_the_readme_is_run_here() -> None:
    # Indexes 0 (the fixture) to 6 (the tests below): a new command needs its run.
    assert len(starter.COMMANDS) == 7
    assert starter.command_block() in starter.README


def test_its_own_tests_pass_on_sqlite_and_on_postgres(
    project: Path, postgres_url: str
) -> None:
    for line in (command(1), command(2, test_url=postgres_url)):
        result = shell(project, f"{line} -q -p no:cacheprovider")
        assert result.returncode == 0, result.stdout
        assert re.search(r"^5 passed", result.stdout, re.M), result.stdout


def test_it_passes_the_guides_lint_format_and_type_checks(project: Path) -> None:
    result = shell(project, command(3))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_it_migrates_and_serves_real_requests(project: Path, postgres_url: str) -> None:
    migrated = shell(project, command(4, app_url=postgres_url))
    assert migrated.returncode == 0, migrated.stderr
    assert "Running upgrade 0001 -> 0002" in migrated.stderr
    with serving(project, command(5, app_url=postgres_url)) as (_, base):
        created = httpx.post(f"{base}/users", json={"email": "a@x.org", "name": "Ada"})
        assert created.status_code == 201, created.text
        listed = httpx.get(f"{base}/users").json()
        assert [user["name"] for user in listed["items"]] == ["Ada"]


def test_its_development_server_makes_its_own_database(project: Path) -> None:
    (project / "app.db").unlink(missing_ok=True)
    with serving(project, command(6)) as (_, base):
        created = httpx.post(f"{base}/users", json={"email": "b@x.org", "name": "Bea"})
        assert created.status_code == 201, created.text
    assert (project / "app.db").is_file()


def test_a_copy_renamed_as_the_readme_says_runs(project: Path, tmp_path: Path) -> None:
    """The README's renaming steps, done to a copy; the copy runs on this project's virtual
    environment with itself first on the path, where a reinstall would put it."""
    renamed = tmp_path / "shop-project"
    shutil.copytree(project, renamed, ignore=shutil.ignore_patterns(".venv", "*.db"))
    (renamed / starter.PACKAGE).rename(renamed / "shop")
    for path in renamed.rglob("*.py"):
        text = path.read_text().replace("from app.", "from shop.")
        path.write_text(text.replace("import app.", "import shop."))
    pyproject = renamed / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        .replace('include = ["app*"]', 'include = ["shop*"]')
        .replace("%(here)s/app/migrations", "%(here)s/shop/migrations")
    )
    python = project / ".venv/bin/python"
    for line in (
        f"PYTHONPATH=. {python} -m pytest -q -p no:cacheprovider",
        f"PYTHONPATH=. DATABASE_URL=sqlite:///./shop.db {python} -m alembic upgrade head",
    ):
        result = shell(renamed, line)
        assert result.returncode == 0, line + result.stdout + result.stderr
    with serving(renamed, f"PYTHONPATH=. {python} -m shop.app") as (_, base):
        created = httpx.post(f"{base}/users", json={"email": "c@x.org", "name": "Cy"})
        assert created.status_code == 201, created.text


def test_the_zip_holds_the_tested_files_and_nothing_of_the_guide(site: Path) -> None:
    with zipfile.ZipFile(site / starter.ZIP_NAME) as archive:
        zipped = {
            name.removeprefix(f"{starter.FOLDER}/"): archive.read(name).decode()
            for name in archive.namelist()
        }
    for name, text in zipped.items():
        assert "snippets" not in text, name
        assert "--8<--" not in text, name
        assert "reference app" not in text, name
        assert not [words for words in starter.GUIDE_WORDS if words in text], name
    # Each module is a file the suite imports, under the project's own names.
    for source in starter.project_files():
        assert zipped[starter.target(source)] == starter.rewritten(source), source


def test_a_builder_without_hooks_gets_the_same_zip(site: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "tests/starter.py", str(tmp_path)], cwd=ROOT, check=True
    )
    zipped = (tmp_path / starter.ZIP_NAME).read_bytes()
    assert zipped == (site / starter.ZIP_NAME).read_bytes()


@pytest.mark.parametrize(
    ("page", "href"),
    [
        (page, prefix + name)
        for page, prefix in (("index.md", ""), ("setup/index.md", "../"))
        for name in (starter.ZIP_NAME, "skill.zip")
    ],
)
def test_the_home_and_setup_pages_link_the_downloads(
    site: Path, page: str, href: str
) -> None:
    assert f'href="{href}"' in (DOCS / page).read_text()
    built = site / page.replace("index.md", "index.html")
    assert f'href="{href}"' in built.read_text()
    assert (built.parent / href).resolve().is_file()


def test_it_pins_the_setup_pages_versions_but_pgvector() -> None:
    text = starter.pyproject()
    pinned = dict(re.findall(r'"([\w-]+)(?:\[\w+\])?==([^"]+)"', text))
    table = {row["package"]: row["version"] for row in shown_table(SETUP, "versions")}
    del table["PostgreSQL server"], table["pgvector"]
    assert {name: pinned.get(name) for name in table} == table
