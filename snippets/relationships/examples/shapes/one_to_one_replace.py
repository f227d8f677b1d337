import asyncio

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
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
    profile: Mapped["Profile | None"] = relationship(cascade="all, delete-orphan")


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    bio: Mapped[str] = mapped_column(String(200))


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add(Account(profile=Profile(bio="Analyst")))
        await session.commit()
        query = select(Account).options(joinedload(Account.profile))
        account = (await session.scalars(query)).one()
        account.profile = Profile(bio="Poet")  # the old one becomes an orphan
        with log_sql(engine) as sql:
            try:
                await session.commit()
            except IntegrityError as exc:
                print(f"{type(exc.orig).__name__}: {exc.orig}")
                await session.rollback()
        # The INSERT went first, and failed: the DELETE was never sent.
        print([" ".join(statement.split()[:3]) for statement in sql])
        account = (await session.scalars(query)).one()
        assert account.profile is not None
        with log_sql(engine) as sql:
            await session.delete(account.profile)
            await session.flush()  # the DELETE now goes first
            account.profile = Profile(bio="Poet")
            await session.commit()
        print([" ".join(statement.split()[:3]) for statement in sql])
        # --8<-- [end:pattern]


asyncio.run(main())
