import asyncio
import warnings

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
)

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped["Profile | None"] = relationship()


class Profile(Base):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))  # not unique
    bio: Mapped[str] = mapped_column(String(200))


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add(Account(id=1))
        session.add_all(
            [Profile(account_id=1, bio="Analyst"), Profile(account_id=1, bio="Poet")]
        )
        await session.commit()
        session.expunge_all()  # load the account afresh
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await session.scalars(
                select(Account).options(selectinload(Account.profile))
            )
        for warning in caught:
            print(f"{warning.category.__name__}: {str(warning.message).strip()}")
            """
            SAWarning: Multiple rows returned with uselist=False for eagerly-loaded attribute 'Account.profile'
            """
        # --8<-- [end:pattern]


asyncio.run(main())
