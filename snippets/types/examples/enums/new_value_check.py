import asyncio
import enum

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Enum, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


def values(members: type[enum.Enum]) -> list[str]:
    return [member.value for member in members]


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(
        Enum(Status, values_callable=values, native_enum=False, create_constraint=True)
    )


def allow_archived(connection: Connection) -> None:  # a migration's upgrade()
    op = Operations(MigrationContext.configure(connection))  # Alembic's op
    with op.batch_alter_table("articles") as batch:  # SQLite: copies the table
        batch.drop_constraint("status", type_="check")
        allowed = "status IN ('draft', 'published', 'archived')"
        batch.create_check_constraint("status", allowed)


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        use = text("INSERT INTO articles (status) VALUES ('archived')")
        try:
            async with engine.begin() as connection:
                await connection.execute(use)
        except IntegrityError as exc:
            error = getattr(exc.orig, "__cause__", None) or exc.orig
            print(f"{type(error).__name__}: {error}")
        async with engine.begin() as connection:  # one transaction
            await connection.run_sync(allow_archived)
            await connection.execute(use)  # the new value is usable at once
            statuses = await connection.scalars(text("SELECT status FROM articles"))
            print(statuses.all())


asyncio.run(main())
