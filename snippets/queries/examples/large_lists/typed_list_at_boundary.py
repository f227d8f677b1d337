import asyncio
from typing import Annotated

from fastapi import Query
from sqlalchemy import text

from snippets.app import DbSession, create_app
from snippets.sample_client import sample_client
from snippets.settings import Settings

# --8<-- [start:pattern]
# requests use the example's database: see main()
app = create_app(Settings(database_url="sqlite+aiosqlite://"))


@app.get("/names")
async def read_names(
    ids: Annotated[list[int], Query()], session: DbSession
) -> list[str]:
    # list[int] from ?ids=1&ids=3: FastAPI converts each item before the route runs
    query = text("SELECT name FROM users WHERE id = ANY(:ids) ORDER BY id")
    return list(await session.scalars(query, {"ids": ids}))


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_client(app, postgres=True) as (_, client):
        print((await client.get("/names?ids=1&ids=3")).json())
        #> ['Ada Lovelace', 'Linus Torvalds']
        response = await client.get("/names?ids=1,3")
        print(response.status_code, response.json()["detail"][0]["msg"])
        #> 422 Input should be a valid integer, unable to parse string as an integer


asyncio.run(main())
