import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.models import Category
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = (
            select(Category)
            .where(Category.parent_id.is_(None))
            .options(selectinload(Category.children).selectinload(Category.children))
        )
        root = await session.scalar(query)
        assert root is not None
        for child in root.children:
            print(child.name, [grandchild.name for grandchild in child.children])
            #> Databases ['PostgreSQL']
            #> Languages []
        # --8<-- [end:pattern]


asyncio.run(main())
