import asyncio
from typing import Any

from sqlalchemy import JSON, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    data: Mapped[dict[str, Any]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql")
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Item(name="novel", data={"kind": "book", "pages": 320}))
        session.add(Item(name="zine", data={"kind": "zine", "pages": 24}))
        await session.commit()
        books = select(Item.name).where(
            Item.data["kind"].as_string() == "book",
            Item.data["pages"].as_integer() > 100,
        )
        with log_sql(engine) as statements:
            print((await session.scalars(books)).all())
        print(statements[0])


# --8<-- [end:pattern]


asyncio.run(main())
