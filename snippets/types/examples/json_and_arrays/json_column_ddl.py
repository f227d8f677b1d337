import asyncio
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The portable declaration: JSONB on PostgreSQL, JSON everywhere else.
    body: Mapped[dict[str, Any]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql")
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        with log_sql(engine) as statements:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        print(statements[-1].strip())


# --8<-- [end:pattern]


asyncio.run(main())
