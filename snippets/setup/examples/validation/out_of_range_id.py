import asyncio

from sqlalchemy.exc import DBAPIError

from snippets.app import create_app
from snippets.database import create_session_factory
from snippets.models import User
from snippets.sample_client import sample_client
from snippets.settings import Settings

app = create_app(Settings(database_url="sqlite+aiosqlite://"))


async def main() -> None:
    async with sample_client(app) as (engine, client):
        sessions = create_session_factory(engine)
        # --8<-- [start:pattern]
        # What a route with a plain `user_id: int` sends the database:
        for user_id in (3_000_000_000, 2**65):
            async with sessions() as session:
                try:
                    print(await session.get(User, user_id))
                except (DBAPIError, OverflowError) as exc:
                    print(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        # The reference app's routes take a UserId, bounded like the column:
        response = await client.get("/users/3000000000")
        print(response.status_code, response.json()["detail"][0]["msg"])
        # --8<-- [end:pattern]


asyncio.run(main())
