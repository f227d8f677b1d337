import asyncio

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from snippets.app import create_app
from snippets.settings import Settings

app = create_app(Settings(db_migrate_on_startup=True))


async def main() -> None:
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        # --8<-- [start:pattern]
        ada = {"email": "ada@example.com", "name": "Ada"}
        created = await client.post("/users", json=ada)
        print(created.status_code, created.json()["name"])
        #> 201 Ada
        again = await client.post("/users", json=ada)
        print(again.status_code, again.json())
        #> 409 {'detail': 'email already registered'}
        user_id = created.json()["id"]
        renamed = await client.patch(f"/users/{user_id}", json={"name": "Ada Lovelace"})
        print(renamed.json()["name"])
        #> Ada Lovelace
        listed = (await client.get("/users")).json()
        print([user["name"] for user in listed["items"]], listed["next_cursor"])
        #> ['Ada Lovelace'] None
        print((await client.delete(f"/users/{user_id}")).status_code)
        #> 204
        print((await client.get(f"/users/{user_id}")).status_code)
        #> 404
        # --8<-- [end:pattern]


asyncio.run(main())
