import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(User).order_by(User.id).execution_options(yield_per=2)
        result = await session.stream_scalars(query)
        async for batch in result.partitions():
            print([user.name for user in batch])
            #> ['Ada Lovelace', 'Grace Hopper']
            #> ['Linus Torvalds']
        # --8<-- [end:pattern]


asyncio.run(main())
