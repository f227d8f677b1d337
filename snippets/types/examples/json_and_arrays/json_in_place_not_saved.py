import asyncio
from typing import Any

from sqlalchemy import JSON, select
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


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        doc = Doc(data={"theme": "light"})
        session.add(doc)
        await session.commit()
        doc.data["theme"] = "dark"  # changes the dict, not the attribute
        with log_sql(engine) as statements:
            await session.commit()  # succeeds, and sends nothing
        print(statements)
        #> []
        async with sessions() as fresh:
            print(await fresh.scalar(select(Doc.data)))
            #> {'theme': 'light'}


# --8<-- [end:pattern]


asyncio.run(main())
