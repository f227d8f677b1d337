import asyncio
from typing import Any

from sqlalchemy import JSON, Text, cast, null, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Doc(name="None", data=None))  # JSON's own null
        session.add(Doc(name="null()", data=null()))  # SQL NULL
        await session.commit()
        text = cast(Doc.data, Text).label("text")  # what the column holds
        stored = select(Doc.name, Doc.data, text).order_by(Doc.id)
        print((await session.execute(stored)).all())
        #> [('None', None, 'null'), ('null()', None, None)]
        sql_null = select(Doc.name).where(Doc.data.is_(None))
        print((await session.scalars(sql_null)).all())
        #> ['null()']


# --8<-- [end:pattern]


asyncio.run(main())
