"""docs/migrations/index.md: migrations that commit part-way (autocommit_block) through
run_alembic and the command line, with the migrations lock held for the whole run."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.database import close_db, create_engine
from snippets.migrations.startup import MIGRATIONS_LOCK, run_alembic
from snippets.settings import Settings
from tests.docs_examples import ROOT, copy_project
from tests.migrations.test_enums import ARCHIVED, article_statuses
from tests.migrations.test_migrations import (
    alembic_cli,
    config_with_versions_in,
    version,
)
from tests.pages import page, shown_output

INDEX_RECIPE = ROOT / "snippets/migrations/recipes/posts_created_at_index.py"

# Runs after the recipe's autocommit_block has committed: a second process asks for the
# migrations lock. "False" means the run still holds it.
PROBE_MIGRATION = f"""
import os
import re
import subprocess
import sys
from pathlib import Path

revision = "probe"
down_revision = "0003"

PROBE = '''
import asyncio, sys, asyncpg

async def main() -> None:
    conn = await asyncpg.connect(sys.argv[1])
    print(await conn.fetchval("SELECT pg_try_advisory_lock($1)", {MIGRATIONS_LOCK}))
    await conn.close()

asyncio.run(main())
'''


def upgrade() -> None:
    url = os.environ.get("PROBE_URL")
    result = "no probe on SQLite"
    if url:
        probe = subprocess.run(
            [sys.executable, "-c", PROBE, url], capture_output=True, text=True, check=True
        )
        result = probe.stdout.strip()
    Path(os.environ["PROBE_FILE"]).write_text(result)


def downgrade() -> None:
    pass
"""


def probe_env(database_url: str, tmp_path: Path, backend: str) -> dict[str, str]:
    env = {"PROBE_FILE": str(tmp_path / "probe.txt")}
    if backend == "postgres":
        url = sa.make_url(database_url).set(drivername="postgresql")
        env["PROBE_URL"] = url.render_as_string(hide_password=False)
    return env


def probe_result(tmp_path: Path) -> str:
    return (tmp_path / "probe.txt").read_text()


def expected_probe(backend: str) -> str:
    return {"postgres": "False", "sqlite": "no probe on SQLite"}[backend]


def write_recipe_and_probe(folder: Path) -> None:
    shutil.copy(INDEX_RECIPE, folder / "0003_posts_created_at_index.py")
    (folder / "probe_lock.py").write_text(PROBE_MIGRATION)


def config_with_recipe_and_probe(probe_folder: Path) -> Config:
    """The project's migrations, the index recipe where it lives, and the probe."""
    probe_folder.mkdir(exist_ok=True)
    (probe_folder / "probe_lock.py").write_text(PROBE_MIGRATION)
    config = config_with_versions_in(probe_folder)
    locations = config.get_main_option("version_locations") or ""
    config.set_main_option(
        "version_locations", f"{locations}{os.pathsep}{INDEX_RECIPE.parent}"
    )
    return config


async def indexes_on_posts(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        found = await conn.run_sync(lambda sync: sa.inspect(sync).get_indexes("posts"))
    return {index["name"] or "" for index in found}


async def test_the_index_recipe_runs_through_run_alembic_with_the_lock_held(
    settings: Settings,
    database_url: str,
    tmp_path: Path,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in probe_env(database_url, tmp_path, backend).items():
        monkeypatch.setenv(name, value)
    config = config_with_recipe_and_probe(tmp_path / "versions")
    engine = create_engine(settings)
    try:
        await run_alembic(engine, command.upgrade, "head", config=config)
        assert await version(engine) == "probe"
        assert "ix_posts_created_at" in await indexes_on_posts(engine)
        assert probe_result(tmp_path) == expected_probe(backend)

        await run_alembic(engine, command.downgrade, "0002", config=config)
        assert "ix_posts_created_at" not in await indexes_on_posts(engine)
        # The lock was released: the pooled connection is free, and so is the key.
        if backend == "postgres":
            async with engine.connect() as conn:
                free = sa.text(
                    "SELECT pg_try_advisory_lock(:k), pg_advisory_unlock(:k)"
                )
                assert tuple(
                    (await conn.execute(free, {"k": MIGRATIONS_LOCK})).one()
                ) == (
                    True,
                    True,
                )
    finally:
        await close_db(engine)


def test_the_index_recipe_runs_from_the_command_line_with_the_lock_held(
    database_url: str, tmp_path: Path, backend: str
) -> None:
    (tmp_path / "project").mkdir()
    project = copy_project(tmp_path / "project", "snippets")
    write_recipe_and_probe(project / "snippets/migrations/versions")
    env = {"DATABASE_URL": database_url, **probe_env(database_url, tmp_path, backend)}
    upgrade = alembic_cli("upgrade", "head", env=env, cwd=project)
    assert upgrade.returncode == 0, upgrade.stderr
    assert probe_result(tmp_path) == expected_probe(backend)
    downgrade = alembic_cli("downgrade", "0002", env=env, cwd=project)
    assert downgrade.returncode == 0, downgrade.stderr


ENUM_MIGRATIONS = {
    "0003_articles.py": """
from alembic import op

from snippets.migrations.enums import create_articles

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_articles(op)
    op.execute("INSERT INTO articles (id) VALUES (1), (2), (3)")


def downgrade() -> None:
    pass
""",
    "0004_archive_old_drafts.py": """
from alembic import op

from snippets.migrations.enums import archive_old_drafts

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    archive_old_drafts(op)


def downgrade() -> None:
    pass
""",
}


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_enum_recipe_runs_through_run_alembic(
    settings: Settings, tmp_path: Path
) -> None:
    for name, source in ENUM_MIGRATIONS.items():
        (tmp_path / name).write_text(source)
    engine = create_engine(settings)
    try:
        await run_alembic(
            engine, command.upgrade, "head", config=config_with_versions_in(tmp_path)
        )
        assert await article_statuses(engine) == ARCHIVED
    finally:
        await close_db(engine)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_workers_starting_together_migrate_once(
    settings: Settings,
    database_url: str,
    tmp_path: Path,
    backend: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Four workers, a migration that commits part-way: each revision runs exactly once."""
    for name, value in probe_env(database_url, tmp_path, backend).items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.INFO, logger="alembic.runtime.migration")
    engines = [create_engine(settings) for _ in range(4)]
    try:
        await asyncio.gather(
            *(
                # One config each, as separate processes would have.
                run_alembic(
                    e,
                    command.upgrade,
                    "head",
                    config=config_with_recipe_and_probe(tmp_path / "versions"),
                )
                for e in engines
            )
        )
        assert await version(engines[0]) == "probe"
    finally:
        for engine in engines:
            await close_db(engine)
    runs = [
        r.getMessage() for r in caplog.records if "Running upgrade" in r.getMessage()
    ]
    assert [run.split(",")[0] for run in runs] == [
        "Running upgrade  -> 0001",
        "Running upgrade 0001 -> 0002",
        "Running upgrade 0002 -> 0003",
        "Running upgrade 0003 -> probe",
    ]


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_worker_waiting_in_pg_advisory_lock_deadlocks_a_concurrent_index(
    engine: AsyncEngine,
) -> None:
    """Why migration_connection polls pg_try_advisory_lock outside a transaction."""
    lock = sa.text("SELECT pg_advisory_lock(:key)")
    holder, waiter = await engine.connect(), await engine.connect()
    try:
        await holder.execute(lock, {"key": MIGRATIONS_LOCK})
        await holder.commit()
        waiting = asyncio.create_task(waiter.execute(lock, {"key": MIGRATIONS_LOCK}))
        await asyncio.sleep(0.5)  # the second worker now waits, holding a snapshot
        autocommit = await holder.execution_options(isolation_level="AUTOCOMMIT")
        build = autocommit.exec_driver_sql(
            "CREATE INDEX CONCURRENTLY ix_posts_created_at ON posts (created_at)"
        )
        results = await asyncio.gather(build, waiting, return_exceptions=True)
        (error,) = [r for r in results if isinstance(r, BaseException)]
        assert isinstance(error, DBAPIError), error
        message = str(error.orig).splitlines()[0]
        assert message.endswith(shown_output("migrations/index.md", "index-deadlock"))
    finally:
        await holder.close()
        await waiter.close()


def recipe_model_line() -> str:
    """The line the index section tells readers to add to `Post`."""
    section = page("migrations/index.md").split(
        "\n## Building an index on a live table\n"
    )[1]
    section = section.split("\n## ", 1)[0]
    found = re.search(r"`(__table_args__ = \(Index\(.*?\),\))`", section)
    assert found, "the index section shows no `__table_args__ = (Index(...),)`"
    return found.group(1)


def test_the_index_recipe_with_the_model_index_leaves_check_passing(
    database_url: str, tmp_path: Path
) -> None:
    """What a reader does next: copy the recipe in, add the index to the model, check."""
    project = copy_project(tmp_path, "snippets")
    versions = project / "snippets/migrations/versions"
    shutil.copy(INDEX_RECIPE, versions / "0003_posts_created_at_index.py")
    env = {"DATABASE_URL": database_url}
    upgrade = alembic_cli("upgrade", "head", env=env, cwd=project)
    assert upgrade.returncode == 0, upgrade.stderr

    # The recipe alone: the models still say there is no such index.
    drift = alembic_cli("check", env=env, cwd=project)
    assert drift.returncode != 0
    message = re.sub(
        r"Index\('ix_posts_created_at', .*\)\]$",
        "Index('ix_posts_created_at', ...))]",
        drift.stdout.strip(),
        flags=re.S,
    )
    assert message == shown_output("migrations/index.md", "index-recipe-drift")

    # ...and autogenerate writes a migration that drops the index again.
    shown = re.findall(r"`(batch_op\.drop_index\(.*?\)+)`", page("migrations/index.md"))
    assert len(shown) == 1, shown
    revision = alembic_cli(
        "revision",
        "--autogenerate",
        "-m",
        "drift",
        "--rev-id",
        "drift",
        env=env,
        cwd=project,
    )
    assert revision.returncode == 0, revision.stderr
    (generated,) = versions.glob("drift_*.py")
    assert shown[0] in generated.read_text().split("def downgrade")[0]
    generated.unlink()

    models = project / "snippets/models.py"
    source = models.read_text()
    table = '    __tablename__ = "posts"\n'
    assert source.count(table) == 1
    models.write_text(source.replace(table, f"{table}    {recipe_model_line()}\n"))
    check = alembic_cli("check", env=env, cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
