import asyncio
import uuid
import warnings

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)  # nothing makes one
    name: Mapped[str]


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Account(name="Ada"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                await session.flush()
            except IntegrityError as exc:
                # warned before the INSERT was sent
                print(f"{caught[0].category.__name__}: {caught[0].message}")
                # the driver's own exception, which SQLAlchemy wraps
                error = getattr(exc.orig, "__cause__", None) or exc.orig
                print(f"{type(error).__name__}: {error}")


asyncio.run(main())
