import asyncio

from asgi_lifespan import LifespanManager
from fastapi import HTTPException
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select

from snippets.app import DbSession, create_app
from snippets.models import User
from snippets.settings import Settings


async def main() -> None:
    # --8<-- [start:pattern]
    app = create_app(Settings(db_migrate_on_startup=True))

    @app.post("/import")
    async def import_users(session: DbSession) -> None:
        session.add(User(email="a@example.com", name="A"))
        await session.flush()  # the first row reaches the database
        session.add(User(email="a@example.com", name="B"))  # a duplicate email
        await session.flush()
        raise HTTPException(500, "not reached")

    async with LifespanManager(app) as manager:
        transport = ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            print((await client.post("/import")).status_code)
            #> 500
        async with app.state.session_factory() as session:
            print(await session.scalar(select(func.count()).select_from(User)))
            #> 0
        print(app.state.engine.pool.checkedout())
        #> 0
    # --8<-- [end:pattern]


asyncio.run(main())
