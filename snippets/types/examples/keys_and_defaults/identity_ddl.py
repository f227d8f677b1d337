from sqlalchemy import Identity
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateTable

from snippets.models import User


class Base(DeclarativeBase):
    pass


# --8<-- [start:pattern]
class ByDefault(Base):
    __tablename__ = "by_default"
    id: Mapped[int] = mapped_column(Identity(), primary_key=True)


class Always(Base):
    __tablename__ = "always"
    id: Mapped[int] = mapped_column(Identity(always=True), primary_key=True)


tables = [User.metadata.tables["users"], *Base.metadata.tables.values()]
for url in ("postgresql://", "sqlite://"):
    dialect = make_url(url).get_dialect()()
    for table in tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        id_line = next(line for line in ddl.splitlines() if "\tid " in line)
        print(dialect.name, table.name, id_line.strip())
# --8<-- [end:pattern]
