"""Soft delete: a deleted_at column, and a session hook that hides deleted rows."""

# --8<-- [start:models]
from datetime import UTC, datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, event, text
from sqlalchemy.ext.asyncio import (
    AsyncAttrs,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    relationship,
    with_loader_criteria,
)


class Base(AsyncAttrs, DeclarativeBase):
    """The page's own tables, apart from the sample data's."""


class SoftDeleteMixin:
    # NULL while the row is live; the time it was deleted otherwise.
    deleted_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class Author(SoftDeleteMixin, Base):
    __tablename__ = "sd_authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    books: Mapped[list["Book"]] = relationship(back_populates="author")
    __table_args__ = (
        # Unique among live rows only: a deleted author's email can be used again.
        Index(
            "uq_sd_authors_email_live",
            "email",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )


class Book(SoftDeleteMixin, Base):
    __tablename__ = "sd_books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("sd_authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")


# --8<-- [end:models]


# --8<-- [start:plain_unique]
class Subscriber(SoftDeleteMixin, Base):
    __tablename__ = "sd_subscribers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)  # deleted rows too


# --8<-- [end:plain_unique]


# --8<-- [start:hook]
class SoftDeleteSession(Session):
    """The synchronous session behind each AsyncSession: the hook listens here only."""


@event.listens_for(SoftDeleteSession, "do_orm_execute")
def hide_deleted(state: ORMExecuteState) -> None:
    if state.is_column_load:  # refreshing an object already loaded: leave it alone
        return
    if state.execution_options.get("include_deleted", False):  # the opt-out
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                SoftDeleteMixin,  # every mapped class that has the mixin
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,  # aliased(Book) too
            )
        )


def soft_delete_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        engine,
        sync_session_class=SoftDeleteSession,
        expire_on_commit=False,
        close_resets_only=False,
    )


# --8<-- [end:hook]


# --8<-- [start:setup]
async def create_tables(engine: AsyncEngine) -> None:
    """The page's tables, with one author, a live book and a deleted one."""
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with soft_delete_sessions(engine)() as session:
        ada = Author(email="ada@example.com")
        session.add_all(
            [
                Book(title="Notes", author=ada),
                Book(
                    title="Old draft",
                    author=ada,
                    deleted_at=datetime(2026, 1, 1, tzinfo=UTC),
                ),
            ]
        )
        await session.commit()


# --8<-- [end:setup]
