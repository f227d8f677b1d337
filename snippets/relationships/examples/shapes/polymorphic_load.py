import asyncio

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Employee(Base):
    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class Manager(Employee):
    __tablename__ = "managers"
    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(50))
    __mapper_args__ = {
        "polymorphic_identity": "manager",
        "polymorphic_load": "selectin",
    }


class Engineer(Employee):
    __tablename__ = "engineers"
    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(50))
    __mapper_args__ = {
        "polymorphic_identity": "engineer",
        "polymorphic_load": "selectin",
    }


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add_all(
            [
                Manager(name="Ada", team="Engines"),
                Engineer(name="Grace", language="COBOL"),
                Engineer(name="Linus", language="C"),
            ]
        )
        await session.commit()
        session.expunge_all()  # load them afresh
        with log_sql(engine) as sql:  # no loader option: the mappers ask for it
            staff = (
                await session.scalars(select(Employee).order_by(Employee.id))
            ).all()
        print([employee.team for employee in staff if isinstance(employee, Manager)])
        #> ['Engines']
        print(
            [employee.language for employee in staff if isinstance(employee, Engineer)]
        )
        #> ['COBOL', 'C']
        print(len(sql))
        #> 3
        # --8<-- [end:pattern]


asyncio.run(main())
