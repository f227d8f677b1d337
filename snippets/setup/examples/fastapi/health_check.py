import asyncio

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from snippets.app import app


async def main() -> None:
    async with LifespanManager(app) as manager:
        # --8<-- [start:pattern]
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            response = await client.get("/health")
            print(response.status_code, response.json())
        # --8<-- [end:pattern]


asyncio.run(main())
