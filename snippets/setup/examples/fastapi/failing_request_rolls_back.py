import asyncio

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select

from snippets.app import DbSession, create_app
from snippets.models import User
from snippets.settings import Settings

# --8<-- [start:pattern]
app = create_app(Settings(db_migrate_on_startup=True))


@app.post("/import")
async def import_users(session: DbSession) -> None:
    session.add(User(email="ada@example.com", name="Ada"))
    session.add(User(email="grace@example.com", name="Grace"))
    await session.flush()  # both rows are now in the database's transaction
    raise RuntimeError("the third user in the file is malformed")


async def main() -> None:
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app, raise_app_exceptions=False),
            base_url="http://app",
        ) as client,
    ):
        response = await client.post("/import")
        print(response.status_code)
        #> 500
        async with app.state.session_factory() as session:
            print(await session.scalar(select(func.count()).select_from(User)))
            #> 0


# --8<-- [end:pattern]


asyncio.run(main())
