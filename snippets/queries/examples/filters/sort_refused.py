import asyncio

from sqlalchemy import func, select

from snippets.app import create_app
from snippets.models import User
from snippets.queries.filters import router
from snippets.sample_client import sample_client
from snippets.settings import Settings

app = create_app(Settings(database_url="sqlite+aiosqlite://"))
app.include_router(router)


async def main() -> None:
    async with sample_client(app) as (engine, client):
        # --8<-- [start:pattern]
        for sort in ("password", "name desc", "name;DROP TABLE users"):
            response = await client.get("/search/users", params={"sort": sort})
            print(response.status_code)
            #> 422
            #> 422
            #> 422
        print(response.json())
        """
        {
            "detail": [
                {
                    "type": "literal_error",
                    "loc": ["query", "sort"],
                    "msg": "Input should be 'name', 'email' or 'created_at'",
                    "input": "name;DROP TABLE users",
                    "ctx": {"expected": "'name', 'email' or 'created_at'"},
                }
            ]
        }
        """
        async with engine.connect() as connection:
            print(await connection.scalar(select(func.count()).select_from(User)))
            #> 3
        # --8<-- [end:pattern]


asyncio.run(main())
