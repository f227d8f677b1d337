import asyncio

from sqlalchemy import String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String))  # the column is role[]


async def add_reader(session: AsyncSession) -> None:
    session.add(Account(roles=["reader"]))
    try:
        await session.commit()
    except DBAPIError as exc:
        error = getattr(exc.orig, "__cause__", None)  # asyncpg's own
        print(f"{type(error).__name__}: {error}")
        """
        DatatypeMismatchError: column "roles" is of type role[] but expression is of type character varying[]
        HINT:  You will need to rewrite or cast the expression.
        """


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:  # as a migration made it
            role = "CREATE TYPE role AS ENUM ('reader', 'editor')"
            table = "CREATE TABLE accounts (id serial PRIMARY KEY, roles role[])"
            await connection.execute(text(role))
            await connection.execute(text(table))
        async with sessions() as session:
            await add_reader(session)


asyncio.run(main())
