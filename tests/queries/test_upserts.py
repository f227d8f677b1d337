"""Claims on docs/queries/upserts.md that the examples do not show by themselves, and the
page's helpers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.database import driver_error
from snippets.queries.upserts import Base, Member, insert_for, last_per_key
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql

ADA = {"tenant_id": 1, "email": "ada@example.com"}


def test_insert_for_picks_the_dialects_insert() -> None:
    assert isinstance(insert_for("postgresql", Member), postgresql.Insert)
    assert isinstance(insert_for("sqlite", Member), sqlite.Insert)
    with pytest.raises(
        ValueError, match="no ON CONFLICT insert for the 'mysql' dialect"
    ):
        insert_for("mysql", Member)


def test_last_per_key_keeps_the_last_row_in_first_seen_order() -> None:
    rows = [
        {"tenant_id": 1, "email": "b", "name": "B1"},
        {"tenant_id": 1, "email": "a", "name": "A"},
        {"tenant_id": 2, "email": "b", "name": "other tenant"},
        {"tenant_id": 1, "email": "b", "name": "B2"},
    ]
    assert [row["name"] for row in last_per_key(rows, "tenant_id", "email")] == [
        "B2",
        "A",
        "other tenant",
    ]
    assert [row["name"] for row in last_per_key(rows, "email")] == ["B2", "A"]
    assert last_per_key([], "email") == []


async def _tables(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)


async def test_from_statement_needs_populate_existing_too(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        await _tables(engine)
        ada = Member(**ADA, name="Ada")
        session.add(ada)
        await session.commit()
        insert = insert_for(engine.dialect.name, Member)
        upsert = insert.values(**ADA, name="New").on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],
            set_={"name": insert.excluded.name},
        )
        query = select(Member).from_statement(upsert.returning(Member))
        assert (await session.scalars(query)).one() is ada
        assert ada.name == "Ada"  # stale: the row says "New"
        query = query.execution_options(populate_existing=True)
        assert (await session.scalars(query)).one() is ada
        assert ada.name == "New"


async def test_a_subset_of_the_unique_columns_matches_no_constraint(
    settings: Settings, backend: str
) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        await _tables(engine)
        insert = insert_for(engine.dialect.name, Member)
        upsert = insert.values(**ADA, name="Ada").on_conflict_do_update(
            index_elements=[Member.email], set_={"name": insert.excluded.name}
        )
        with pytest.raises(DBAPIError) as error:
            await session.execute(upsert)
        assert (
            str(driver_error(error.value))
            == {
                "sqlite": "ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint",
                "postgres": "there is no unique or exclusion constraint matching the ON CONFLICT "
                "specification",
            }[backend]
        )


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_duplicate_key_fails_only_when_postgresql_gets_one_statement(
    settings: Settings,
) -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        await _tables(engine)
        insert = postgresql.insert(Member)
        upsert = insert.on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],
            set_={"name": insert.excluded.name},
        )
        rows = [{**ADA, "name": "A"}, {**ADA, "name": "B"}]
        async with sessions() as session:  # executemany: one execution per row
            await session.execute(upsert, rows)
            await session.commit()
            assert (await session.scalars(select(Member.name))).all() == ["B"]
        with pytest.raises(DBAPIError) as error:  # RETURNING: one batched statement
            async with sessions() as session:
                await session.execute(upsert.returning(Member.id), rows)
        assert type(driver_error(error.value)).__name__ == "CardinalityViolationError"


class UuidBase(DeclarativeBase):
    pass


class Account(UuidBase):
    """A client-generated primary key: no autoincrementing id for SQLAlchemy to sort by."""

    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]


async def test_a_client_generated_key_keeps_the_input_order(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(UuidBase.metadata.create_all)
        session.add(Account(email="ada@example.com", name="Ada"))
        await session.commit()
        insert = insert_for(engine.dialect.name, Account)
        upsert = insert.on_conflict_do_update(
            index_elements=[Account.email], set_={"name": insert.excluded.name}
        ).returning(Account.email, sort_by_parameter_order=True)
        emails = ["zed@example.com", "ada@example.com", "bob@example.com"]
        with log_sql(engine) as sql:
            result = await session.execute(
                upsert, [{"email": e, "name": e} for e in emails]
            )
        assert result.scalars().all() == emails
        assert len(sql) == 3  # one statement per row, on both backends
