"""Claims on docs/types/enums.md that its programs do not show by themselves: what a reader
does next with an enum column (every member, a member added later, rows written by raw SQL,
moving from names to values, arrays, the API), on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.exc import MappedAnnotationError
from sqlalchemy.schema import CreateTable

from snippets.app import DbSession
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql
from snippets.types.enums import (
    Account,
    ArrayBase,
    Article,
    ArticleBody,
    Base,
    CheckedArticle,
    CheckedBase,
    NamedArticle,
    NamesBase,
    Role,
    Status,
    allow_archived,
    values,
)
from tests import versions


class StatusLater(enum.Enum):
    """Status as the next release declares it, with a member the first one lacks."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class MappedBase(DeclarativeBase):
    # The page's rule for a whole base: every enum stores its values.
    type_annotation_map = {enum.Enum: sa.Enum(enum.Enum, values_callable=values)}


class MappedArticle(MappedBase):
    """`Article` with the enum's type from the base's type_annotation_map."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status]


def reader_of(enum_class: type[enum.Enum], **options: Any) -> sa.Table:
    """The articles table as a release whose enum is `enum_class` sees it."""
    status = sa.Enum(enum_class, name="status", values_callable=values, **options)
    return sa.Table(
        "articles",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", status),
    )


@pytest.fixture
async def db(
    settings: Settings,
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """The page's setting: sample_db(rows=False) on the test's backend, plus `articles`."""
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield engine, sessions


async def stored(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.scalars(
            sa.text("SELECT status FROM articles ORDER BY id")
        )
        return list(rows)


# --- names or values --------------------------------------------------------------------------


def test_mapped_status_is_enum_of_the_class_with_its_names() -> None:
    mapped = NamedArticle.__table__.c.status.type
    declared = sa.Enum(Status)
    assert isinstance(mapped, sa.Enum)
    for attribute in ["enums", "name", "native_enum", "length", "enum_class"]:
        assert getattr(mapped, attribute) == getattr(declared, attribute), attribute
    assert mapped.enums == ["DRAFT", "PUBLISHED"]


def test_the_base_wide_rule_maps_like_values_callable() -> None:
    """The page's type_annotation_map gives every enum column the type `Article` spells out."""
    mapped = MappedArticle.__table__.c.status.type
    explicit = Article.__table__.c.status.type
    assert isinstance(mapped, sa.Enum)
    assert isinstance(explicit, sa.Enum)
    for attribute in ["enums", "name", "native_enum", "length", "enum_class"]:
        assert getattr(mapped, attribute) == getattr(explicit, attribute), attribute
    assert mapped.enums == ["draft", "published"]


async def test_every_member_round_trips_as_its_value(
    db: tuple[AsyncEngine, async_sessionmaker[AsyncSession]],
) -> None:
    engine, sessions = db
    async with sessions() as session:
        session.add_all([Article(status=member) for member in Status])
        await session.commit()
    assert await stored(engine) == ["draft", "published"]
    async with sessions() as session:
        read = await session.scalars(sa.select(Article.status).order_by(Article.id))
        assert list(read) == list(Status)


async def test_a_row_written_by_raw_sql_with_the_value_reads_as_the_member(
    db: tuple[AsyncEngine, async_sessionmaker[AsyncSession]],
) -> None:
    engine, sessions = db
    async with engine.begin() as connection:
        await connection.execute(
            sa.text("INSERT INTO articles (status) VALUES ('published')")
        )
    async with sessions() as session:
        assert await session.scalar(sa.select(Article.status)) is Status.PUBLISHED


async def test_one_unknown_string_fails_the_whole_query(
    db: tuple[AsyncEngine, async_sessionmaker[AsyncSession]], backend: str
) -> None:
    """The LookupError section: one row the enum cannot read, among good ones."""
    engine, sessions = db
    if backend == "postgres":  # the type must know the label for a row to hold it
        async with engine.begin() as connection:
            await connection.execute(sa.text("ALTER TYPE status ADD VALUE 'archived'"))
    async with engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO articles (status) VALUES ('draft'), ('archived'), ('draft')"
            )
        )
    async with sessions() as session:
        with pytest.raises(LookupError, match="'archived' is not among the defined"):
            await session.scalars(sa.select(Article))
        # The rows around it are fine: only the unknown string fails, but it fails the query.
        good = sa.select(Article.status).where(Article.status == Status.DRAFT)
        assert list(await session.scalars(good)) == [Status.DRAFT, Status.DRAFT]


async def test_a_member_added_later_cannot_be_read_by_the_release_before(
    db: tuple[AsyncEngine, async_sessionmaker[AsyncSession]], backend: str
) -> None:
    engine, _ = db
    if backend == "postgres":  # the migration commits the label before anyone uses it
        async with engine.begin() as connection:
            await connection.execute(
                sa.text("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived'")
            )
    newer, older = reader_of(StatusLater), reader_of(Status)
    async with engine.begin() as connection:
        await connection.execute(newer.insert().values(status=StatusLater.ARCHIVED))
        assert list(await connection.scalars(sa.select(newer.c.status))) == [
            StatusLater.ARCHIVED
        ]
        result = await connection.execute(sa.select(older.c.status))
        with pytest.raises(LookupError, match="'archived' is not among the defined"):
            result.all()


async def test_names_become_values_with_a_data_migration(
    settings: Settings, backend: str
) -> None:
    """A database written with names, migrated, then read by the values model: on
    PostgreSQL by renaming the type's labels, on a VARCHAR column by an UPDATE."""
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(NamesBase.metadata.create_all)
        async with sessions() as session:
            session.add_all([NamedArticle(status=member) for member in Status])
            await session.commit()
        assert await stored(engine) == ["DRAFT", "PUBLISHED"]
        async with engine.begin() as connection:
            for member in Status:
                rename = (
                    f"ALTER TYPE status RENAME VALUE '{member.name}' TO '{member.value}'"
                    if backend == "postgres"
                    else f"UPDATE articles SET status = '{member.value}' "
                    f"WHERE status = '{member.name}'"
                )
                await connection.execute(sa.text(rename))
        assert await stored(engine) == ["draft", "published"]
        async with sessions() as session:
            read = await session.scalars(sa.select(Article.status).order_by(Article.id))
            assert list(read) == list(Status)


# --- a native type or VARCHAR -----------------------------------------------------------------


def dialect_of(url: str) -> sa.Dialect:
    return sa.create_mock_engine(url, executor=lambda *_: None).dialect


def test_a_check_constraint_only_where_the_column_is_a_varchar() -> None:
    """create_constraint=True on a native enum: a CHECK on SQLite, none on PostgreSQL (the
    type does the checking); no CHECK anywhere without it."""
    for create_constraint, on_sqlite, on_postgres in [
        (True, True, False),
        (False, False, False),
    ]:
        table = reader_of(Status, create_constraint=create_constraint)
        ddl = {
            name: str(CreateTable(table).compile(dialect=dialect_of(url)))
            for name, url in [("sqlite", "sqlite://"), ("postgres", "postgresql://")]
        }
        assert ("CHECK" in ddl["sqlite"]) is on_sqlite
        assert ("CHECK" in ddl["postgres"]) is on_postgres
        assert "status VARCHAR(9)" in ddl["sqlite"]
        assert "status status" in ddl["postgres"]


async def test_batch_mode_alters_on_postgres_and_copies_on_sqlite(
    settings: Settings, backend: str
) -> None:
    async with sample_db(rows=False) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(CheckedBase.metadata.create_all)
            await connection.execute(
                sa.insert(CheckedArticle).values(status=Status.DRAFT)
            )
        with log_sql(engine) as sql:
            async with engine.begin() as connection:
                await connection.run_sync(allow_archived)
        changes = [s.split("(")[0].strip() for s in sql if not s.startswith("PRAGMA")]
        async with engine.begin() as connection:  # the row was kept, the value allowed
            await connection.execute(
                sa.text("INSERT INTO articles (status) VALUES ('archived')")
            )
        assert await stored(engine) == ["draft", "archived"]
    if backend == "postgres":
        assert changes == [
            "ALTER TABLE articles DROP CONSTRAINT status",
            "ALTER TABLE articles ADD CONSTRAINT status CHECK",
        ]
    else:
        assert "CREATE TABLE _alembic_tmp_articles" in changes
        assert "DROP TABLE articles" in changes
        assert "ALTER TABLE _alembic_tmp_articles RENAME TO articles" in changes


async def test_the_replaced_constraint_still_refuses_other_strings(
    settings: Settings,
) -> None:
    """allow_archived() widens the list by one string; anything else is still refused,
    and the model, whose enum lacks the new member, cannot read the new row."""
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(CheckedBase.metadata.create_all)
            await connection.run_sync(allow_archived)
            await connection.execute(
                sa.text("INSERT INTO articles (status) VALUES ('archived')")
            )
        with pytest.raises(sa.exc.IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(
                    sa.text("INSERT INTO articles (status) VALUES ('deleted')")
                )
        async with sessions() as session:
            with pytest.raises(LookupError, match="'archived' is not among"):
                await session.scalars(sa.select(CheckedArticle))


@pytest.mark.parametrize("backend", ["postgres"])
async def test_postgres_cannot_drop_a_label(
    db: tuple[AsyncEngine, async_sessionmaker[AsyncSession]],
) -> None:
    engine, _ = db
    # PostgreSQL 18 parses DROP VALUE to refuse it; 15 (a version-matrix cell) cannot parse it.
    on_18 = versions.has("postgresql>=18")
    refusal = (
        "dropping an enum value is not implemented"
        if on_18
        else 'syntax error at or near "VALUE"'
    )
    with pytest.raises(DBAPIError, match=re.escape(refusal)):
        async with engine.begin() as connection:
            await connection.execute(sa.text("ALTER TYPE status DROP VALUE 'draft'"))


@pytest.mark.parametrize("backend", ["postgres"])
async def test_a_longer_new_value_overflows_the_varchar_on_postgres(
    settings: Settings,
) -> None:
    table = reader_of(Status, native_enum=False)
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(table.metadata.create_all)
        with pytest.raises(
            DBAPIError, match=r"value too long for type character varying\(9\)"
        ):
            async with engine.begin() as connection:
                await connection.execute(
                    sa.text("INSERT INTO articles (status) VALUES ('unpublished')")
                )


@pytest.mark.parametrize("backend", ["postgres"])
async def test_sample_db_drops_the_enum_types_its_tables_use(
    db: tuple[AsyncEngine, async_sessionmaker[AsyncSession]],
) -> None:
    """Why the page's programs run twice in a row: the reflected tables bring their types
    into the MetaData that sample_db() drops; a type no table uses stays."""
    engine, _ = db
    query = sa.text("SELECT typname FROM pg_type WHERE typtype = 'e' ORDER BY typname")
    async with engine.begin() as connection:
        await connection.execute(sa.text("CREATE TYPE orphan AS ENUM ('a')"))
        assert list(await connection.scalars(query)) == ["orphan", "status"]
    async with (
        sample_db(rows=False, postgres=True) as (engine, _),
        engine.begin() as connection,
    ):
        assert list(await connection.scalars(query)) == ["orphan"]
        await connection.execute(sa.text("DROP TYPE orphan"))


# --- arrays -----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("array", [postgresql.ARRAY, sa.ARRAY])
async def test_an_array_of_enums_round_trips_with_either_array_type(
    settings: Settings, array: type[sa.ARRAY[Any]]
) -> None:
    accounts = sa.Table(
        "accounts",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("roles", array(sa.Enum(Role, values_callable=values))),
    )
    async with (
        sample_db(rows=False, postgres=True) as (engine, _),
        engine.begin() as connection,
    ):
        await connection.run_sync(accounts.metadata.create_all)
        with log_sql(engine) as sql:
            for roles in [list(Role), [], [Role.EDITOR, Role.EDITOR]]:
                await connection.execute(accounts.insert().values(roles=roles))
        assert all("VALUES ($1::role[])" in statement for statement in sql), sql
        read = await connection.scalars(
            sa.select(accounts.c.roles).order_by(accounts.c.id)
        )
        assert list(read) == [list(Role), [], [Role.EDITOR, Role.EDITOR]]
    if array is sa.ARRAY:
        with pytest.raises(
            NotImplementedError,
            match=re.escape("ARRAY.contains() not implemented for the base ARRAY type"),
        ):
            accounts.c.roles.contains([Role.EDITOR])


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_page_account_filters_by_contains_overlap_and_any(
    settings: Settings,
) -> None:
    """The page's `Account`: empty and repeated lists, and each array operator."""
    rows = [[Role.READER], [Role.EDITOR, Role.EDITOR], [], list(Role)]
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(ArrayBase.metadata.create_all)
        async with sessions() as session:
            session.add_all([Account(roles=roles) for roles in rows])
            await session.commit()

            async def ids(where: sa.ColumnElement[bool]) -> list[int]:
                query = sa.select(Account.id).where(where).order_by(Account.id)
                return list(await session.scalars(query))

            assert await ids(Account.roles.contains([Role.EDITOR])) == [2, 4]
            assert await ids(Account.roles.contains(list(Role))) == [4]
            assert await ids(Account.roles.overlap(list(Role))) == [1, 2, 4]
            assert await ids(sa.any_(Account.roles) == Role.READER) == [1, 4]
            assert await ids(Account.roles == []) == [3]
            read = await session.scalars(sa.select(Account.roles).order_by(Account.id))
            assert list(read) == rows


def test_a_list_annotation_alone_has_no_column_type() -> None:
    class LocalBase(DeclarativeBase):
        pass

    with pytest.raises(
        MappedAnnotationError, match="Could not locate SQLAlchemy Core type"
    ):

        class Account(LocalBase):
            __tablename__ = "accounts"
            id: Mapped[int] = mapped_column(primary_key=True)
            roles: Mapped[list[Role]]


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(
    ("declared", "column", "cast", "message"),
    [
        (
            postgresql.ARRAY(sa.String),
            "roles role[]",
            "$1::VARCHAR[]",
            'column "roles" is of type role[] but expression is of type '
            "character varying[]",
        ),
        (
            sa.String(),
            "status status",
            "$1::VARCHAR",
            'column "status" is of type status but expression is of type '
            "character varying",
        ),
    ],
)
@pytest.mark.needs("sqlalchemy>=2.1")
async def test_a_string_declaration_is_cast_to_varchar_and_refused(
    settings: Settings,
    declared: sa.types.TypeEngine[Any],
    column: str,
    cast: str,
    message: str,
) -> None:
    """The asyncpg dialect casts the parameter to the declared type, which PostgreSQL will
    not convert to the enum: for an array and for a single value alike."""
    name, type_name = column.split()
    enum_name = type_name.removesuffix("[]")
    table = sa.Table(
        "accounts",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(name, declared),
    )
    value = ["reader"] if type_name.endswith("[]") else "reader"
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(f"CREATE TYPE {enum_name} AS ENUM ('reader', 'editor')")
            )
            await connection.execute(
                sa.text(f"CREATE TABLE accounts (id serial PRIMARY KEY, {column})")
            )
        with pytest.raises(StatementError) as raised:
            async with engine.begin() as connection:
                await connection.execute(table.insert().values({name: value}))
    assert f"INSERT INTO accounts ({name}) VALUES ({cast})" in str(raised.value)
    assert str(raised.value.orig).startswith(message)


# --- the API ----------------------------------------------------------------------------------


api = FastAPI()


@api.post("/articles", status_code=201, response_model=ArticleBody)
async def create_article(body: ArticleBody, session: DbSession) -> Article:
    article = Article(status=body.status)
    session.add(article)
    await session.commit()
    return article


async def test_a_route_stores_the_value_and_answers_with_it(
    db: tuple[AsyncEngine, async_sessionmaker[AsyncSession]],
) -> None:
    engine, sessions = db
    api.state.session_factory = sessions
    transport = ASGITransport(app=api)
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        for member in Status:
            created = await client.post("/articles", json={"status": member.value})
            assert (created.status_code, created.json()) == (
                201,
                {"status": member.value},
            )
        for refused in ["PUBLISHED", "archived", 1, None]:
            response = await client.post("/articles", json={"status": refused})
            assert response.status_code == 422
            assert response.json()["detail"][0]["msg"] == (
                "Input should be 'draft' or 'published'"
            )
        missing = await client.post("/articles", json={})
        assert missing.status_code == 422
    assert await stored(engine) == ["draft", "published"]


def test_the_openapi_schema_lists_the_values() -> None:
    schema = api.openapi()["components"]["schemas"]["Status"]
    assert schema["enum"] == ["draft", "published"]
