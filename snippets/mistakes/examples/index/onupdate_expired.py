import asyncio
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now()
    )


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        item = Item(name="first")
        session.add(item)
        await session.commit()
        item.name = "renamed"
        await session.commit()
        try:
            print(item.updated_at)
        except Exception as exc:
            error = getattr(exc, "orig", exc)  # SQLite wraps it in StatementError
            print(f"{type(error).__name__}: {error}")


# --8<-- [end:pattern]


asyncio.run(main())
