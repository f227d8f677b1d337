import asyncio

from sqlalchemy import delete, select

from snippets.models import Comment
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ids = [1, 3]
        with log_sql(engine) as by_keys:
            await session.execute(delete(Comment).where(Comment.id.in_(ids)))
        await session.rollback()
        with log_sql(engine) as one_by_one:
            comments = await session.scalars(select(Comment).where(Comment.id.in_(ids)))
            for comment in comments:
                await session.delete(comment)
            await session.flush()
        print(len(by_keys), by_keys[-1])
        print(len(one_by_one), one_by_one[-1])
        # --8<-- [end:pattern]


asyncio.run(main())
