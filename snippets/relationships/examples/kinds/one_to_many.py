import asyncio

from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ada = User(email="ada2@example.com", name="Ada")
        post = Post(title="Sketches", author=ada)
        print([p.title for p in ada.posts], post.author is ada)
        #> ['Sketches'] True
        session.add(ada)
        await session.commit()
        print(post.author_id == ada.id)
        #> True
        # --8<-- [end:pattern]


asyncio.run(main())
