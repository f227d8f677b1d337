import asyncio

from snippets.app import create_app
from snippets.queries.filters import router
from snippets.sample_client import sample_client
from snippets.settings import Settings
from snippets.sql_log import log_sql

app = create_app(Settings(database_url="sqlite+aiosqlite://"))
app.include_router(router)


async def main() -> None:
    async with sample_client(app) as (engine, client):
        # --8<-- [start:pattern]
        for params in ({}, {"has_published": "false", "name": "o", "order": "desc"}):
            with log_sql(engine) as sql:
                response = await client.get("/search/users", params=params)
            print(params, [user["name"] for user in response.json()])
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
