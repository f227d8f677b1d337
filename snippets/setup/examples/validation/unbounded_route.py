# --8<-- [start:route]
import asyncio

from snippets.app import DbSession, create_app
from snippets.models import User
from snippets.sample_client import sample_client
from snippets.settings import Settings

app = create_app(Settings(database_url="sqlite+aiosqlite://"))


@app.get("/unbounded/{user_id}")
async def read_name(user_id: int, session: DbSession) -> str | None:  # no bound
    user = await session.get(User, user_id)
    return None if user is None else user.name


# --8<-- [end:route]


async def main() -> None:
    async with sample_client(app) as (_, client):
        # --8<-- [start:pattern]
        for user_id in (3_000_000_000, 2**65):
            try:
                response = await client.get(f"/unbounded/{user_id}")
                print(response.status_code, response.json())
            except OverflowError as exc:  # what a server logs, with a 500
                print(f"{type(exc).__name__}: {exc}")
        # --8<-- [end:pattern]


asyncio.run(main())
