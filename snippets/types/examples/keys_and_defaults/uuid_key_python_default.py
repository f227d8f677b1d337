import asyncio
import uuid

from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


class Base(DeclarativeBase):
    pass


# --8<-- [start:pattern]
class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        print(Account.__table__.c.id.type.compile(engine.dialect))
        ada = Account(name="Ada")
        print(ada.id)  # the default runs when the row is inserted
        with log_sql(engine) as sql:
            session.add(ada)
            await session.flush()
        print(sql[0])
        print(ada.id.version, type(ada.id))
        read_back = await session.scalar(select(Account.id))
        print(read_back == ada.id, type(read_back))


# --8<-- [end:pattern]


asyncio.run(main())
