import asyncio

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, selectin_polymorphic

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
    __mapper_args__ = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    __tablename__ = "engineers"
    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(50))
    __mapper_args__ = {"polymorphic_identity": "engineer"}


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
        staff = (await session.scalars(select(Employee).order_by(Employee.id))).all()
        print([type(employee).__name__ for employee in staff])
        try:
            print(
                [employee.team for employee in staff if isinstance(employee, Manager)]
            )
        except Exception as exc:
            error = getattr(exc, "orig", exc)  # SQLite wraps it in StatementError
            print(f"{type(error).__name__}: {str(error).split(' (Background')[0]}")
        session.expunge_all()
        # The fix: load each subclass's own columns in the same query.
        loader = selectin_polymorphic(Employee, [Manager, Engineer])
        query = select(Employee).options(loader).order_by(Employee.id)
        with log_sql(engine) as sql:
            staff = (await session.scalars(query)).all()
        print([employee.team for employee in staff if isinstance(employee, Manager)])
        print(
            [employee.language for employee in staff if isinstance(employee, Engineer)]
        )
        print(len(sql))  # 1 for the employees, then 1 per subclass
        print(*sql, sep="\n")
        # --8<-- [end:pattern]


asyncio.run(main())
