import asyncio

from sqlalchemy import text

from snippets.app import DbSession, create_app
from snippets.sample_client import sample_client
from snippets.settings import Settings

# --8<-- [start:pattern]
# requests use the example's database: see main()
app = create_app(Settings(database_url="sqlite+aiosqlite://"))


@app.get("/names/{user_id}")
async def read_name(user_id: int, session: DbSession) -> str | None:
    # user_id: int, so FastAPI converts the path's "1" before the route runs
    query = text("SELECT name FROM users WHERE id = :id")
    name: str | None = await session.scalar(query, {"id": user_id})
    return name


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_client(app) as (_, client):
        print((await client.get("/names/1")).json())
        #> Ada Lovelace
        response = await client.get("/names/one")
        print(response.status_code, response.json()["detail"][0]["msg"])
        #> 422 Input should be a valid integer, unable to parse string as an integer


asyncio.run(main())
