"""Claims on docs/queries/bulk-updates.md that the examples do not show by themselves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    Table,
    bindparam,
    delete,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import CompileError, IntegrityError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.models import Base, Comment, User
from snippets.sample import sample_db
from snippets.settings import Settings

NAMES = select(User.id, User.name).order_by(User.id)


@contextmanager
def calls(engine: AsyncEngine) -> Iterator[list[tuple[str, bool, int]]]:
    """(statement, executemany, number of parameter sets) of each call to the driver."""
    seen: list[tuple[str, bool, int]] = []

    def collect(
        _conn: Any, _cursor: Any, statement: str, params: Any, _ctx: Any, many: bool
    ) -> None:
        seen.append((statement, many, len(params) if many else 1))

    event.listen(engine.sync_engine, "before_cursor_execute", collect)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", collect)


async def test_bulk_update_by_primary_key_is_one_executemany(
    settings: Settings, backend: str
) -> None:
    changes = [{"id": 1, "name": "Ada King"}, {"id": 3, "name": "Linus B. Torvalds"}]
    async with sample_db() as (engine, sessions), sessions() as session:
        with calls(engine) as seen:
            await session.execute(update(User), changes)
    assert len(seen) == 1
    statement, many, parameter_sets = seen[0]
    assert statement.startswith("UPDATE users SET name=")
    assert (many, parameter_sets) == (True, 2)


async def test_dictionaries_with_different_keys_are_separate_statements(
    settings: Settings, backend: str
) -> None:
    changes = [{"id": 1, "name": "Ada King"}, {"id": 3, "email": "linus@kernel.org"}]
    async with sample_db() as (engine, sessions), sessions() as session:
        with calls(engine) as seen:
            await session.execute(update(User), changes)
        emails = await session.scalars(select(User.email).order_by(User.id))
        assert emails.all()[2] == "linus@kernel.org"
    assert [s.split("=")[0] for s, _, _ in seen] == [
        "UPDATE users SET name",
        "UPDATE users SET email",
    ]


async def test_core_where_cannot_use_a_column_name_as_bindparam(
    settings: Settings, backend: str
) -> None:
    users = Base.metadata.tables["users"]
    assert users is User.__table__
    by_id = update(users).where(users.c.id == bindparam("id"))
    async with sample_db() as (_, sessions), sessions() as session:
        with pytest.raises(CompileError) as error:
            await session.execute(by_id, [{"id": 1, "name": "Ada King"}])
    assert str(error.value) == (
        "bindparam() name 'id' is reserved for automatic usage in the VALUES or SET "
        "clause of this insert/update statement.   Please use a name other than "
        "column name when using bindparam() with insert() or update() (for example, "
        "'b_id')."
    )


async def test_where_with_a_list_runs_with_synchronize_session_none(
    settings: Settings, backend: str
) -> None:
    changes = [{"id": 1, "name": "Ada King"}, {"id": 2, "name": "Grace B. Hopper"}]
    not_grace = update(User).where(User.name != "Grace Hopper")
    async with sample_db() as (engine, sessions), sessions() as session:
        ada = await session.get(User, 1)
        assert ada is not None
        with calls(engine) as seen:
            await session.execute(
                not_grace.execution_options(synchronize_session=None), changes
            )
        names = (await session.execute(NAMES)).all()
        assert ada.name == "Ada Lovelace"  # the loaded object was not synchronized
        await session.refresh(ada)
        assert ada.name == "Ada King"
    assert names[:2] == [(1, "Ada King"), (2, "Grace Hopper")]
    statement = seen[0][0]
    assert "WHERE users.name != " in statement
    assert statement.endswith(
        "AND users.id = ?" if backend == "sqlite" else "::INTEGER"
    )


async def test_only_sqlite_reports_rows_matched_by_an_executemany(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (engine, _):
        sane = engine.dialect.supports_sane_multi_rowcount
    assert sane is (backend == "sqlite")


async def test_deleting_loaded_objects_is_one_executemany(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        comments = await session.scalars(select(Comment).where(Comment.id.in_([1, 3])))
        for comment in comments:
            await session.delete(comment)
        with calls(engine) as seen:
            await session.flush()
    assert len(seen) == 1
    assert seen[0][0].startswith("DELETE FROM comments WHERE comments.id = ")
    assert seen[0][1:] == (True, 2)


async def test_foreign_key_without_on_delete_refuses_a_bulk_delete(
    settings: Settings, backend: str
) -> None:
    metadata = MetaData()
    Table("users", metadata, Column("id", Integer, primary_key=True))
    notes = Table(
        "notes",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", ForeignKey("users.id")),  # no ondelete
    )
    async with sample_db() as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(notes.create)
            await connection.execute(insert(notes).values(user_id=1))
        async with sessions() as session:
            with pytest.raises(IntegrityError) as error:
                await session.execute(delete(User).where(User.id.in_([1])))
    message = str(error.value).splitlines()[0]
    assert (
        message
        == {
            "sqlite": "(sqlite3.IntegrityError) FOREIGN KEY constraint failed",
            "postgres": "(sqlalchemy.dialects.postgresql.asyncpg.ForeignKeyViolationError) "
            'update or delete on table "users" violates foreign key constraint '
            '"notes_user_id_fkey" on table "notes"',
        }[backend]
    )


async def test_a_missing_primary_key_fails_before_anything_is_sent(
    settings: Settings, backend: str
) -> None:
    changes: list[dict[str, object]] = [{"id": 1, "name": "A"}, {"name": "B"}]
    async with sample_db() as (engine, sessions), sessions() as session:
        with calls(engine) as seen, pytest.raises(InvalidRequestError):
            await session.execute(update(User), changes)
    assert seen == []


@pytest.mark.parametrize(
    ("mode", "returning"), [("auto", False), ("evaluate", False), ("fetch", True)]
)
async def test_synchronize_session_modes_of_a_delete(
    settings: Settings, backend: str, mode: str, returning: bool
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        linus = await session.get(User, 3)
        with calls(engine) as seen:
            await session.execute(
                delete(User).where(User.id.in_([3])),
                execution_options={"synchronize_session": mode},
            )
        assert linus not in session
    assert len(seen) == 1
    assert ("RETURNING" in seen[0][0]) is returning
