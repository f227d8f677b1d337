import asyncio

from sqlalchemy import select

from snippets.models import Category
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        by_parent = select(Category.parent_id).order_by(Category.parent_id)
        print((await session.scalars(by_parent)).all())
        nulls_last = by_parent.order_by(None).order_by(Category.parent_id.nulls_last())
        print((await session.scalars(nulls_last)).all())
        # --8<-- [end:pattern]


asyncio.run(main())
