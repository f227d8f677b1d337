import asyncio
import enum

from sqlalchemy import Enum, any_, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Role(enum.Enum):
    READER = "reader"
    EDITOR = "editor"


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    roles: Mapped[list[Role]] = mapped_column(
        ARRAY(Enum(Role, values_callable=lambda members: [m.value for m in members]))
    )


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            session.add(Account(roles=[Role.READER, Role.EDITOR]))
            await session.commit()
            print(await session.scalar(text("SELECT roles::text FROM accounts")))
            #> {reader,editor}
            print(await session.scalar(select(Account.roles)))
            #> [<Role.READER: 'reader'>, <Role.EDITOR: 'editor'>]
            editors = select(Account.id).where(Account.roles.contains([Role.EDITOR]))
            print((await session.scalars(editors)).all())
            #> [1]
            readers = select(Account.id).where(any_(Account.roles) == Role.READER)
            print((await session.scalars(readers)).all())
            #> [1]
        # --8<-- [end:pattern]


asyncio.run(main())
