"""Claims on docs/queries/upserts.md that the examples do not show by themselves, and the
page's helpers."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    orm_insert_sentinel,
)

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


class SentinelBase(DeclarativeBase):
    pass


class Contact(SentinelBase):
    """An integer id from the server, plus a sentinel column for SQLAlchemy to sort by."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str]
    _sentinel: Mapped[int] = orm_insert_sentinel()


@pytest.mark.parametrize(
    "model",
    [Account, Contact],
    ids=["client-generated key", "insert sentinel"],
)
async def test_a_key_sqlalchemy_can_sort_by_keeps_the_input_order(
    settings: Settings, model: type[Account] | type[Contact]
) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(model.metadata.create_all)
        session.add(model(email="ada@example.com", name="Ada"))
        await session.commit()
        insert = insert_for(engine.dialect.name, model)
        upsert = insert.on_conflict_do_update(
            index_elements=[model.email], set_={"name": insert.excluded.name}
        ).returning(model.email, sort_by_parameter_order=True)
        emails = ["zed@example.com", "ada@example.com", "bob@example.com"]
        with log_sql(engine) as sql:
            result = await session.execute(
                upsert, [{"email": e, "name": e} for e in emails]
            )
        assert result.scalars().all() == emails
        assert len(sql) == 3  # one statement per row, on both backends


@pytest.mark.parametrize("backend", ["postgres"])
async def test_sort_by_parameter_order_puts_updated_rows_first_in_id_order(
    settings: Settings,
) -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        await _tables(engine)
        async with sessions() as session:
            for email in ("ada@example.com", "bob@example.com"):  # ids 1 and 2
                session.add(Member(tenant_id=1, email=email, name=email))
            await session.commit()
            insert = postgresql.insert(Member)
            upsert = insert.on_conflict_do_update(
                index_elements=[Member.tenant_id, Member.email],
                set_={"name": insert.excluded.name},
            ).returning(Member.id, Member.email, sort_by_parameter_order=True)
            emails = ["zed@", "bob@example.com", "amy@", "ada@example.com"]
            rows = [{"tenant_id": 1, "email": e, "name": e} for e in emails]
            result = (await session.execute(upsert, rows)).all()
        assert [email for _, email in result] == [
            "ada@example.com",  # updated, id 1
            "bob@example.com",  # updated, id 2
            "zed@",  # new rows, in input order
            "amy@",
        ]
        assert [id_ for id_, _ in result] == sorted(id_ for id_, _ in result)


@pytest.mark.parametrize("skip", ["do_nothing", "where"])
async def test_a_skipped_row_is_missing_from_returning(
    settings: Settings, skip: str
) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        await _tables(engine)
        session.add(Member(**ADA, name="Ada", version=5))
        await session.commit()
        insert = insert_for(engine.dialect.name, Member)
        statement = (
            insert.on_conflict_do_nothing()
            if skip == "do_nothing"
            else insert.on_conflict_do_update(
                index_elements=[Member.tenant_id, Member.email],
                set_={"name": insert.excluded.name},
                where=Member.version < insert.excluded.version,
            )
        ).returning(Member.tenant_id, Member.email, Member.name)
        keys = [(1, "zed@example.com"), (1, "ada@example.com"), (1, "bob@example.com")]
        rows = [{"tenant_id": t, "email": e, "name": e[:3]} for t, e in keys]
        returned = (await session.execute(statement, rows)).all()
        assert len(returned) == 2  # three inputs, no error
        # Paired by position, the third input gets the second row: wrong.
        assert [(key[1], row[1]) for key, row in zip(keys, returned, strict=False)] == [
            ("zed@example.com", "zed@example.com"),
            ("ada@example.com", "bob@example.com"),
        ]
        names = {(tenant, email): name for tenant, email, name in returned}
        with pytest.raises(KeyError):
            names[1, "ada@example.com"]
        assert [names.get(key) for key in keys] == ["zed", None, "bob"]


@pytest.mark.parametrize("backend", ["postgres"])
async def test_duplicates_in_different_batches_do_not_raise(
    settings: Settings,
) -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        await _tables(engine)
        assert engine.dialect.insertmanyvalues_page_size == 1000  # the default
        insert = postgresql.insert(Member)
        upsert = insert.on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],
            set_={"name": insert.excluded.name},
        ).returning(Member.name)
        rows = [{**ADA, "name": "A"}, {**ADA, "name": "B"}]
        async with sessions() as session:
            with log_sql(engine) as sql:
                result = await session.execute(
                    upsert.execution_options(insertmanyvalues_page_size=1), rows
                )
            assert result.scalars().all() == ["A", "B"]
            assert len(sql) == 2  # one batch, one statement, per row
            await session.commit()
            assert (await session.scalars(select(Member.name))).all() == ["B"]


@pytest.mark.parametrize(
    ("expire_on_commit", "name"), [(True, "Ada L."), (False, "Ada")]
)
async def test_only_expire_on_commit_false_keeps_the_old_attributes(
    settings: Settings, expire_on_commit: bool, name: str
) -> None:
    async with sample_db(rows=False) as (engine, _):
        await _tables(engine)
        factory = async_sessionmaker(engine, expire_on_commit=expire_on_commit)
        async with factory() as session:
            ada = Member(**ADA, name="Ada")
            session.add(ada)
            await session.commit()  # expire_on_commit=True expires ada's attributes
            insert = insert_for(engine.dialect.name, Member)
            upsert = (
                insert.values(**ADA, name="Ada L.")
                .on_conflict_do_update(
                    index_elements=[Member.tenant_id, Member.email],
                    set_={"name": insert.excluded.name},
                )
                .returning(Member)
            )
            member = (await session.scalars(upsert)).one()
            assert member is ada
            assert member.name == name  # expired: loaded from the returned row
