import asyncio
from typing import Any

from sqlalchemy import JSON, Text, cast, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Doc(name="None", data=None))  # now SQL NULL
        session.add(Doc(name="JSON.NULL", data=JSON.NULL))  # JSON null, on purpose
        await session.commit()
        sql_null = select(Doc.name).where(Doc.data.is_(None))
        print((await session.scalars(sql_null)).all())
        #> ['None']
        json_null = select(Doc.name).where(cast(Doc.data, Text) == "null")
        print((await session.scalars(json_null)).all())
        #> ['JSON.NULL']


# --8<-- [end:pattern]


asyncio.run(main())
