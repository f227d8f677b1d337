"""Claims on docs/types/keys-and-defaults.md that the examples do not show by themselves:
what a reader does next with a UUID key, an identity column, a default or a computed column."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import pytest
from asgi_lifespan import LifespanManager
from fastapi import status
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel
from sqlalchemy import (
    Computed,
    FetchedValue,
    Identity,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InvalidRequestError,
    MissingGreenlet,
    SAWarning,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column
from sqlalchemy.schema import CreateTable

from snippets.app import DbSession, create_app
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql
from snippets.types.keys_and_defaults import Account, AccountRead
from snippets.types.keys_and_defaults import Base as AccountBase
from tests import versions


class Base(DeclarativeBase):
    pass


class ServerAccount(Base):
    __tablename__ = "server_accounts"
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=func.gen_random_uuid()
    )
    name: Mapped[str]


class Event(Base):
    __tablename__ = "events"
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=func.uuidv7()
    )
    kind: Mapped[str]


class Serial(Base):
    __tablename__ = "serial_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


class ByDefault(Base):
    __tablename__ = "identity_tickets"
    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    title: Mapped[str]


class Always(Base):
    __tablename__ = "always_tickets"
    id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)
    title: Mapped[str]


class Label(Base):
    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    shout: Mapped[str] = mapped_column(default=func.upper("draft"))
    state: Mapped[str] = mapped_column(default="new", onupdate="edited")


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    changed_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), server_onupdate=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now()
    )
    edits: Mapped[int] = mapped_column(
        server_default=text("0"), server_onupdate=FetchedValue()
    )


class Person(Base):
    __tablename__ = "people"
    __mapper_args__ = {"eager_defaults": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str]
    last_name: Mapped[str]
    full_name: Mapped[str] = mapped_column(
        Computed("first_name || ' ' || last_name", persisted=True)
    )


class VirtualPerson(Base):
    __tablename__ = "virtual_people"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str]
    full_name: Mapped[str] = mapped_column(Computed("first_name || '!'"))


PG_ONLY = {ServerAccount.__tablename__, Event.__tablename__}
# uuidv7() and virtual generated columns are new in PostgreSQL 18; the version-matrix cells
# on older servers leave these tables out.
NEEDS_18 = {Event.__tablename__, VirtualPerson.__tablename__}


@asynccontextmanager
async def tables(
    backend: str,
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """The test's models on a fresh database (sample_db empties it first)."""
    async with sample_db(rows=False) as (engine, sessions):
        wanted = [
            table
            for table in Base.metadata.sorted_tables
            if (backend == "postgres" or table.name not in PG_ONLY)
            and (
                backend == "sqlite"
                or table.name not in NEEDS_18
                or versions.has("postgresql>=18")
            )
        ]
        async with engine.begin() as connection:
            await connection.run_sync(AccountBase.metadata.create_all)
            await connection.run_sync(Base.metadata.create_all, tables=wanted)
        yield engine, sessions


def driver_error(exc: DBAPIError) -> str:
    """The driver's own exception, as the page prints it."""
    error = getattr(exc.orig, "__cause__", None) or exc.orig
    return f"{type(error).__name__}: {error}".split("\n")[0]


# --- UUID keys ---------------------------------------------------------------------------


async def test_a_thousand_python_made_keys_are_unique_version_4_uuids(
    settings: Settings, backend: str
) -> None:
    async with tables(backend) as (_, sessions), sessions() as session:
        accounts = [Account(name=f"user {n}") for n in range(1000)]
        session.add_all(accounts)
        await session.commit()
        keys = (await session.scalars(select(Account.id))).all()
    assert len(set(keys)) == 1000
    assert {key.version for key in keys} == {4}
    assert set(keys) == {account.id for account in accounts}


async def test_a_key_read_back_is_asyncpgs_subclass_on_postgres_only(
    settings: Settings, backend: str
) -> None:
    async with tables(backend) as (_, sessions):
        async with sessions() as session:
            session.add(ada := Account(name="Ada"))
            await session.commit()
        async with sessions() as session:
            loaded = await session.get_one(Account, ada.id)
    assert isinstance(loaded.id, uuid.UUID)
    assert loaded.id == ada.id
    expected = {"sqlite": "uuid", "postgres": "asyncpg.pgproto.pgproto"}[backend]
    assert type(loaded.id).__module__ == expected


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_server_default_key_comes_back_from_a_bulk_insert_returning(
    settings: Settings,
) -> None:
    async with tables("postgres") as (_, sessions), sessions() as session:
        rows = [{"name": f"user {n}"} for n in range(500)]
        statement = insert(ServerAccount).returning(
            ServerAccount.id, ServerAccount.name, sort_by_parameter_order=True
        )
        returned = (await session.execute(statement, rows)).all()
    assert [name for _, name in returned] == [row["name"] for row in rows]
    assert len({key for key, _ in returned}) == 500
    assert {key.version for key, _ in returned} == {4}


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.needs("postgresql>=18")
async def test_uuidv7_keys_made_later_sort_later_across_transactions(
    settings: Settings,
) -> None:
    async with tables("postgres") as (_, sessions):
        made = []
        for n in range(20):  # one transaction each
            async with sessions() as session:
                session.add(event := Event(kind=f"event {n}"))
                await session.commit()
                made.append(event.id)
        async with sessions() as session:
            in_key_order = (
                await session.scalars(select(Event.kind).order_by(Event.id))
            ).all()
            embedded = await session.scalar(
                select(func.uuid_extract_timestamp(Event.id)).limit(1)
            )
    assert made == sorted(made)
    assert in_key_order == [f"event {n}" for n in range(20)]
    assert embedded is not None  # a version 7 key carries its creation time


def test_gen_random_uuid_is_only_a_column_default_on_sqlite() -> None:
    from sqlalchemy.dialects import sqlite

    ddl = str(CreateTable(ServerAccount.__table__).compile(dialect=sqlite.dialect()))
    assert "DEFAULT (gen_random_uuid())" in ddl


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_on_sqlite_only_inserts_that_leave_the_gen_random_uuid_key_out_fail(
    settings: Settings,
) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(
                Base.metadata.create_all, tables=[ServerAccount.__table__]
            )
        async with sessions() as session:
            session.add(given := ServerAccount(id=uuid.uuid4(), name="given"))
            await session.commit()
            assert (await session.get_one(ServerAccount, given.id)).name == "given"
            session.add(ServerAccount(name="left out"))
            with pytest.raises(DBAPIError) as failure:
                await session.flush()
    assert driver_error(failure.value) == (
        "OperationalError: unknown function: gen_random_uuid()"
    )


# --- UUIDs and JSON ------------------------------------------------------------------------


def test_json_dumps_refuses_the_standard_uuid_too() -> None:
    with pytest.raises(TypeError) as standard:
        json.dumps({"id": uuid.uuid4()})
    assert str(standard.value) == "Object of type UUID is not JSON serializable"


@pytest.mark.parametrize("backend", ["postgres"])
async def test_an_exact_class_lookup_misses_asyncpgs_uuid_and_str_works(
    settings: Settings,
) -> None:
    async with tables("postgres") as (engine, _), engine.begin() as connection:
        await connection.execute(insert(Account).values(name="Ada"))
        raw = (await connection.get_raw_connection()).driver_connection
        value = await raw.fetchval("SELECT id FROM accounts")
    encoders = {uuid.UUID: str}
    assert type(value) not in encoders
    assert isinstance(value, uuid.UUID)
    assert json.loads(json.dumps({"id": str(value)})) == {"id": str(value)}
    standard = uuid.UUID(str(value))
    assert type(standard) is uuid.UUID
    assert standard == value
    assert hash(standard) == hash(value)  # usable as the same dict key


class AccountCreate(BaseModel):
    name: str


async def test_a_uuid_key_round_trips_through_a_fastapi_response_model(
    settings: Settings, backend: str
) -> None:
    app = create_app(Settings(database_url="sqlite+aiosqlite://"))

    @app.post(
        "/accounts", response_model=AccountRead, status_code=status.HTTP_201_CREATED
    )
    async def create_account(body: AccountCreate, session: DbSession) -> Account:
        account = Account(name=body.name)
        session.add(account)
        await session.commit()
        return account

    @app.get("/accounts/{account_id}", response_model=AccountRead)
    async def read_account(account_id: uuid.UUID, session: DbSession) -> Account:
        return await session.get_one(Account, account_id)

    async with (
        tables(backend) as (_, sessions),
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        app.state.session_factory = sessions
        created = await client.post("/accounts", json={"name": "Ada"})
        key = created.json()["id"]
        read = await client.get(f"/accounts/{key}")
        upper = await client.get(f"/accounts/{key.upper()}")
        hex_only = await client.get(f"/accounts/{uuid.UUID(key).hex}")
    assert created.status_code == 201
    assert uuid.UUID(key).version == 4
    assert read.json() == {"id": key, "name": "Ada"}
    # Any spelling pydantic accepts finds the row; the response writes the canonical one.
    assert upper.json() == hex_only.json() == read.json()


# --- Identity columns and SERIAL ---------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("model", [Serial, ByDefault])
async def test_an_explicit_id_collides_with_serial_and_identity_by_default(
    settings: Settings, model: type[Serial] | type[ByDefault]
) -> None:
    name = model.__tablename__
    async with tables("postgres") as (_, sessions), sessions() as session:
        session.add(model(id=1, title="imported"))
        await session.commit()
        session.add(model(title="new"))
        with pytest.raises(IntegrityError) as failure:
            await session.commit()
        assert driver_error(failure.value) == (
            "UniqueViolationError: duplicate key value violates unique constraint "
            f'"{name}_pkey"'
        )
        await session.rollback()
        # The page's repair, for both kinds of column.
        await session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) "
                f"FROM {name}"
            )
        )
        session.add(new := model(title="new"))
        await session.commit()
    assert new.id == 2


@pytest.mark.parametrize("backend", ["postgres"])
async def test_an_import_into_generated_always_overrides_then_moves_the_sequence(
    settings: Settings,
) -> None:
    async with tables("postgres") as (_, sessions), sessions() as session:
        await session.execute(
            text(
                "INSERT INTO always_tickets (id, title) OVERRIDING SYSTEM VALUE "
                "VALUES (1, 'imported'), (2, 'imported')"
            )
        )
        await session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('always_tickets', 'id'), max(id)) "
                "FROM always_tickets"
            )
        )
        session.add(new := Always(title="new"))
        await session.commit()
    assert new.id == 3


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_takes_one_more_than_the_largest_key(settings: Settings) -> None:
    async with tables("sqlite") as (_, sessions), sessions() as session:
        session.add(Serial(id=10, title="imported"))
        await session.commit()
        session.add(new := Serial(title="new"))
        await session.commit()
    assert new.id == 11


# --- Defaults ----------------------------------------------------------------------------


def test_server_onupdate_puts_nothing_in_the_table() -> None:
    ddl = str(CreateTable(Doc.__table__).compile(dialect=PGDialect_asyncpg()))
    changed_at = next(line for line in ddl.splitlines() if "changed_at" in line)
    assert changed_at.strip() == (
        "changed_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now() NOT NULL,"
    )


async def test_without_eager_defaults_server_insert_values_are_loaded_and_update_ones_expire(
    settings: Settings, backend: str
) -> None:
    async with tables(backend) as (_, sessions), sessions() as session:
        doc = Doc(title="draft")
        session.add(doc)
        await session.flush()
        loaded_after_insert = set(inspect(doc).unloaded)
        doc.title = "final"
        await session.flush()
        expired = set(inspect(doc).unloaded)
        # Reading an expired column needs a query, which async code cannot run implicitly.
        with pytest.raises((MissingGreenlet, StatementError)):  # SQLite wraps it
            _ = doc.updated_at
        await session.refresh(doc, ["updated_at", "changed_at", "edits"])
    assert loaded_after_insert == set()
    assert expired == {"changed_at", "updated_at", "edits"}


async def test_a_sql_default_goes_into_the_insert_and_a_python_onupdate_stays_loaded(
    settings: Settings, backend: str
) -> None:
    async with tables(backend) as (engine, sessions), sessions() as session:
        session.add(label := Label(title="first"))
        with log_sql(engine) as sql:
            await session.flush()
        assert "upper(" in sql[0].split("RETURNING")[0]
        assert label.shout == "DRAFT"  # read back in the INSERT's RETURNING
        label.title = "second"
        await session.flush()
        assert "state" not in inspect(label).unloaded
        assert label.state == "edited"


class Keyless(DeclarativeBase):
    pass


class KeylessRow(Keyless):
    """A UUID key that nothing makes: neither Python nor the server."""

    __tablename__ = "keyless"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


@asynccontextmanager
async def a_keyless_row_pending() -> AsyncIterator[tuple[AsyncEngine, AsyncSession]]:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Keyless.metadata.create_all)
        async with sessions() as session:
            session.add(KeylessRow())
            yield engine, session


async def test_sqlalchemy_warns_before_inserting_a_key_nothing_makes(
    settings: Settings, backend: str
) -> None:
    async with a_keyless_row_pending() as (_, session):
        with (
            pytest.warns(SAWarning, match="has no Python-side or server-side"),
            pytest.raises(IntegrityError),
        ):
            await session.flush()


async def test_the_missing_key_warning_comes_before_the_insert_is_sent(
    settings: Settings, backend: str
) -> None:
    async with a_keyless_row_pending() as (engine, session):
        with warnings.catch_warnings():
            # As an error, the warning stops the flush: no INSERT has been sent.
            warnings.simplefilter("error", SAWarning)
            with log_sql(engine) as sql, pytest.raises(SAWarning):
                await session.flush()
    assert not [statement for statement in sql if statement.startswith("INSERT")]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_on_sqlite_refresh_reads_what_an_after_trigger_changed(
    settings: Settings,
) -> None:
    async with tables("sqlite") as (engine, sessions):
        async with engine.begin() as connection:
            await connection.exec_driver_sql(
                "CREATE TRIGGER count_edits AFTER UPDATE OF title ON docs BEGIN "
                "UPDATE docs SET edits = edits + 1 WHERE id = NEW.id; END"
            )
        async with sessions() as session:
            session.add(doc := Doc(title="draft"))
            await session.flush()
            doc.title = "final"
            await session.flush()
            await session.refresh(doc, ["edits"])
            assert doc.edits == 1
            doc.title = "again"
            await session.flush()
            await session.refresh(doc, ["edits"])
            assert doc.edits == 2


# --- Computed columns --------------------------------------------------------------------


async def test_inserting_a_computed_value_fails_on_both_backends(
    settings: Settings, backend: str
) -> None:
    async with tables(backend) as (_, sessions), sessions() as session:
        session.add(Person(first_name="Ada", last_name="Lovelace", full_name="x"))
        with pytest.raises(DBAPIError) as failure:
            await session.flush()
    expected = {
        "sqlite": 'OperationalError: cannot INSERT into generated column "full_name"',
        "postgres": "GeneratedAlwaysError: cannot insert a non-DEFAULT value into "
        'column "full_name"',
    }[backend]
    assert driver_error(failure.value) == expected


# tables() leaves VirtualPerson out before PostgreSQL 18.
@pytest.mark.needs("postgresql>=18")
async def test_without_eager_defaults_a_computed_column_expires_after_an_update(
    settings: Settings, backend: str
) -> None:
    async with tables(backend) as (_, sessions), sessions() as session:
        session.add(person := VirtualPerson(first_name="Ada"))
        await session.flush()
        assert person.full_name == "Ada!"
        person.first_name = "Grace"
        await session.flush()
        assert "full_name" in inspect(person).unloaded
        await session.refresh(person, ["full_name"])
        assert person.full_name == "Grace!"


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.needs("postgresql>=18")
@pytest.mark.needs("sqlalchemy>=2.1")
async def test_postgres_18_makes_a_computed_column_virtual_unless_persisted(
    settings: Settings,
) -> None:
    kinds = text(
        "SELECT attrelid::regclass::text, attgenerated::text FROM pg_attribute "
        "WHERE attname = 'full_name' ORDER BY 1"
    )
    async with tables("postgres") as (engine, _):
        async with engine.begin() as connection:
            generated = dict((await connection.execute(kinds)).all())
            # A stored column can be indexed.
            # (Plain DDL: an Index() on a mapped column would join the shared metadata.)
            await connection.exec_driver_sql(
                "CREATE INDEX ix_people_full_name ON people (full_name)"
            )
        async with engine.begin() as connection:
            with pytest.raises(DBAPIError) as failure:
                await connection.exec_driver_sql(
                    "CREATE INDEX ix_virtual_full_name ON virtual_people (full_name)"
                )
    assert generated == {"people": "s", "virtual_people": "v"}
    assert "virtual generated column" in str(failure.value.orig)


def test_sqlalchemy_emits_stored_with_a_warning_for_servers_before_18() -> None:
    """On 2.1; 2.0 (a version-matrix cell) emits STORED for every server, silently."""
    dialect = PGDialect_asyncpg()
    dialect.supports_virtual_generated_columns = False  # as for PostgreSQL 17
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ddl = str(CreateTable(VirtualPerson.__table__).compile(dialect=dialect))
        on_18 = str(
            CreateTable(VirtualPerson.__table__).compile(dialect=PGDialect_asyncpg())
        )
    assert "GENERATED ALWAYS AS (first_name || '!') STORED" in ddl
    if not versions.has("sqlalchemy>=2.1"):
        assert "GENERATED ALWAYS AS (first_name || '!') STORED" in on_18
        assert not caught
        return
    assert "'STORED' since the current PostgreSQL version" in str(caught[0].message)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_sqlite_makes_a_computed_column_virtual_unless_persisted_and_indexes_it(
    settings: Settings,
) -> None:
    from sqlalchemy.dialects import sqlite

    ddl = str(CreateTable(VirtualPerson.__table__).compile(dialect=sqlite.dialect()))
    # No STORED and no VIRTUAL in the DDL: SQLite's own default, VIRTUAL, applies.
    assert "GENERATED ALWAYS AS (first_name || '!'), " in ddl
    hidden = text(
        "SELECT hidden FROM pragma_table_xinfo(:table) WHERE name = 'full_name'"
    )
    async with tables("sqlite") as (engine, _), engine.begin() as connection:
        # pragma table_xinfo: hidden is 2 for a VIRTUAL generated column, 3 for STORED.
        virtual = (
            await connection.execute(hidden, {"table": "virtual_people"})
        ).scalar()
        stored = (await connection.execute(hidden, {"table": "people"})).scalar()
        await connection.exec_driver_sql(
            "CREATE INDEX ix_virtual_full_name ON virtual_people (full_name)"
        )
        indexes = await connection.run_sync(
            lambda sync: inspect(sync).get_indexes("virtual_people")
        )
    assert (virtual, stored) == (2, 3)
    assert [index["name"] for index in indexes] == ["ix_virtual_full_name"]


def test_sqlalchemy_20_refuses_a_mixins_required_field_after_an_init_false_one() -> (
    None
):
    """Why defaults_after_flush.py declares its mixin kw_only (the 2.0 cells run this)."""
    import sqlalchemy

    def declare(**options: bool) -> None:
        class Base(MappedAsDataclass, DeclarativeBase):
            pass

        class Columns(MappedAsDataclass, **options):
            id: Mapped[int] = mapped_column(primary_key=True, init=False)
            title: Mapped[str]

        class Doc(Columns, Base):
            __tablename__ = "docs"

    declare(kw_only=True)  # every version
    if sqlalchemy.__version__.startswith("2.0."):
        with pytest.raises(InvalidRequestError, match="non-default argument 'title'"):
            declare()
    else:
        declare()
