"""The models of the Computed attributes page: a post whose comment count is computed
in SQL, with a visibility hybrid, and a person's full name as a plain property and as a
hybrid.

They have their own `Base` and their own tables (`blog_posts`, `blog_comments`,
`people`, `plain_people`), apart from the guide's models and sample rows.
"""

# --8<-- [start:count]
from sqlalchemy import ColumnElement, ForeignKey, String, and_, func, not_, select
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    column_property,
    mapped_column,
    query_expression,
    relationship,
)


class Base(DeclarativeBase):
    """The page's own tables, apart from the guide's sample data."""


class Comment(Base):
    """A comment on a `Post`."""

    __tablename__ = "blog_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id"))


class Post(Base):
    """A post with its comment count, computed in SQL when the post is loaded, and
    `is_visible`, a hybrid property with a SQL expression of its own."""

    __tablename__ = "blog_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    published: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    comments: Mapped[list[Comment]] = relationship()
    comment_count: Mapped[int] = column_property(
        select(func.count(Comment.id))
        .where(Comment.post_id == id)
        .correlate_except(Comment)
        .scalar_subquery()
    )
    # --8<-- [end:count]
    # --8<-- [start:on_request]
    # class Post(Base), continued (`id` is the post's id column):
    # Not in a plain SELECT; reading it unloaded raises instead of querying.
    deferred_count: Mapped[int] = column_property(
        select(func.count(Comment.id))
        .where(Comment.post_id == id)
        .correlate_except(Comment)
        .scalar_subquery(),
        deferred=True,
        raiseload=True,
    )
    # --8<-- [end:on_request]
    # --8<-- [start:query_expression]
    # class Post(Base), continued:
    # Empty unless a query fills it in with with_expression().
    query_count: Mapped[int | None] = query_expression()

    # --8<-- [end:query_expression]
    # --8<-- [start:visible]
    # class Post(Base), continued:
    @hybrid_property
    def is_visible(self) -> bool:  # on an object
        """Published and not hidden: in Python on a post, in SQL in a query."""
        return self.published and not self.hidden

    @is_visible.inplace.expression
    @classmethod
    def _is_visible_sql(cls) -> ColumnElement[bool]:  # in a query
        return and_(cls.published, not_(cls.hidden))

    # --8<-- [end:visible]


# --8<-- [start:plain_property]
class PlainPerson(Base):
    """The wrong way: `full_name` as a plain `@property`, for objects only."""

    __tablename__ = "plain_people"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))

    @property
    def full_name(self) -> str:
        """First and last name, in Python only."""
        return self.first_name + " " + self.last_name


# --8<-- [end:plain_property]
# --8<-- [start:person]
class Person(Base):
    """A name in two columns, and the full name as one hybrid property."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))

    # On an object: Python strings. On the class: SQL columns, so the same
    # body builds a SQL expression.
    @hybrid_property
    def full_name(self) -> str:
        """First and last name: a string on an object, SQL on the class."""
        return self.first_name + " " + self.last_name


# --8<-- [end:person]
