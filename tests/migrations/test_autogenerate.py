"""docs/migrations/index.md#two-migrations-generated: what `alembic revision --autogenerate`
writes for types wrapped in a TypeDecorator, and for a changed server default, run as a
reader runs it: in a copy of the project, then upgraded, downgraded and checked."""

from __future__ import annotations

import inspect
import re
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.runtime.environment import EnvironmentContext
from sqlalchemy.dialects.postgresql import JSONB

from tests.docs_examples import ROOT, copy_project
from tests.migrations.test_migrations import alembic_cli
from tests.pages import shown_output

# Appended to the copy's snippets/models.py: TypeDecorators over a dialect type (JSONB),
# over a type with an inner type (ARRAY of String(20)), and the guide's own AwareDateTime.
EXTRA_MODELS = {
    "postgres": """

from sqlalchemy import ARRAY as _ARRAY
from sqlalchemy.dialects.postgresql import JSONB as _JSONB


class JSONData(TypeDecorator[object]):
    impl = _JSONB
    cache_ok = True


class Labels(TypeDecorator[object]):
    impl = _ARRAY(String(20))
    cache_ok = True


profiles = Table(
    "profiles",
    Base.metadata,
    Column("id", ForeignKey("users.id"), primary_key=True),
    Column("data", JSONData()),
    Column("labels", Labels()),
    Column("seen_at", AwareDateTime()),
)
""",
    "sqlite": """

profiles = Table(
    "profiles",
    Base.metadata,
    Column("id", ForeignKey("users.id"), primary_key=True),
    Column("seen_at", AwareDateTime()),
)
""",
}


def run(
    project: Path, database_url: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return alembic_cli(*args, env={"DATABASE_URL": database_url}, cwd=project)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def project(tmp_path: Path, database_url: str) -> Path:
    """A copy of the project whose database is at head."""
    copy_project(tmp_path, "snippets")
    ok(run(tmp_path, database_url, "upgrade", "head"))
    return tmp_path


def test_generated_migrations_for_wrapped_types_import_and_run(
    project: Path, database_url: str, backend: str
) -> None:
    models = project / "snippets/models.py"
    models.write_text(models.read_text() + EXTRA_MODELS[backend])
    ok(run(project, database_url, "revision", "--autogenerate", "-m", "profiles"))
    (new,) = (project / "snippets/migrations/versions").glob("*_profiles.py")
    ok(run(project, database_url, "upgrade", "head"))
    source = new.read_text()
    assert "snippets" not in source  # frozen: no import of the app's types
    assert "sa.DateTime(timezone=True)" in source
    if backend == "postgres":
        assert "postgresql.JSONB(astext_type=sa.Text())" in source
        assert "sa.ARRAY(sa.String(length=20))" in source
    ok(run(project, database_url, "check"))
    ok(run(project, database_url, "downgrade", "-1"))
    ok(run(project, database_url, "upgrade", "head"))


def test_alembic_leaves_server_defaults_alone_unless_asked() -> None:
    """The page's claim about Alembic's default, read from the pinned version."""
    parameters = inspect.signature(EnvironmentContext.configure).parameters
    assert parameters["compare_server_default"].default is False


def test_check_catches_a_changed_server_default(
    project: Path, database_url: str
) -> None:
    models = project / "snippets/models.py"
    before = "name: Mapped[str] = mapped_column(String(100))"
    assert before in models.read_text()
    models.write_text(
        models.read_text().replace(
            before,
            "name: Mapped[str] = mapped_column(String(100), server_default='anonymous')",
        )
    )
    check = run(project, database_url, "check")
    assert check.returncode != 0, check.stdout
    shown = re.sub(r"'name', .*$", "'name', ...)]]", check.stdout.strip())
    assert shown == shown_output("migrations/index.md", "check-server-default")


@pytest.mark.parametrize(
    ("impl", "written", "error"),
    [
        (
            JSONB(),
            "sa.JSONB(astext_type=Text())",
            "AttributeError: module 'sqlalchemy' has no attribute 'JSONB'",
        ),
        (
            sa.ARRAY(sa.String(20)),
            "sa.ARRAY(String(length=20))",
            "NameError: name 'String' is not defined",
        ),
    ],
)
def test_the_impl_repr_alone_writes_code_that_fails(
    impl: sa.types.TypeEngine[object], written: str, error: str
) -> None:
    """The page's counter-example: what f"sa.{obj.impl!r}" writes, and how it fails."""
    assert f"sa.{impl!r}" == written
    with pytest.raises((AttributeError, NameError)) as raised:
        eval(written, {"sa": sa})  # the line a generated migration would hold
    assert f"{type(raised.value).__name__}: {raised.value}" == error
    page = (ROOT / "docs/migrations/index.md").read_text()
    assert f"`{written}`" in page
    assert f"`{error}`" in page
