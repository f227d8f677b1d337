"""Two requests sell the same item at once: a lost update, and two ways to stop it."""

# --8<-- [start:stock]
from __future__ import annotations

import asyncio

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from snippets.database import close_db, create_engine, create_session_factory
from snippets.sample import examples_url
from snippets.settings import Settings


class DemoBase(DeclarativeBase):
    """Tables of this example only, apart from the guide's domain."""


class Stock(DemoBase):
    __tablename__ = "stock"
    id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int]


class VersionedStock(DemoBase):
    __tablename__ = "versioned_stock"
    id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int]
    # Every UPDATE checks and increments it: WHERE id = ? AND version = <as read>.
    version: Mapped[int] = mapped_column()
    __mapper_args__ = {"version_id_col": version}


async def sell_one(sessions: async_sessionmaker[AsyncSession], lock: bool) -> None:
    async with sessions() as session:
        query = select(Stock).where(Stock.id == 1)
        if lock:
            query = query.with_for_update()  # a second reader waits for our commit
        stock = (await session.scalars(query)).one()
        await asyncio.sleep(0.2)  # the request's work between reading and writing
        stock.quantity -= 1
        await session.commit()


async def sell_one_versioned(sessions: async_sessionmaker[AsyncSession]) -> None:
    for _attempt in range(3):
        async with sessions() as session:
            stock = await session.get_one(VersionedStock, 1)
            await asyncio.sleep(0.2)
            stock.quantity -= 1
            try:
                await session.commit()
                return
            except StaleDataError:
                continue  # another request sold first: read the new quantity, retry
    raise RuntimeError("still conflicting after 3 attempts")


# --8<-- [end:stock]


# --8<-- [start:run_sales]
async def run_sales(way: str, sales: int = 2) -> int:
    """Concurrent sales from a stock of 10 in the examples database; what is left."""
    engine = create_engine(Settings(database_url=examples_url(postgres=True)))
    sessions = create_session_factory(engine)
    async with engine.begin() as conn:
        await conn.run_sync(DemoBase.metadata.create_all)
    try:
        async with sessions.begin() as session:
            session.add_all(
                [Stock(id=1, quantity=10), VersionedStock(id=1, quantity=10)]
            )
        # Connections ready in the pool, so that the sales read at once.
        async with engine.connect(), engine.connect():
            pass
        if way == "version counter, retry":
            outcomes = await asyncio.gather(
                *(sell_one_versioned(sessions) for _ in range(sales)),
                return_exceptions=True,
            )
        else:
            lock = way == "with_for_update"
            outcomes = await asyncio.gather(
                *(sell_one(sessions, lock) for _ in range(sales)),
                return_exceptions=True,
            )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        table = "versioned_stock" if way == "version counter, retry" else "stock"
        async with engine.connect() as conn:
            left = await conn.scalar(text(f"SELECT quantity FROM {table} WHERE id = 1"))
        return int(left or 0)
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(DemoBase.metadata.drop_all)
        await close_db(engine)


# --8<-- [end:run_sales]
