import asyncio
from typing import Annotated

from fastapi import BackgroundTasks, Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.app import DbSession
from snippets.database import get_db
from snippets.models import User
from snippets.sample import sample_db

# --8<-- [start:pattern]
app = FastAPI()
seen: list[str] = []


async def count_users(session: AsyncSession, route: str) -> None:
    seen.append(f"{route}: in the request's transaction: {session.in_transaction()}")
    try:
        seen.append(f"{await session.scalar(select(func.count(User.id)))} users")
    except InvalidRequestError as exc:
        seen.append(f"{type(exc).__name__}: {exc}")


@app.post("/function")  # the guide's DbSession: Depends(get_db, scope="function")
async def function_scope(session: DbSession, tasks: BackgroundTasks) -> None:
    await session.get(User, 1)
    tasks.add_task(count_users, session, "/function")


@app.post("/request")  # get_db at the default scope
async def request_scope(
    session: Annotated[AsyncSession, Depends(get_db)], tasks: BackgroundTasks
) -> None:
    await session.get(User, 1)
    tasks.add_task(count_users, session, "/request")


async def main() -> None:
    async with sample_db() as (_, sessions):
        app.state.session_factory = sessions  # what the app's lifespan sets
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            await client.post("/function")
            await client.post("/request")
        print("\n".join(seen))
        """
        /function: in the request's transaction: False
        InvalidRequestError: This Session has been permanently closed and is unable to handle any more transaction requests.
        /request: in the request's transaction: True
        3 users
        """
        # --8<-- [end:pattern]


asyncio.run(main())
