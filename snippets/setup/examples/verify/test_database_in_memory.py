import asyncio
from collections.abc import AsyncIterator

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from snippets.app import create_app
from snippets.database import get_db
from snippets.models import Base, User
from snippets.settings import Settings

# --8<-- [start:pattern]
test_engine = create_async_engine("sqlite+aiosqlite://")
test_sessions = async_sessionmaker(test_engine, expire_on_commit=False)


async def test_db() -> AsyncIterator[AsyncSession]:
    async with test_sessions() as session:
        yield session


async def main() -> None:
    # The app's own engine (in-memory, separate) is never used by a request.
    app = create_app(Settings(database_url="sqlite+aiosqlite://"))
    app.dependency_overrides[get_db] = test_db
    async with test_engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://test"
        ) as client,
    ):
        await client.post("/users", json={"email": "t@example.com", "name": "Test"})
    async with test_sessions() as session:
        print(await session.scalar(select(User.name)))
        #> Test
    await test_engine.dispose()


# --8<-- [end:pattern]


asyncio.run(main())
