import asyncio

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    joinedload,
    mapped_column,
    relationship,
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
    # Not a list in the annotation, so uselist=False: one Profile, or None.
    profile: Mapped["Profile | None"] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    # unique: the database itself allows one profile per account.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    bio: Mapped[str] = mapped_column(String(200))
    account: Mapped[Account] = relationship(back_populates="profile")


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with sessions() as session:
            session.add_all(
                [
                    Account(name="Ada", profile=Profile(bio="Analyst")),
                    Account(name="Grace"),
                ]
            )
            await session.commit()
        async with sessions() as session:
            query = (
                select(Account)
                .options(joinedload(Account.profile))
                .order_by(Account.id)
            )
            with log_sql(engine) as sql:
                accounts = (await session.scalars(query)).all()
            print(Account.profile.property.uselist, len(sql))
            #> False 1
            print({a.name: a.profile and a.profile.bio for a in accounts})
            #> {'Ada': 'Analyst', 'Grace': None}
        # --8<-- [end:pattern]


asyncio.run(main())
