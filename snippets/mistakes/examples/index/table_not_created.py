import asyncio

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.database import driver_error
from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Invoice(Base):  # a model whose table no migration (or create_all) made
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        try:
            await session.scalars(select(Invoice))
        except DBAPIError as exc:
            reason = driver_error(exc)
            print(f"{type(reason).__name__}: {reason}")
        # --8<-- [end:pattern]


asyncio.run(main())
