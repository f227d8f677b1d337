import asyncio

from sqlalchemy import select

from snippets.models import Category
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        tree = (
            select(Category.id, Category.name, Category.parent_id)
            .where(Category.name == "Computing")
            .cte("tree", recursive=True)
        )
        tree = tree.union_all(
            select(Category.id, Category.name, Category.parent_id).join(
                tree, Category.parent_id == tree.c.id
            )
        )
        with log_sql(engine) as sql:
            names = (
                await session.scalars(select(tree.c.name).order_by(tree.c.id))
            ).all()
        print(names)
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
