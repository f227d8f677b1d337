import asyncio
import uuid

from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=func.gen_random_uuid()
    )
    name: Mapped[str]


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        ada = Account(name="Ada")
        session.add(ada)
        try:
            with log_sql(engine) as sql:
                await session.flush()
        except OperationalError as exc:  # SQLite has no such function
            print(f"{type(exc.orig).__name__}: {exc.orig}")
            return
        print(*sql)
        print("after the flush: version", ada.id.version, "in", len(sql), "statement")


asyncio.run(main())
