# --8<-- [start:whole_file]
"""Declarative base, timestamp mixin and the domain: users, posts, tags, comments."""

# --8<-- [start:base]
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    MappedAsDataclass,
    WriteOnlyMapped,
    mapped_column,
    relationship,
)
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic can later drop or alter what it created.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class AwareDateTime(TypeDecorator[datetime]):
    """TIMESTAMP WITH TIME ZONE that returns aware datetimes on every backend.

    PostgreSQL stores the instant; SQLite stores text without an offset, so values are
    written in UTC and read back as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(
                f"naive datetime {value!r}: pass an aware one, e.g. datetime.now(UTC)"
            )
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


# eq=False: objects compare by identity, as rows in a session do. A generated __eq__
# would compare every field (relationships too, so lazy="raise_on_sql" raises inside
# `post in user.posts` and collection.remove()), and would make every model unhashable.
class Base(AsyncAttrs, MappedAsDataclass, DeclarativeBase, kw_only=True, eq=False):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: AwareDateTime()}


# --8<-- [end:base]


# --8<-- [start:timestamps]
# A dataclass mixin takes its own dataclass options: without eq=False here, every
# model that uses it would get a generated __eq__ again.
class TimestampMixin(MappedAsDataclass, eq=False):
    # init=False: the database fills these in, so they are not constructor arguments.
    created_at: Mapped[datetime] = mapped_column(init=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        init=False, server_default=func.now(), onupdate=func.now()
    )
    # Read both back with RETURNING in the same INSERT/UPDATE a flush sends; otherwise
    # updated_at is expired after it and reading it would need a lazy load
    # (MissingGreenlet). A bulk update() statement expires it too, unless it returns
    # the row (.returning(User), as the reference app's PATCH); else refresh() after.
    # A model that sets its own __mapper_args__ must repeat this key.
    __mapper_args__ = {"eager_defaults": True}


# --8<-- [end:timestamps]


# --8<-- [start:domain]
post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)


class User(TimestampMixin, Base):
    __tablename__ = "users"
    # Keyset pagination orders by (name, id): this index serves each page directly.
    __table_args__ = (Index("ix_users_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # lazy="raise_on_sql": an unloaded relationship raises a clear error naming the
    # attribute, instead of attempting I/O that async code cannot do implicitly.
    # Posts live and die with their author: loaded ones are deleted by the ORM, unloaded
    # ones by the database's ON DELETE CASCADE (passive_deletes: no SELECT for them).
    # repr=False: the dataclass repr would read relationships, which may not be loaded.
    # order_by: a collection comes back in the same order on every backend.
    posts: Mapped[list[Post]] = relationship(
        back_populates="author",
        default_factory=list,
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        passive_deletes=True,
        repr=False,
        order_by="Post.id",
    )
    # A user's comments can be many: write_only never loads them all, it only adds and
    # queries (see the loading chapter).
    comments: WriteOnlyMapped[Comment] = relationship(
        back_populates="author", init=False, passive_deletes=True, repr=False
    )


class Post(TimestampMixin, Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), init=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[User] = relationship(
        back_populates="posts", lazy="raise_on_sql", repr=False
    )
    body: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)
    # passive_deletes: deleting a post leaves its post_tags rows to ON DELETE CASCADE.
    tags: Mapped[list[Tag]] = relationship(
        secondary=post_tags,
        back_populates="posts",
        default_factory=list,
        lazy="raise_on_sql",
        passive_deletes=True,
        repr=False,
        order_by="Tag.id",
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post",
        default_factory=list,
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        passive_deletes=True,
        repr=False,
        order_by="Comment.id",
    )
    reactions: Mapped[list[Reaction]] = relationship(
        back_populates="post",
        default_factory=list,
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        passive_deletes=True,
        repr=False,
        order_by="Reaction.user_id",
    )


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    posts: Mapped[list[Post]] = relationship(
        secondary=post_tags,
        back_populates="tags",
        default_factory=list,
        lazy="raise_on_sql",
        repr=False,
        order_by="Post.id",
    )


class Comment(TimestampMixin, Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), init=False, index=True
    )
    author_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), init=False, index=True
    )
    body: Mapped[str] = mapped_column(Text)
    post: Mapped[Post] = relationship(
        back_populates="comments", lazy="raise_on_sql", repr=False
    )
    author: Mapped[User] = relationship(
        back_populates="comments", lazy="raise_on_sql", repr=False
    )


# --8<-- [end:domain]


# --8<-- [start:more_domain]
class Reaction(Base):
    """An association object: who reacted to which post, and how."""

    __tablename__ = "reactions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, init=False
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, init=False
    )
    kind: Mapped[str] = mapped_column(String(20))
    user: Mapped[User] = relationship(lazy="raise_on_sql", repr=False)
    post: Mapped[Post] = relationship(
        back_populates="reactions", lazy="raise_on_sql", repr=False
    )


class Category(Base):
    """A tree: each category may have a parent category."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    name: Mapped[str] = mapped_column(String(50))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), init=False, index=True
    )
    parent: Mapped[Category | None] = relationship(
        back_populates="children",
        remote_side="Category.id",
        default=None,
        lazy="raise_on_sql",
        repr=False,
    )
    children: Mapped[list[Category]] = relationship(
        back_populates="parent",
        default_factory=list,
        lazy="raise_on_sql",
        cascade="all, delete-orphan",
        passive_deletes=True,
        repr=False,
        order_by="Category.id",
    )


# --8<-- [end:more_domain]
# --8<-- [end:whole_file]
