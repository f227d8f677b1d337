import asyncio

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Employee(Base):
    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class Manager(Employee):  # no __tablename__: its columns go into employees
    team: Mapped[str] = mapped_column(String(50))
    __mapper_args__ = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    language: Mapped[str] = mapped_column(String(50))  # NOT NULL, in every row
    __mapper_args__ = {"polymorphic_identity": "engineer"}


async def hire_a_manager(session: AsyncSession) -> None:
    session.add(Manager(team="Engines"))  # a manager has no language
    await session.commit()


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        try:
            await hire_a_manager(session)
        except IntegrityError as exc:
            print(f"{type(exc.orig).__name__}: {exc.orig}")


asyncio.run(main())
