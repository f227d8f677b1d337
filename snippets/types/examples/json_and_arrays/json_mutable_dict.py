import asyncio
from typing import Any

from sqlalchemy import JSON, select
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(JSON))


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        doc = Doc(data={"theme": "light", "font": {"size": 12}})
        session.add(doc)
        await session.commit()
        doc.data["theme"] = "dark"  # a key of the dict itself: tracked
        await session.commit()
        doc.data["font"]["size"] = 14  # a dict inside it: not tracked
        await session.commit()
        async with sessions() as fresh:
            print(await fresh.scalar(select(Doc.data)))
            #> {'theme': 'dark', 'font': {'size': 12}}


# --8<-- [end:pattern]


asyncio.run(main())
