import asyncio

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from snippets.app import create_app
from snippets.settings import Settings

# --8<-- [start:pattern]
app = create_app(
    Settings(database_url="sqlite+aiosqlite://", db_migrate_on_startup=True)
)


async def main() -> None:
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://test"
        ) as client,
    ):
        await client.post("/users", json={"email": "t@example.com", "name": "Test"})
        users = (await client.get("/users")).json()["items"]
        print(type(app.state.engine.pool).__name__, [user["name"] for user in users])
        #> StaticPool ['Test']


# --8<-- [end:pattern]


asyncio.run(main())
