from sqlalchemy import String, select
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))

    @property
    def full_name(self) -> str:
        return self.first_name + " " + self.last_name


try:
    select(Person).order_by(Person.full_name)  # type: ignore[arg-type]
except ArgumentError as exc:
    print(f"{type(exc).__name__}: {exc}".replace(hex(id(Person.full_name)), "0x..."))
    #> ArgumentError: ORDER BY expression expected, got <property object at 0x...>.
# --8<-- [end:pattern]
