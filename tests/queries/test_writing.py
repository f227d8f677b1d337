"""Claims on docs/queries/writing.md that the examples do not show by themselves."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.models import User
from snippets.sample import sample_db
from snippets.settings import Settings

COUNT = select(func.count()).select_from(User)


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(("statement_first", "after_rollback"), [(True, 3), (False, 4)])
async def test_copy_joins_the_transaction_only_after_a_first_statement(
    settings: Settings, statement_first: bool, after_rollback: int
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        if statement_first:
            await session.execute(text("SELECT 1"))
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(
            "users", records=[("copy@example.com", "Copied")], columns=["email", "name"]
        )
        await session.rollback()
        assert await session.scalar(COUNT) == after_rollback


async def test_on_conflict_do_update_does_not_fire_onupdate(
    settings: Settings, backend: str
) -> None:
    insert = {"sqlite": sqlite.insert, "postgres": postgresql.insert}[backend]
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    async with sample_db() as (_, sessions), sessions() as session:
        ada = await session.get(User, 1)
        assert ada is not None
        ada.updated_at = long_ago
        await session.commit()
        statement = insert(User).values(email="ada@example.com", name="Ada K.")
        statement = statement.on_conflict_do_update(
            index_elements=[User.email], set_={"name": statement.excluded.name}
        )
        await session.execute(statement)
        await session.commit()
        session.expunge_all()
        row = (
            await session.execute(
                select(User.name, User.updated_at).where(User.id == 1)
            )
        ).one()
    assert row == ("Ada K.", long_ago)


async def test_a_savepoint_that_opens_the_transaction_commits_on_sqlite(
    settings: Settings, backend: str
) -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        async with session.begin_nested():
            session.add(User(email="alan@example.com", name="Alan Turing"))
        await session.rollback()
        kept = await session.scalar(COUNT)
    # SQLite's driver begins its transaction late: RELEASE SAVEPOINT then commits.
    assert kept == {"sqlite": 4, "postgres": 3}[backend]


async def test_a_bulk_update_expires_updated_at_on_loaded_objects(
    settings: Settings,
) -> None:
    from sqlalchemy import update
    from sqlalchemy.exc import MissingGreenlet, StatementError

    from snippets.models import Post

    async with sample_db() as (_, sessions), sessions() as session:
        post = await session.get(Post, 1)
        assert post is not None
        await session.execute(update(Post).where(Post.id == 1).values(title="New"))
        assert post.title == "New"  # synchronized
        with pytest.raises((MissingGreenlet, StatementError)):
            _ = post.updated_at  # expired: computed by the database
        await session.refresh(post, ["updated_at"])
        assert post.updated_at.tzinfo is not None


class _Base(DeclarativeBase):
    pass


class _Person(_Base):
    """An attribute named differently from its column, which tells ORM from Core."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column("name")


async def test_insert_of_an_entity_with_rows_is_an_orm_bulk_insert(
    settings: Settings, backend: str
) -> None:
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError, StatementError

    from snippets.models import Post

    async with sample_db() as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(_Base.metadata.create_all)
        # ORM: keys are attribute names; column defaults fill the rest.
        await session.execute(insert(_Person), [{"display_name": "Ada"}])
        await session.execute(insert(Post), [{"author_id": 3, "title": "Hello"}])
        await session.commit()
        assert await session.scalar(select(_Person.display_name)) == "Ada"
        hello = (
            await session.execute(
                select(Post.body, Post.published).where(Post.title == "Hello")
            )
        ).one()
        assert tuple(hello) == ("", False)
        # Core, on the table: the attribute name matches no column, so name stays NULL.
        with pytest.raises(IntegrityError):
            await session.execute(insert(_Person.__table__), [{"display_name": "Bo"}])
        await session.rollback()
        # Column defaults are the table's, so Core fills them too.
        await session.execute(
            insert(Post.__table__), [{"author_id": 3, "title": "Core"}]
        )
        core = select(Post.body).where(Post.title == "Core")
        assert await session.scalar(core) == ""
        # Rows with different keys: the ORM fills each row; Core's executemany does not.
        mixed = [
            {"author_id": 3, "title": "a", "body": "x"},
            {"author_id": 3, "title": "b"},
        ]
        await session.execute(insert(Post), mixed)
        expected = "A value is required for bind parameter 'body', in parameter group 1"
        with pytest.raises(StatementError, match=re.escape(expected)):
            await session.execute(insert(Post.__table__), mixed)


async def test_sort_by_parameter_order_returns_rows_in_the_order_sent(
    settings: Settings, backend: str
) -> None:
    from sqlalchemy import insert

    rows = [
        {"email": f"user{n}@example.com", "name": f"User {n}"}
        for n in reversed(range(2500))
    ]
    statement = insert(User).returning(User.email, sort_by_parameter_order=True)
    async with sample_db() as (_, sessions), sessions() as session:
        emails = (await session.scalars(statement, rows)).all()
    assert emails == [row["email"] for row in rows]
