"""The models of the Enums page: `Status` and `Role`, enums whose values are not their
names; the columns that store the values (`Article`, `CheckedArticle`, `Account`); the
default mapping, which stores the names (`NamedArticle`); the request and response model
`ArticleBody`.

They have their own bases and tables (`articles`, `accounts`), apart from the guide's
models and sample rows. `Article`, `NamedArticle` and `CheckedArticle` map one
`articles` table three ways, each on a base of its own: a program creates one of them.
`Account` (an array) is PostgreSQL-only.
"""

# --8<-- [start:status]
import enum

from alembic.migration import MigrationContext
from alembic.operations import Operations
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Enum
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Status(enum.Enum):
    """An article's status: in Python a member, in JSON and SQL its value."""

    DRAFT = "draft"
    PUBLISHED = "published"


# --8<-- [end:status]


# --8<-- [start:names]
class NamesBase(DeclarativeBase):
    """Tables mapped the default way."""


class NamedArticle(NamesBase):
    """The default mapping: the column stores the members' names, `'DRAFT'`."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status]  # the same as mapped_column(Enum(Status))


# --8<-- [end:names]


# --8<-- [start:values]
def values(members: type[enum.Enum]) -> list[str]:
    """The strings to store for an enum class: its members' values, in order."""
    return [member.value for member in members]


class Base(DeclarativeBase):
    """The page's own tables, apart from the guide's sample data."""


class Article(Base):
    """An article whose status column stores the values, `'draft'`."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(Enum(Status, values_callable=values))


# --8<-- [end:values]


# --8<-- [start:checked]
class CheckedBase(DeclarativeBase):
    """Tables whose enums are a VARCHAR with a CHECK constraint."""


class CheckedArticle(CheckedBase):
    """An article whose status is a `VARCHAR(9)` with a CHECK constraint, `status`."""

    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(
        Enum(Status, values_callable=values, native_enum=False, create_constraint=True)
    )


def allow_archived(connection: Connection) -> None:  # a migration's upgrade()
    """Replace the `status` constraint with one that also allows `'archived'`."""
    op = Operations(MigrationContext.configure(connection))  # Alembic's op
    with op.batch_alter_table("articles") as batch:  # SQLite: copies the table
        batch.drop_constraint("status", type_="check")
        allowed = "status IN ('draft', 'published', 'archived')"
        batch.create_check_constraint("status", allowed)


# --8<-- [end:checked]


# --8<-- [start:roles]
class Role(enum.Enum):
    """An account's role."""

    READER = "reader"
    EDITOR = "editor"


class ArrayBase(DeclarativeBase):
    """Tables with arrays, which only PostgreSQL can create."""


class Account(ArrayBase):
    """An account with a list of roles: a PostgreSQL `role[]` column."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    roles: Mapped[list[Role]] = mapped_column(ARRAY(Enum(Role, values_callable=values)))


# --8<-- [end:roles]


# --8<-- [start:api]
class ArticleBody(BaseModel):
    """An article in a request or a response: its status is the value in JSON."""

    model_config = ConfigDict(from_attributes=True)  # also made from an Article
    status: Status


# --8<-- [end:api]
