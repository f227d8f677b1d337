import asyncio

from pydantic import SecretStr

from snippets.app import create_app
from snippets.sample_client import sample_client
from snippets.settings import Settings

# One process here; an API with several sets CURSOR_SECRET (see the settings page).
app = create_app(
    Settings(database_url="sqlite+aiosqlite://", cursor_secret=SecretStr("k" * 32))
)


async def main() -> None:
    async with sample_client(app) as (_, client):
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
