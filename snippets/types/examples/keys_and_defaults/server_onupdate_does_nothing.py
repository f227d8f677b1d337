import asyncio
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql

LONG_AGO = datetime(2020, 1, 1)


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Doc(Base):
    __tablename__ = "docs"
    __mapper_args__ = {"eager_defaults": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    changed_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), server_onupdate=func.now()  # says, does not do
    )
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now()  # in every UPDATE
    )


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # Both columns start in 2020, so a change shows.
        doc = Doc(title="draft", changed_at=LONG_AGO, updated_at=LONG_AGO)
        session.add(doc)
        await session.flush()
        doc.title = "final"
        with log_sql(engine) as sql:
            await session.flush()
        print(*sql)
        print("changed_at still 2020:", doc.changed_at == LONG_AGO)
        print("updated_at now later:", doc.updated_at > LONG_AGO)


asyncio.run(main())
