"""Claims on docs/queries/bulk-updates.md that the examples do not show by themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
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
from sqlalchemy.exc import (
    CompileError,
    IntegrityError,
    InvalidRequestError,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from snippets.models import Base, Comment, Post, User
from snippets.sample import sample_db
from snippets.settings import Settings
from tests import versions

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
    # The page gives SQLAlchemy 2.0's form too (a version-matrix cell runs this).
    on_20 = "" if versions.has("sqlalchemy>=2.1") else " 2.0"
    on_20 = "" if backend == "sqlite" else on_20
    assert (
        message
        == {
            "sqlite": "(sqlite3.IntegrityError) FOREIGN KEY constraint failed",
            "postgres": "(sqlalchemy.dialects.postgresql.asyncpg.ForeignKeyViolationError) "
            'update or delete on table "users" violates foreign key constraint '
            '"notes_user_id_fkey" on table "notes"',
            "postgres 2.0": "(sqlalchemy.dialects.postgresql.asyncpg.IntegrityError) <class "
            "'asyncpg.exceptions.ForeignKeyViolationError'>: update or delete on table "
            '"users" violates foreign key constraint "notes_user_id_fkey" on table "notes"',
        }[backend + on_20]
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


# A key with no row: SQLAlchemy checks the count of each statement it sends with a single
# parameter set on every backend, and of an executemany only where the driver reports it.
ONE_MISSING = [{"id": 99, "name": "Nobody"}]
TWO_GROUPS = [{"id": 1, "name": "Ada King"}, {"id": 99, "email": "nobody@example.com"}]
ONE_GROUP = [{"id": 1, "name": "Ada King"}, {"id": 99, "name": "Nobody"}]
STALE_ONE = (
    "UPDATE statement on table 'users' expected to update 1 row(s); 0 were matched."
)
STALE_TWO = (
    "UPDATE statement on table 'users' expected to update 2 row(s); 1 were matched."
)


@pytest.mark.parametrize(
    ("changes", "sqlite", "postgres"),
    [
        (ONE_MISSING, STALE_ONE, STALE_ONE),
        (TWO_GROUPS, STALE_ONE, STALE_ONE),
        (ONE_GROUP, STALE_TWO, None),
    ],
    ids=["one-dictionary", "two-groups-of-one", "one-group-of-two"],
)
async def test_a_key_without_a_row(
    settings: Settings,
    backend: str,
    changes: list[dict[str, object]],
    sqlite: str | None,
    postgres: str | None,
) -> None:
    expected = {"sqlite": sqlite, "postgres": postgres}[backend]
    async with sample_db() as (_, sessions), sessions() as session:
        try:
            await session.execute(update(User), changes)
            error = None
        except StaleDataError as exc:
            error = str(exc)
    assert error == expected


@pytest.mark.parametrize("changes", [ONE_MISSING, ONE_GROUP])
async def test_where_with_synchronize_session_none_checks_no_count(
    settings: Settings, backend: str, changes: list[dict[str, object]]
) -> None:
    any_name = update(User).where(User.name != "Nobody")
    async with sample_db() as (_, sessions), sessions() as session:
        await session.execute(
            any_name.execution_options(synchronize_session=None), changes
        )
        names = await session.scalars(select(User.name).order_by(User.id))
        assert names.all()[0] == ("Ada King" if len(changes) == 2 else "Ada Lovelace")


BY_BOUND_KEY = (
    update(User).where(User.id == bindparam("b_id")).values(name=bindparam("b_name"))
)
BOUND_ROWS = [{"b_id": 1, "b_name": "Ada King"}, {"b_id": 3, "b_name": "Linus B."}]


async def test_core_style_where_on_the_entity_through_the_session(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        with calls(engine) as seen:
            with pytest.raises(InvalidRequestError) as refused:
                await session.execute(BY_BOUND_KEY, BOUND_ROWS)
            with pytest.raises(InvalidRequestError) as no_key:
                await session.execute(
                    BY_BOUND_KEY.execution_options(synchronize_session=None),
                    BOUND_ROWS,
                )
        assert seen == []
        assert str(refused.value).startswith("bulk synchronize of persistent objects")
        assert str(no_key.value).startswith(
            "No primary key value supplied for column(s) users.id; per-row ORM Bulk "
            "UPDATE by Primary Key requires that records contain primary key values"
        )
        connection = await session.connection()
        with calls(engine) as seen:
            await connection.execute(BY_BOUND_KEY, BOUND_ROWS)
        assert [(many, sets) for _, many, sets in seen] == [(True, 2)]
        names = (await session.execute(NAMES)).all()
    assert names == [(1, "Ada King"), (2, "Grace Hopper"), (3, "Linus B.")]


async def test_values_with_a_list_of_keys_is_one_execute_per_dictionary(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        with calls(engine) as seen:
            await session.execute(update(User).values(name="X"), [{"id": 1}, {"id": 3}])
        names = (await session.execute(NAMES)).all()
    assert [(many, sets) for _, many, sets in seen] == [(False, 1), (False, 1)]
    assert names == [(1, "X"), (2, "Grace Hopper"), (3, "X")]


async def test_bulk_update_by_primary_key_updates_loaded_objects_in_place(
    settings: Settings, backend: str
) -> None:
    changes = [{"id": 1, "name": "Ada King"}, {"id": 2, "name": "Grace B. Hopper"}]
    async with sample_db() as (engine, sessions), sessions() as session:
        ada = await session.get(User, 1)
        assert ada is not None
        with calls(engine) as seen:
            await session.execute(update(User), changes)
            assert ada.name == "Ada King"  # no lazy load: it would fail in async code
    assert len(seen) == 1  # the UPDATE, no SELECT to refresh Ada


async def test_bulk_update_by_primary_key_refuses_fetch(
    settings: Settings, backend: str
) -> None:
    fetch = update(User).execution_options(synchronize_session="fetch")
    async with sample_db() as (_, sessions), sessions() as session:
        with pytest.raises(InvalidRequestError) as error:
            await session.execute(fetch, [{"id": 1, "name": "Ada King"}])
    assert str(error.value) == (
        "The 'fetch' synchronization strategy is not available for 'bulk' ORM updates "
        "(i.e. multiple parameter sets)"
    )


async def test_bulk_update_by_primary_key_has_no_rowcount_nor_returning(
    settings: Settings, backend: str
) -> None:
    changes = [{"id": 1, "name": "Ada King"}, {"id": 2, "name": "Grace B. Hopper"}]
    dialect = {"sqlite": "sqlite+aiosqlite", "postgres": "postgresql+asyncpg"}[backend]
    async with sample_db() as (_, sessions), sessions() as session:
        result = await session.execute(update(User), changes)
        with pytest.raises(AttributeError) as no_rowcount:
            result.rowcount  # type: ignore[attr-defined]  # noqa: B018
        with pytest.raises(StatementError) as no_returning:
            await session.execute(update(User).returning(User.id), changes)
    assert (
        str(no_rowcount.value) == "'IteratorResult' object has no attribute 'rowcount'"
    )
    assert str(no_returning.value).splitlines()[0] == (
        f"(sqlalchemy.exc.InvalidRequestError) Dialect {dialect} with current server "
        "capabilities does not support UPDATE..RETURNING when executemany is used"
    )


async def test_table_update_on_a_one_row_table_rewrites_the_key(
    settings: Settings, backend: str
) -> None:
    changes = [{"id": 1, "name": "Ada King"}, {"id": 3, "name": "Linus B. Torvalds"}]
    async with sample_db() as (_, sessions), sessions() as session:
        await session.execute(delete(Post))  # nothing references Ada any more
        await session.execute(delete(User).where(User.id != 1))
        await session.execute(update(Base.metadata.tables["users"]), changes)
        rows = (await session.execute(select(User.id, User.name, User.email))).all()
    assert rows == [(3, "Linus B. Torvalds", "ada@example.com")]


@pytest.mark.parametrize("backend", ["postgres"])  # asyncpg's own executemany
async def test_asyncpg_receives_the_list_in_one_executemany(
    settings: Settings, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, int]] = []
    original = asyncpg.connection.Connection.executemany

    async def counting(self: Any, command: str, args: Any, **kwargs: Any) -> Any:
        sent.append((command.split(" SET")[0], len(args)))
        return await original(self, command, args, **kwargs)

    changes = [{"id": n, "name": f"User {n}"} for n in (1, 2, 3)]
    async with sample_db() as (_, sessions), sessions() as session:
        monkeypatch.setattr(asyncpg.connection.Connection, "executemany", counting)
        await session.execute(update(User), changes)
    assert sent == [("UPDATE users", 3)]


async def test_an_expired_object_of_a_deleted_row_fails_on_access(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        linus = await session.get(User, 3)
        assert linus is not None
        await session.execute(
            delete(User).where(User.id.in_([3])),
            execution_options={"synchronize_session": False},
        )
        with pytest.raises(InvalidRequestError) as refresh:
            await session.refresh(linus)
        session.expire(linus)
        with pytest.raises(ObjectDeletedError) as error:
            await linus.awaitable_attrs.name
    assert re.fullmatch(
        r"Could not refresh instance '<User at 0x[0-9a-f]+>'", str(refresh.value)
    )
    assert re.fullmatch(
        r"Instance '<User at 0x[0-9a-f]+>' has been deleted, "
        r"or its row is otherwise not present\.",
        str(error.value),
    )
