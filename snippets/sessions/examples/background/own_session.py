import asyncio

from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sessions.background import app


async def main() -> None:
    async with sample_db() as (_, sessions):
        app.state.session_factory = sessions  # what the app's lifespan sets
        # --8<-- [start:pattern]
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            linus = await client.post("/users/3/welcome")
            nobody = await client.post("/users/99/welcome")  # no such user
            print(linus.status_code, nobody.status_code)
            #> 202 202
        async with sessions() as session:
            welcome = select(Post.title).where(Post.title.startswith("Welcome"))
            print((await session.scalars(welcome)).all())
            #> ['Welcome, Linus Torvalds!']
        # --8<-- [end:pattern]


asyncio.run(main())
