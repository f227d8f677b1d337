"""The models of the Upserts page and its two helpers: `insert_for`, the dialect's
`insert`, and `last_per_key`, which deduplicates the rows of one upsert.

The models have a base of their own (tables `members` and `subscribers`), apart from
the guide's models and sample rows: a program creates them on the database of
`sample_db(rows=False)`.
"""

# --8<-- [start:models]
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The page's own tables, apart from the guide's sample data."""


class Member(Base):
    """A member of a tenant: an email is unique within a tenant, not across tenants."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email", name="members_tenant_email_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int]
    email: Mapped[str]
    name: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)


class Subscriber(Base):
    """A subscriber, deleted softly: an email is unique among the rows not deleted."""

    __tablename__ = "subscribers"
    __table_args__ = (
        Index(
            "subscribers_live_email_key",
            "email",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]
    name: Mapped[str]
    deleted_at: Mapped[datetime | None]


# --8<-- [end:models]


# --8<-- [start:insert_for]
def insert_for(
    dialect: str, model: type[DeclarativeBase]
) -> postgresql.Insert | sqlite.Insert:
    """The `insert` of the dialect named (`engine.dialect.name`): only theirs has
    `on_conflict_do_update` and `excluded`."""
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise ValueError(f"no ON CONFLICT insert for the {dialect!r} dialect")


# --8<-- [end:insert_for]


# --8<-- [start:last_per_key]
def last_per_key(
    rows: Iterable[Mapping[str, Any]], *key: str
) -> Sequence[Mapping[str, Any]]:
    """One row per key, the last one given, in the order each key first appeared: an
    upsert may change a row only once."""
    latest: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        latest[tuple(row[column] for column in key)] = row
    return list(latest.values())


# --8<-- [end:last_per_key]
