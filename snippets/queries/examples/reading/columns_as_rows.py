import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        query = select(User.id, User.name).order_by(User.id).limit(2)
        for row in await session.execute(query):
            print(row.id, row.name)
            #> 1 Ada Lovelace
            #> 2 Grace Hopper
        print((await session.execute(query)).mappings().all())
        #> [{'id': 1, 'name': 'Ada Lovelace'}, {'id': 2, 'name': 'Grace Hopper'}]
        # --8<-- [end:pattern]


asyncio.run(main())
