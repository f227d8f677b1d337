import asyncio

from sqlalchemy import select, tuple_

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        by_name = select(User.name, User.id).order_by(User.name, User.id).limit(2)
        page_1 = (await session.execute(by_name)).all()
        session.add(User(email="alan@example.com", name="Alan Turing"))
        await session.commit()
        offset_page_2 = (await session.execute(by_name.offset(2))).all()
        keyset_page_2 = (
            await session.execute(
                by_name.where(tuple_(User.name, User.id) > tuple_(*page_1[-1]))
            )
        ).all()
        print([name for name, _ in page_1])
        #> ['Ada Lovelace', 'Grace Hopper']
        print([name for name, _ in offset_page_2])
        #> ['Grace Hopper', 'Linus Torvalds']
        print([name for name, _ in keyset_page_2])
        #> ['Linus Torvalds']
        # --8<-- [end:pattern]


asyncio.run(main())
