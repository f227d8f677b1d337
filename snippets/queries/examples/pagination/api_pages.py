import asyncio

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pydantic import SecretStr

from snippets.app import create_app
from snippets.sample import sample_db
from snippets.settings import Settings

# One process here; an API with several sets CURSOR_SECRET (see the settings page).
app = create_app(
    Settings(database_url="sqlite+aiosqlite://", cursor_secret=SecretStr("k" * 32))
)


async def main() -> None:
    async with (
        sample_db() as (_, sessions),
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        app.state.session_factory = sessions  # requests read the sample data
        # --8<-- [start:pattern]
        params: dict[str, str | int] = {"limit": 2}
        while True:
            page = (await client.get("/users", params=params)).json()
            names = [user["name"] for user in page["items"]]
            print(names, "more" if page["next_cursor"] else "last page")
            #> ['Ada Lovelace', 'Grace Hopper'] more
            #> ['Linus Torvalds'] last page
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        # --8<-- [end:pattern]


asyncio.run(main())
