import asyncio

from sqlalchemy import update
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
        name = "n" * 101  # users.name is a VARCHAR(100)
        # A script's bulk UPDATE, which no request model checks:
        async with sessions() as session:
            try:
                await session.execute(
                    update(User).where(User.id == 1).values(name=name)
                )
                await session.commit()
                stored = await session.get(User, 1)
                print("stored", len(stored.name) if stored else None)
            except DBAPIError as exc:
                print(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        # Through the reference app, whose UserUpdate has the column's max_length:
        response = await client.patch("/users/1", json={"name": name})
        print(response.status_code, response.json()["detail"][0]["type"])
        # --8<-- [end:pattern]


asyncio.run(main())
