import asyncio

from sqlalchemy import select

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (_, sessions), sessions() as session:
        ada = User(email="ada@example.com", name="Ada")
        titles = ["50% off", "500 errors", "a_b testing", "axb notes"]
        session.add_all(Post(title=title, author=ada) for title in titles)
        await session.flush()
        # --8<-- [start:pattern]
        for term in ("50%", "a_b"):
            # Wrong: the user's % and _ reach LIKE as wildcards.
            query = select(Post.title).where(Post.title.contains(term))
            print(term, (await session.scalars(query.order_by(Post.id))).all())
            #> 50% ['50% off', '500 errors']
            #> a_b ['a_b testing', 'axb notes']
        # --8<-- [end:pattern]


asyncio.run(main())
