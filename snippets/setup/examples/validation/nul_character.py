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
        email = "nul\x00@example.com"  # "nul\u0000@example.com" in JSON
        # Straight to the database, as code without the request model's checks:
        async with sessions() as session:
            session.add(User(email=email, name="Nul"))
            try:
                await session.commit()
                print("stored", repr(email))
            except DBAPIError as exc:
                print(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
        # Through the reference app, whose UserCreate refuses NUL:
        response = await client.post("/users", json={"email": email, "name": "Nul"})
        print(response.status_code, response.json()["detail"][0]["type"])
        # --8<-- [end:pattern]


asyncio.run(main())
