import asyncio
import copy
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, select
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from snippets.sample import sample_db


class Base(DeclarativeBase):
    pass


class Doc(Base):
    __tablename__ = "docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    tracked: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(JSON))


START = {"theme": "light", "font": {"size": 12}, "tags": ["a"]}
Change = Callable[[dict[str, Any]], None]


def top_level(data: dict[str, Any]) -> None:
    data["theme"] = "dark"


def nested(data: dict[str, Any]) -> None:
    data["font"]["size"] = 14


def append(data: dict[str, Any]) -> None:
    data["tags"].append("b")


def in_place(doc: Doc, change: Change) -> None:
    change(doc.data)


def mutable_dict(doc: Doc, change: Change) -> None:
    change(doc.tracked)


def with_flag_modified(doc: Doc, change: Change) -> None:
    change(doc.data)
    flag_modified(doc, "data")


def deep_copy_first(doc: Doc, change: Change) -> None:
    doc.data = copy.deepcopy(doc.data)  # the loaded value stays as it was
    change(doc.data)


def shallow_copy_after(doc: Doc, change: Change) -> None:
    change(doc.data)
    doc.data = {**doc.data}  # a new dict, equal to the old one it changed


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

        async def saved(way: Callable[[Doc, Change], None], change: Change) -> str:
            async with sessions() as session:
                doc = Doc(data=copy.deepcopy(START), tracked=copy.deepcopy(START))
                session.add(doc)
                await session.commit()
                way(doc, change)
                await session.commit()
            async with sessions() as fresh:  # what the row holds now
                column = Doc.tracked if way is mutable_dict else Doc.data
                stored = await fresh.scalar(select(column).where(Doc.id == doc.id))
            return "saved" if stored != START else "lost"

        changes = {
            "top-level key": top_level,
            "nested key": nested,
            "list append": append,
        }
        ways = {
            "JSON, in place": in_place,
            "MutableDict.as_mutable(JSON), in place": mutable_dict,
            'JSON, in place + flag_modified(doc, "data")': with_flag_modified,
            "JSON, doc.data = copy.deepcopy(doc.data) first": deep_copy_first,
            "JSON, in place, then doc.data = {**doc.data}": shallow_copy_after,
        }
        # --8<-- [start:pattern]
        table = [["way", *changes]]
        for label, way in ways.items():
            table.append([label, *[await saved(way, c) for c in changes.values()]])
        rows = [f"{way:46}" + "".join(f"{c:>15}" for c in rest) for way, *rest in table]
        print("\n".join(rows))
        """
        way                                             top-level key     nested key    list append
        JSON, in place                                           lost           lost           lost
        MutableDict.as_mutable(JSON), in place                  saved           lost           lost
        JSON, in place + flag_modified(doc, "data")             saved          saved          saved
        JSON, doc.data = copy.deepcopy(doc.data) first          saved          saved          saved
        JSON, in place, then doc.data = {**doc.data}             lost           lost           lost
        """


# --8<-- [end:pattern]


asyncio.run(main())
