import asyncio

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
)

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # Message is not defined yet: name its column in a string.
    sent: Mapped[list["Message"]] = relationship(
        foreign_keys="Message.sender_id", back_populates="sender"
    )
    received: Mapped[list["Message"]] = relationship(
        foreign_keys="Message.recipient_id", back_populates="recipient"
    )


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(String(200))
    sender: Mapped[Account] = relationship(
        foreign_keys=[sender_id], back_populates="sent"
    )
    recipient: Mapped[Account] = relationship(
        foreign_keys=[recipient_id], back_populates="received"
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            ada, grace = Account(name="Ada"), Account(name="Grace")
            session.add(Message(sender=ada, recipient=grace, body="Hello, Grace"))
            session.add(Message(sender=grace, recipient=ada, body="Hello, Ada"))
            await session.commit()
        async with sessions() as session:
            loaders = selectinload(Account.sent), selectinload(Account.received)
            query = select(Account).options(*loaders).order_by(Account.id)
            with log_sql(engine) as sql:
                accounts = (await session.scalars(query)).all()
            print(len(sql))
            #> 3
            for account in accounts:
                print(
                    account.name,
                    [m.body for m in account.sent],
                    [m.body for m in account.received],
                )
                #> Ada ['Hello, Grace'] ['Hello, Ada']
                #> Grace ['Hello, Ada'] ['Hello, Grace']
        # --8<-- [end:pattern]


asyncio.run(main())
