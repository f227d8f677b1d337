import asyncio
from typing import Annotated

from asgi_lifespan import LifespanManager
from fastapi import Query
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from snippets.app import DbSession, create_app
from snippets.sample import sample_db
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
    async with (
        sample_db(postgres=True) as (_, sessions),
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        app.state.session_factory = sessions  # requests read the sample data
        print((await client.get("/names?ids=1&ids=3")).json())
        #> ['Ada Lovelace', 'Linus Torvalds']
        response = await client.get("/names?ids=1,3")
        print(response.status_code, response.json()["detail"][0]["msg"])
        #> 422 Input should be a valid integer, unable to parse string as an integer


asyncio.run(main())
