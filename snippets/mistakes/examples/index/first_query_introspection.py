import asyncio
import enum
from typing import Any

from sqlalchemy import (
    ARRAY,
    Enum,
    Executable,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool, Pool

from snippets.sample import examples_url


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Mood(enum.Enum):
    SAD = "sad"
    HAPPY = "happy"


class Entry(Base):
    __tablename__ = "mood_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    # A PostgreSQL ENUM: a type of its own, unknown to asyncpg.
    mood: Mapped[Mood] = mapped_column(Enum(Mood, name="entry_mood"))


QUERIES = [
    select(Entry.id).where(Entry.id == 1),  # built-in types only
    select(Entry).where(Entry.mood == Mood.HAPPY),  # the ENUM type
    select(Entry).where(Entry.mood == Mood.SAD),  # the same type again
    # Arrays: integer[]; VARCHAR[], which ARRAY(String) sends; text[].
    select(Entry.id).where(Entry.id == any_(bindparam("ids", [1], ARRAY(Integer)))),
    select(Entry.id).where(bindparam("names", ["a"], ARRAY(String)).is_not(None)),
    select(Entry.id).where(bindparam("words", ["a"], ARRAY(Text)).is_not(None)),
]


async def driver_statements(
    connection: AsyncConnection, query: Executable
) -> list[str]:
    """What the driver runs by itself to send `query`: the first words of each."""
    sent: list[str] = []
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None  # asyncpg's own connection

    def record(logged: Any) -> None:  # asyncpg's LoggedQuery
        sent.append(" ".join(logged.query.split()[:2]))

    driver.add_query_logger(record)  # not the query: SQLAlchemy sends it prepared
    await connection.execute(query)
    await asyncio.sleep(0)  # loggers run on the event loop's next turn
    driver.remove_query_logger(record)
    return [statement for statement in sent if statement != "BEGIN;"]


async def count_statements() -> None:
    pool: type[Pool]
    for pool in (NullPool, AsyncAdaptedQueuePool):
        engine = create_async_engine(examples_url(postgres=True), poolclass=pool)
        for checkout in (1, 2):
            async with engine.connect() as connection:
                sent = [await driver_statements(connection, q) for q in QUERIES]
            print(pool.__name__, checkout, [len(statements) for statements in sent])
            #> NullPool 1 [0, 3, 0, 3, 3, 0]
            #> NullPool 2 [0, 3, 0, 3, 3, 0]
            #> AsyncAdaptedQueuePool 1 [0, 3, 0, 3, 3, 0]
            #> AsyncAdaptedQueuePool 2 [0, 0, 0, 0, 0, 0]
        await engine.dispose()


# --8<-- [end:pattern]


async def compare_jit() -> None:
    for settings in ({}, {"jit": "off"}):  # the server's default, then JIT off
        engine = create_async_engine(
            examples_url(postgres=True),
            poolclass=NullPool,
            connect_args={"server_settings": settings},
        )
        async with engine.connect() as connection:
            print(*await driver_statements(connection, QUERIES[1]), sep="; ")
            #> SELECT current_setting('jit'); WITH RECURSIVE; SELECT set_config('jit',
            #> SELECT current_setting('jit'); WITH RECURSIVE
        await engine.dispose()


async def create_tables() -> None:
    engine = create_async_engine(examples_url(postgres=True))
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS mood_entries"))
        await connection.execute(text("DROP TYPE IF EXISTS entry_mood"))
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()


async def main() -> None:
    await create_tables()
    await count_statements()
    await compare_jit()


asyncio.run(main())
