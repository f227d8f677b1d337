"""Claims on docs/queries/global-filters.md: what the soft-delete hook reaches, measured."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import (
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import (
    IntegrityError,
    InvalidRequestError,
    MissingGreenlet,
    StatementError,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    aliased,
    defer,
    joinedload,
    selectinload,
    sessionmaker,
    subqueryload,
    with_loader_criteria,
)

from snippets.database import create_session_factory, driver_error
from snippets.queries.global_filters import (
    Author,
    Book,
    SoftDeleteMixin,
    SoftDeleteSession,
    Subscriber,
    create_tables,
    hide_deleted,
    soft_delete_sessions,
)
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql

OPT_OUT = {"include_deleted": True}
BOOKS = cast(Table, Book.__table__)  # Core: the table, not the mapped class


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The page's tables on the test's backend: Ada, "Notes" (id 1) and a deleted
    "Old draft" (id 2)."""
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)
        yield engine


def sessions_with(
    engine: AsyncEngine, hook: Callable[[ORMExecuteState], None]
) -> async_sessionmaker[AsyncSession]:
    """A factory whose sessions run only this hook (a fresh Session subclass)."""
    cls = type("HookedSession", (Session,), {})
    event.listen(cls, "do_orm_execute", hook)
    return async_sessionmaker(engine, sync_session_class=cls, expire_on_commit=False)


async def titles(session: AsyncSession, **options: Any) -> list[str]:
    query = select(Book.title).order_by(Book.id).execution_options(**options)
    return list((await session.scalars(query)).all())


async def test_the_hook_filters_queries_and_the_opt_out_skips_it(
    db: AsyncEngine,
) -> None:
    async with soft_delete_sessions(db)() as session:
        assert type(session.sync_session) is SoftDeleteSession
        assert await titles(session) == ["Notes"]
        assert await titles(session, include_deleted=True) == ["Notes", "Old draft"]
        assert await titles(session, include_deleted=False) == ["Notes"]


async def test_the_hook_reaches_only_the_sessions_of_its_factory(
    db: AsyncEngine,
) -> None:
    async with create_session_factory(db)() as session:
        assert await titles(session) == ["Notes", "Old draft"]


def test_listening_on_the_async_factory_class_is_refused() -> None:
    factory = async_sessionmaker()
    assert factory.class_ is AsyncSession
    with pytest.raises(InvalidRequestError, match="No such event 'do_orm_execute'"):
        event.listen(factory.class_, "do_orm_execute", hide_deleted)


def test_a_sync_sessionmaker_listens_on_a_subclass_of_its_own() -> None:
    factory = sessionmaker(create_engine("sqlite://"))
    assert factory.class_ is not Session
    assert issubclass(factory.class_, Session)
    calls: list[ORMExecuteState] = []
    event.listen(factory, "do_orm_execute", calls.append)
    with factory() as session:
        session.execute(text("SELECT 1"))
    with Session(create_engine("sqlite://")) as session:
        session.execute(text("SELECT 1"))
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("target", "include_aliases", "plain", "alias"),
    [
        (SoftDeleteMixin, True, ["Notes"], ["Notes"]),
        # On a mixin, which no statement selects, the criteria then applies to nothing.
        (SoftDeleteMixin, False, ["Notes", "Old draft"], ["Notes", "Old draft"]),
        (Book, True, ["Notes"], ["Notes"]),
        (Book, False, ["Notes"], ["Notes", "Old draft"]),
    ],
)
async def test_include_aliases_on_a_mixin_and_on_a_mapped_class(
    db: AsyncEngine,
    target: type[Any],
    include_aliases: bool,
    plain: list[str],
    alias: list[str],
) -> None:
    def hook(state: ORMExecuteState) -> None:
        state.statement = state.statement.options(
            with_loader_criteria(
                target,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=include_aliases,
            )
        )

    aliased_book = aliased(Book)
    async with sessions_with(db, hook)() as session:
        assert await titles(session) == plain
        found = await session.scalars(
            select(aliased_book.title).order_by(aliased_book.id)
        )
        assert found.all() == alias


async def test_the_flags_each_operation_sets(db: AsyncEngine) -> None:
    seen: list[tuple[str, ...]] = []
    flags = ("is_select", "is_update", "is_delete", "is_relationship_load")

    def record(state: ORMExecuteState) -> None:
        seen.append(tuple(f for f in (*flags, "is_column_load") if getattr(state, f)))

    sessions = sessions_with(db, record)
    async with sessions() as session:
        book = await session.get(Book, 2)
        assert book is not None
        assert await session.get(Book, 2) is book  # the identity map: no statement
        await session.refresh(book)
        author = await session.scalar(select(Author))
        assert author is not None
        await author.awaitable_attrs.books
        await session.execute(update(Book).values(title="x"))
        await session.execute(delete(Book).where(Book.id == 0))
        await session.execute(BOOKS.delete().where(Book.id == 0))  # Core
    assert seen == [
        ("is_select",),
        ("is_select", "is_column_load"),
        ("is_select",),
        ("is_select", "is_relationship_load"),
        ("is_update",),
        ("is_delete",),
        ("is_delete",),
    ]


async def test_a_core_table_statement_runs_the_hook_but_gets_no_criteria(
    db: AsyncEngine,
) -> None:
    async with soft_delete_sessions(db)() as session:
        with log_sql(db) as sql:
            await session.execute(BOOKS.update().values(title="x"))
        assert "deleted_at" not in sql[0]
        assert await titles(session, include_deleted=True) == ["x", "x"]


def criteria(state: ORMExecuteState) -> None:
    """The page's criteria, column loads included."""
    state.statement = state.statement.options(
        with_loader_criteria(
            SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None), include_aliases=True
        )
    )


async def test_a_refresh_is_never_filtered_even_by_a_hook_that_adds_the_criteria(
    db: AsyncEngine,
) -> None:
    async with soft_delete_sessions(db)() as session:
        draft = await session.get(Book, 2, execution_options=OPT_OUT)
        assert draft is not None
        await session.refresh(draft)  # the page's hook leaves column loads alone
        assert draft.deleted_at is not None

    def filter_all_but_opt_out(state: ORMExecuteState) -> None:
        if not state.execution_options.get("include_deleted", False):
            criteria(state)

    async with sessions_with(db, filter_all_but_opt_out)() as session:
        draft = await session.get(Book, 2, execution_options=OPT_OUT)
        assert draft is not None
        with log_sql(db) as sql:
            await session.refresh(draft)
        assert draft.title == "Old draft"
        assert "deleted_at IS NULL" not in sql[0]


async def test_skipping_relationship_loads_still_filters_a_filtered_parent(
    db: AsyncEngine,
) -> None:
    def queries_only(state: ORMExecuteState) -> None:
        if not state.is_relationship_load:
            hide_deleted(state)

    async with sessions_with(db, queries_only)() as session:
        ada = await session.scalar(select(Author))  # filtered: criteria propagated
        assert ada is not None
        with log_sql(db) as sql:
            books = await ada.awaitable_attrs.books
        assert [book.title for book in books] == ["Notes"]
        assert sql[0].count("deleted_at IS NULL") == 1
    async with sessions_with(db, queries_only)() as session:
        ada = await session.scalar(select(Author).execution_options(**OPT_OUT))
        assert ada is not None
        books = await ada.awaitable_attrs.books
        assert sorted(book.title for book in books) == ["Notes", "Old draft"]


async def test_joinedload_keeps_an_author_whose_books_are_all_deleted(
    db: AsyncEngine,
) -> None:
    async with soft_delete_sessions(db)() as session:
        await session.execute(update(Book).values(deleted_at=func.now()))
        await session.commit()
    async with soft_delete_sessions(db)() as session:
        query = select(Author).options(joinedload(Author.books))
        ada = (await session.scalars(query)).unique().one()
        assert ada.books == []


async def test_a_hook_that_checks_only_is_select_leaves_bulk_statements_alone(
    db: AsyncEngine,
) -> None:
    def selects_only(state: ORMExecuteState) -> None:
        if state.is_select:
            hide_deleted(state)

    async with sessions_with(db, selects_only)() as session:
        with log_sql(db) as sql:
            await session.execute(update(Book).values(title="x"))
        assert "deleted_at" not in sql[0]
        assert await titles(session) == ["x"]  # the SELECT is filtered
        assert await titles(session, include_deleted=True) == ["x", "x"]


async def test_a_soft_delete_keeps_the_first_deleted_at(db: AsyncEngine) -> None:
    async with soft_delete_sessions(db)() as session:
        draft = await session.get(Book, 2, execution_options=OPT_OUT)
        assert draft is not None
        first = draft.deleted_at
        result = await session.execute(
            update(Book).where(Book.id == 2).values(deleted_at=func.now())
        )
        assert result.rowcount == 0  # type: ignore[attr-defined]
        await session.refresh(draft)
        assert draft.deleted_at == first


async def test_a_plain_unique_column_refuses_the_returning_email(
    db: AsyncEngine, backend: str
) -> None:
    async with soft_delete_sessions(db)() as session:
        session.add(Subscriber(email="ada@example.com"))
        await session.commit()
        await session.execute(update(Subscriber).values(deleted_at=func.now()))
        session.add(Subscriber(email="ada@example.com"))
        with pytest.raises(IntegrityError) as caught:
            await session.commit()
    message = str(driver_error(caught.value))
    if backend == "sqlite":
        assert message == "UNIQUE constraint failed: sd_subscribers.email"
    else:
        assert message.splitlines() == [
            'duplicate key value violates unique constraint "sd_subscribers_email_key"',
            "DETAIL:  Key (email)=(ada@example.com) already exists.",
        ]


async def test_the_partial_index_is_created_with_its_where_on_both_backends(
    db: AsyncEngine, backend: str
) -> None:
    async with db.connect() as connection:
        if backend == "sqlite":
            query = (
                "SELECT sql FROM sqlite_master WHERE name = 'uq_sd_authors_email_live'"
            )
        else:
            query = (
                "SELECT indexdef FROM pg_indexes "
                "WHERE indexname = 'uq_sd_authors_email_live'"
            )
        ddl = await connection.scalar(text(query))
    assert ddl is not None
    assert "UNIQUE INDEX" in ddl
    assert "deleted_at IS NULL" in ddl
    async with soft_delete_sessions(db)() as session:
        await session.execute(update(Author).values(deleted_at=func.now()))
        session.add(Author(email="ada@example.com"))
        await session.commit()
        session.add(Author(email="ada@example.com"))
        with pytest.raises(IntegrityError):
            await session.commit()


async def test_a_fresh_get_of_a_deleted_row_is_filtered_sql(db: AsyncEngine) -> None:
    async with soft_delete_sessions(db)() as session:
        with log_sql(db) as sql:
            assert await session.get(Book, 2) is None
        assert sql[0].endswith(
            "WHERE sd_books.id = ? AND sd_books.deleted_at IS NULL"
        ) or (
            sql[0].endswith(
                "WHERE sd_books.id = $1::INTEGER AND sd_books.deleted_at IS NULL"
            )
        )


async def test_an_insert_runs_the_hook_and_is_left_as_it_is(db: AsyncEngine) -> None:
    async with soft_delete_sessions(db)() as session:
        with log_sql(db) as sql:
            await session.execute(insert(Book).values(title="New", author_id=1))
        assert "deleted_at IS NULL" not in sql[0]
        assert await titles(session) == ["Notes", "New"]


async def test_selectinload_gets_the_criteria_twice_only_when_the_hook_runs_for_it(
    db: AsyncEngine,
) -> None:
    def queries_only(state: ORMExecuteState) -> None:
        if not state.is_relationship_load:
            hide_deleted(state)

    query = select(Author).options(selectinload(Author.books))
    for sessions, times in [
        (soft_delete_sessions(db), 2),
        (sessions_with(db, queries_only), 1),
    ]:
        async with sessions() as session:
            with log_sql(db) as sql:
                ada = await session.scalar(query)
            assert ada is not None
            assert [book.title for book in ada.books] == ["Notes"]
            assert sql[1].count("sd_books.deleted_at IS NULL") == times


@pytest.mark.parametrize("loader", [selectinload, joinedload, subqueryload])
async def test_an_opt_out_reaches_the_eager_loaders_of_its_query_not_a_lazy_load(
    db: AsyncEngine, loader: Callable[..., Any]
) -> None:
    async with soft_delete_sessions(db)() as session:
        query = (
            select(Author).options(loader(Author.books)).execution_options(**OPT_OUT)
        )
        with log_sql(db) as sql:
            ada = (await session.scalars(query)).unique().one()
        assert sorted(book.title for book in ada.books) == ["Notes", "Old draft"]
        assert [statement.count("deleted_at IS NULL") for statement in sql] == [
            0
        ] * len(sql)
    async with soft_delete_sessions(db)() as session:
        ada = (await session.scalars(select(Author).execution_options(**OPT_OUT))).one()
        with log_sql(db) as sql:
            books = await ada.awaitable_attrs.books  # a later lazy load
        assert [book.title for book in books] == ["Notes"]
        assert sql[0].count("deleted_at IS NULL") == 1


GREENLET = (
    "greenlet_spawn has not been called; can't call await_() here. "
    "Was IO attempted in an unexpected place?"
)


@pytest.mark.needs("sqlalchemy>=2.1")
async def test_a_bulk_soft_delete_expires_deleted_at_and_a_plain_read_fails(
    db: AsyncEngine, backend: str
) -> None:
    async with soft_delete_sessions(db)() as session:
        notes = await session.get(Book, 1)
        assert notes is not None
        await session.execute(
            update(Book).where(Book.id == 1).values(deleted_at=func.now())
        )
        assert "deleted_at" not in notes.__dict__  # expired: func.now() is SQL
        with pytest.raises((MissingGreenlet, StatementError)) as caught:
            _ = notes.deleted_at
        if backend == "sqlite":  # wrapped by the statement it was running
            assert type(caught.value) is StatementError
            assert isinstance(caught.value.orig, MissingGreenlet)
            expected = f"(sqlalchemy.exc.MissingGreenlet) {GREENLET}"
        else:  # raised as it is
            assert type(caught.value) is MissingGreenlet
            expected = GREENLET
        assert str(caught.value).startswith(expected)
        assert await notes.awaitable_attrs.deleted_at is not None
    async with soft_delete_sessions(db)() as session:
        notes = await session.get(Book, 1, execution_options=OPT_OUT)
        assert notes is not None
        await session.execute(
            update(Book).where(Book.id == 1).values(deleted_at=None),
            execution_options=OPT_OUT,
        )
        assert notes.deleted_at is None  # a Python value: set on the object
        await session.execute(
            update(Book).where(Book.id == 1).values(deleted_at=func.now())
        )
        await session.refresh(notes)
        assert notes.deleted_at is not None


async def test_is_column_load_is_true_for_expired_and_deferred_attribute_loads(
    db: AsyncEngine,
) -> None:
    seen: list[bool] = []

    def record(state: ORMExecuteState) -> None:
        seen.append(state.is_column_load)

    async with sessions_with(db, record)() as session:
        book = await session.scalar(select(Book).options(defer(Book.title)))
        assert book is not None
        assert await book.awaitable_attrs.title == "Notes"  # a deferred attribute
        session.expire(book, ["author_id"])
        assert await book.awaitable_attrs.author_id == 1  # an expired attribute
    assert seen == [False, True, True]


def cutoff_criteria(cutoff: datetime) -> Any:
    """Live rows, or rows deleted after the cutoff: a value from a closure variable."""
    return with_loader_criteria(
        SoftDeleteMixin,
        lambda cls: or_(cls.deleted_at.is_(None), cls.deleted_at > cutoff),
        include_aliases=True,
    )


async def test_a_closure_variable_is_a_bound_parameter_on_every_run(
    db: AsyncEngine,
) -> None:
    cutoffs = [datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)]

    def hook(state: ORMExecuteState) -> None:
        state.statement = state.statement.options(cutoff_criteria(cutoffs[0]))

    async with sessions_with(db, hook)() as session:
        assert await titles(session) == ["Notes", "Old draft"]  # deleted in 2026
        cutoffs.pop(0)
        with log_sql(db) as sql:
            assert await titles(session) == ["Notes"]  # the same cached statement
        assert "2027" not in sql[0]  # a bound parameter, not a literal


async def test_calling_python_inside_the_lambda_is_refused(db: AsyncEngine) -> None:
    def hook(state: ORMExecuteState) -> None:
        state.statement = state.statement.options(
            with_loader_criteria(
                SoftDeleteMixin,
                lambda cls: or_(
                    cls.deleted_at.is_(None), cls.deleted_at > datetime.now()
                ),
                include_aliases=True,
            )
        )

    def hook_with_argument(state: ORMExecuteState) -> None:
        state.statement = state.statement.options(
            with_loader_criteria(
                SoftDeleteMixin,
                lambda cls: or_(
                    cls.deleted_at.is_(None), cls.deleted_at > datetime.now(UTC)
                ),
                include_aliases=True,
            )
        )

    async with sessions_with(db, hook)() as session:
        with pytest.raises(InvalidRequestError) as caught:
            await titles(session)
    assert str(caught.value).startswith(
        "Can't invoke Python callable now() inside of lambda expression argument at"
    )
    # With an argument, the call fails before that check, on a tracking wrapper.
    async with sessions_with(db, hook_with_argument)() as session:
        with pytest.raises(TypeError, match="tzinfo argument must be None"):
            await titles(session)


async def test_func_now_inside_the_lambda_is_sql(db: AsyncEngine) -> None:
    def hook(state: ORMExecuteState) -> None:
        state.statement = state.statement.options(
            with_loader_criteria(
                SoftDeleteMixin,
                lambda cls: or_(cls.deleted_at.is_(None), cls.deleted_at > func.now()),
                include_aliases=True,
            )
        )

    async with sessions_with(db, hook)() as session:
        with log_sql(db) as sql:
            assert await titles(session) == ["Notes"]
        assert "CURRENT_TIMESTAMP" in sql[0] or "now()" in sql[0]


async def test_a_lazy_load_keeps_the_criteria_values_of_its_parent_query(
    db: AsyncEngine,
) -> None:
    cutoffs = [datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)]

    def queries_only(state: ORMExecuteState) -> None:
        if not state.is_relationship_load:
            state.statement = state.statement.options(cutoff_criteria(cutoffs[0]))

    async with sessions_with(db, queries_only)() as session:
        ada = await session.scalar(select(Author))  # loaded with the 2025 cutoff
        assert ada is not None
        cutoffs.pop(0)  # the cutoff moves on to 2027
        books = await ada.awaitable_attrs.books
        # "Old draft", deleted in 2026, is still after the parent's 2025 cutoff.
        assert sorted(book.title for book in books) == ["Notes", "Old draft"]
        assert await titles(session) == ["Notes"]  # a new query: 2027


async def test_a_live_book_of_a_deleted_author_has_no_author(db: AsyncEngine) -> None:
    async with soft_delete_sessions(db)() as session:
        await session.execute(update(Author).values(deleted_at=func.now()))
        await session.commit()
    async with soft_delete_sessions(db)() as session:
        notes = await session.get(Book, 1)
        assert notes is not None
        assert notes.author_id == 1
        with log_sql(db) as sql:
            assert await notes.awaitable_attrs.author is None
        assert "sd_authors.deleted_at IS NULL" in sql[0]
    async with soft_delete_sessions(db)() as session:
        inner = select(Book).options(joinedload(Book.author, innerjoin=True))
        assert (await session.scalars(inner)).all() == []
        outer = select(Book).options(joinedload(Book.author))
        books = (await session.scalars(outer)).all()
        assert [(book.title, book.author) for book in books] == [("Notes", None)]
