import asyncio
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql

LONG_AGO = datetime(2020, 1, 1)


class Base(DeclarativeBase):
    pass


# --8<-- [start:pattern]
class Doc(Base):
    __tablename__ = "docs"
    __mapper_args__ = {"eager_defaults": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    changed_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), server_onupdate=func.now()  # tells, does not do
    )
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now()  # in every UPDATE
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        doc = Doc(title="draft", changed_at=LONG_AGO, updated_at=LONG_AGO)
        session.add(doc)
        await session.flush()
        doc.title = "final"
        with log_sql(engine) as sql:
            await session.flush()
        print(sql[0])
        print(doc.changed_at == LONG_AGO, doc.updated_at > LONG_AGO)


# --8<-- [end:pattern]


asyncio.run(main())
