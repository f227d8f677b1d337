import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str]


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        column = Base.metadata.tables["accounts"].c.id
        print("column type:", column.type.compile(engine.dialect))
        ada = Account(name="Ada")
        print("before the flush:", ada.id)  # the default runs at the INSERT
        with log_sql(engine) as sql:
            session.add(ada)
            await session.flush()
        print(*sql)
        print("after the flush: version", ada.id.version, type(ada.id))
        read_back = await session.scalar(select(Account.id))
        print("read back:", type(read_back), read_back == ada.id)


asyncio.run(main())
