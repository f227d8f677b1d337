import asyncio

from snippets.app import create_app
from snippets.relationships.api import router
from snippets.sample_client import sample_client
from snippets.settings import Settings
from snippets.sql_log import log_sql

app = create_app(Settings(database_url="sqlite+aiosqlite://"))
app.include_router(router)


async def main() -> None:
    async with sample_client(app) as (engine, client):
        # --8<-- [start:pattern]
        with log_sql(engine) as sql:
            response = await client.get("/authors/1")
        print(response.json())
        """
        {
            "id": 1,
            "name": "Ada Lovelace",
            "posts": [
                {
                    "id": 1,
                    "title": "Notes on the engine",
                    "published": True,
                    "tags": [{"name": "history"}],
                },
                {
                    "id": 3,
                    "title": "Loops in Python",
                    "published": False,
                    "tags": [{"name": "python"}],
                },
            ],
        }
        """
        print(len(sql))
        #> 3
        print((await client.get("/authors/99")).status_code)
        #> 404
        # --8<-- [end:pattern]


asyncio.run(main())
