import asyncio
import warnings

from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped["Profile | None"] = relationship(lazy="selectin")


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # not unique


async def load_an_account_with_two_profiles(session: AsyncSession) -> Account:
    session.add_all([Account(id=1), Profile(account_id=1), Profile(account_id=1)])
    await session.commit()  # the database takes both
    return (await session.scalars(select(Account))).one()  # warns


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            account = await load_an_account_with_two_profiles(session)
        for warning in caught:
            print(f"{warning.category.__name__}: {str(warning.message).strip()}")
            """
            SAWarning: Multiple rows returned with uselist=False for eagerly-loaded attribute 'Account.profile'
            """
        print(account.profile is not None)
        #> True


asyncio.run(main())
