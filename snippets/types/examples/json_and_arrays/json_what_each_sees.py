import asyncio
import copy
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from snippets.sample import sample_db
from snippets.types.json_and_arrays import Base, Doc

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

        changes = {"top key": top_level, "nested key": nested, "append": append}
        ways = {
            "JSON, in place": in_place,
            "MutableDict, in place": mutable_dict,
            "JSON + flag_modified": with_flag_modified,
            "JSON, deepcopy() first": deep_copy_first,
            "JSON, {**data} after": shallow_copy_after,
        }
        # --8<-- [start:pattern]
        print(f"{'way':22}", *(f"{name:>10}" for name in changes))
        #> way                       top key nested key     append
        for label, way in ways.items():
            results = [await saved(way, change) for change in changes.values()]
            print(f"{label:22}", *(f"{result:>10}" for result in results))
            #> JSON, in place               lost       lost       lost
            #> MutableDict, in place       saved       lost       lost
            #> JSON + flag_modified        saved      saved      saved
            #> JSON, deepcopy() first      saved      saved      saved
            #> JSON, {**data} after         lost       lost       lost
        # --8<-- [end:pattern]


asyncio.run(main())
