import asyncio
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    FetchedValue,
    MetaData,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(MappedAsDataclass, DeclarativeBase):  # like the guide's base
    pass


# kw_only: SQLAlchemy 2.0 refuses a mixin's required field after an init=False one.
class Columns(MappedAsDataclass, kw_only=True):
    id: Mapped[int] = mapped_column(primary_key=True, init=False)
    title: Mapped[str]
    status: Mapped[str] = mapped_column(default="draft")
    revision: Mapped[int] = mapped_column(insert_default=1, init=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), init=False)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now(), init=False
    )
    edits: Mapped[int] = mapped_column(  # a trigger counts the UPDATEs
        server_default=text("0"), server_onupdate=FetchedValue(), init=False
    )


class Doc(Columns, Base):
    __tablename__ = "docs"


class EagerDoc(Columns, Base):
    __tablename__ = "eager_docs"
    __mapper_args__ = {"eager_defaults": True}


# --8<-- [end:pattern]

# The trigger behind `edits`. PostgreSQL changes the row before it is written;
# SQLite has no such trigger, so it updates the row again afterwards.
TRIGGERS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION count_edits() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN NEW.edits := OLD.edits + 1; RETURN NEW; END $$",
        *(
            f"CREATE TRIGGER count_edits BEFORE UPDATE OF title ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION count_edits()"
            for table in ("docs", "eager_docs")
        ),
    ],
    "sqlite": [
        f"CREATE TRIGGER count_edits_{table} AFTER UPDATE OF title ON {table} "
        f"BEGIN UPDATE {table} SET edits = edits + 1 WHERE id = NEW.id; END"
        for table in ("docs", "eager_docs")
    ],
}


@event.listens_for(Base.metadata, "after_create")
def create_triggers(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    for statement in TRIGGERS[connection.dialect.name]:
        connection.exec_driver_sql(statement)


COLUMNS = ["status", "revision", "created_at", "updated_at", "edits"]


def shown(doc: Columns, name: str) -> str:
    if inspect(doc).persistent and name in inspect(doc).unloaded:
        return "(expired)"
    value = getattr(doc, name)
    return "a datetime" if isinstance(value, datetime) else repr(value)


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        table: dict[str, list[str]] = {name: [] for name in [*COLUMNS, "statements"]}
        updates = []
        for model in (Doc, EagerDoc):
            doc = model(title="first")
            for name in COLUMNS:
                table[name].append(shown(doc, name))
            table["statements"].append("")
            session.add(doc)
            for step in ("INSERT", "UPDATE"):
                if step == "UPDATE":
                    doc.title = "second"
                with log_sql(engine) as sql:
                    await session.flush()
                for name in COLUMNS:
                    table[name].append(shown(doc, name))
                table["statements"].append(str(len(sql)))
            updates.append(sql[0])
        print(f"{'':<12}{'Doc':<36}EagerDoc")
        print((" " * 12 + "new         INSERT      UPDATE      " * 2).rstrip())
        for name, cells in table.items():
            print("".join(f"{cell:<12}" for cell in [name, *cells]).rstrip())
        print(*updates, sep="\n")
        edits = select(EagerDoc.__table__.c.edits)
        print("EagerDoc.edits in the database:", await session.scalar(edits))


asyncio.run(main())
