"""snippets/setup/verify.py: the seed's checklist as a command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, make_url

from snippets.database import close_db, create_engine
from snippets.migrations.startup import upgrade_to_head
from snippets.settings import Settings
from snippets.setup import verify
from tests.pages import shown_output

CHECKS = 5


def run_verify(database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "snippets.setup.verify"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def migrate(database_url: str) -> None:
    async def upgrade() -> None:
        engine = create_engine(Settings(database_url=database_url))
        await upgrade_to_head(engine)
        await close_db(engine)

    asyncio.run(upgrade())


def table_names(database_url: str) -> list[str]:
    async def names() -> list[str]:
        engine = create_engine(Settings(database_url=database_url))
        async with engine.connect() as connection:
            found = await connection.run_sync(lambda c: inspect(c).get_table_names())
        await close_db(engine)
        return found

    return asyncio.run(names())


def test_the_command_passes_on_a_migrated_database(database_url: str) -> None:
    migrate(database_url)
    result = run_verify(database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == CHECKS
    assert all(line.startswith("ok   ") for line in lines)


def test_the_command_fails_clearly_when_the_server_is_unreachable() -> None:
    result = run_verify("postgresql://app:secret@127.0.0.1:1/app")
    assert result.returncode == 1
    assert result.stdout.strip() == shown_output(
        "setup/verify.md", "verify-unreachable"
    )
    assert "secret" not in result.stdout.replace("***", "")


def empty_database(database_url: str) -> str:
    """The database exists and holds nothing (a SQLite database is a file)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").touch()
    return database_url


def test_the_command_only_reads(database_url: str) -> None:
    """On an empty database it reports what is missing and creates nothing."""
    result = run_verify(empty_database(database_url))
    assert result.returncode == 1
    assert "FAIL the schema is at the latest migration" in result.stdout
    assert table_names(database_url) == []


def test_main_reports_each_check(
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    migrate(settings.database_url.render_as_string(hide_password=False))
    assert verify.main() == 0
    assert capsys.readouterr().out.count("ok  ") == CHECKS

    async def one_failure(_: Settings) -> list[tuple[str, bool]]:
        return [("a check", True), ("another", False)]

    monkeypatch.setattr(verify, "verify", one_failure)
    assert verify.main() == 1
    assert capsys.readouterr().out.splitlines() == ["ok   a check", "FAIL another"]


def test_main_reports_an_unusable_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@127.0.0.1:1/app")
    assert verify.main() == 1
    assert capsys.readouterr().out.strip() == shown_output(
        "setup/verify.md", "verify-unreachable"
    )


def test_main_reports_bad_settings_as_a_failure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@db:54x2/app")
    assert verify.main() == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL settings: 1 validation error for Settings")
    assert "secret" not in out


async def test_verify_uses_the_settings_it_is_given(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment names an unusable database; the argument names a good one.
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@127.0.0.1:1/app")
    engine = create_engine(Settings(database_url=database_url))
    await upgrade_to_head(engine)
    await close_db(engine)
    results = await verify.verify(Settings(database_url=database_url))
    assert all(passed for _, passed in results), results


async def test_verify_reports_missing_tables_instead_of_crashing(
    database_url: str,
) -> None:
    # Migrating on startup is turned off inside verify: it never writes.
    url = empty_database(database_url)
    settings = Settings(database_url=url, db_migrate_on_startup=True)
    results = dict(await verify.verify(settings))
    assert results["app starts without connection errors"] is True
    assert results["GET /users answers (an empty page is fine)"] is False


def test_a_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "app.db"
    result = run_verify(f"sqlite:///{missing}")
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL app starts without connection errors")
    assert "unable to open database file" in result.stdout
    assert not missing.exists()
