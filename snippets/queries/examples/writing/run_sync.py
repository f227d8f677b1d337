import asyncio

from sqlalchemy import inspect

from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        connection = await session.connection()
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        print(sorted(names))
        """
        ["categories", "comments", "post_tags", "posts", "reactions", "tags", "users"]
        """
        # --8<-- [end:pattern]


asyncio.run(main())
