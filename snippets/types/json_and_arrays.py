"""The models of the JSON and arrays page: documents in JSON columns (plain, tracked
by `MutableDict`, and `JSONB` on PostgreSQL), nullable JSON columns that store `None`
two ways, tags as a JSON list, and tags as a PostgreSQL `ARRAY`.

They have their own bases and tables (`json_docs`, `json_items`, `json_notes`,
`json_articles`, `array_articles`), apart from the guide's models and sample rows.
"""

# --8<-- [start:json]
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The page's tables that both backends can create."""


class Item(Base):
    """A catalogue item whose `data` is `JSONB` on PostgreSQL and `JSON` elsewhere."""

    __tablename__ = "json_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    # The portable declaration: JSONB on PostgreSQL, JSON everywhere else.
    data: Mapped[dict[str, Any]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql")
    )


class Doc(Base):
    """A settings document: `data` is a plain `JSON` column, `tracked` the same JSON
    wrapped in `MutableDict`, which reports changes to its own keys."""

    __tablename__ = "json_docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # --8<-- [end:json]
    # --8<-- [start:tracked]
    # A JSON() of its own: as_mutable() tracks every column of that very instance.
    tracked: Mapped[dict[str, Any]] = mapped_column(
        MutableDict.as_mutable(JSON()), default=dict
    )
    # --8<-- [end:tracked]


# --8<-- [start:nulls]
class Note(Base):
    """Two nullable JSON columns that store `None` differently: `data` as JSON `null`
    (the default), `data_none_as_null` as SQL `NULL`."""

    __tablename__ = "json_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data_none_as_null: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True)
    )
    # --8<-- [end:nulls]


# --8<-- [start:json_list]
class TaggedArticle(Base):
    """SQLite's stand-in for `Article`: the tags as a JSON list."""

    __tablename__ = "json_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    tags: Mapped[list[str]] = mapped_column(JSON)
    # --8<-- [end:json_list]


# --8<-- [start:array]
class ArrayBase(DeclarativeBase):
    """The page's PostgreSQL-only tables: SQLite cannot create an `ARRAY` column."""


class Article(ArrayBase):
    """An article whose tags are a `VARCHAR[]`: `tags` a plain `ARRAY`, `labels` the
    same wrapped in `MutableList`, which reports `append` and the other list methods."""

    __tablename__ = "array_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    tags: Mapped[list[str]] = mapped_column(ARRAY(String), default=list)
    labels: Mapped[list[str]] = mapped_column(
        MutableList.as_mutable(ARRAY(String)), default=list
    )
    # --8<-- [end:array]
