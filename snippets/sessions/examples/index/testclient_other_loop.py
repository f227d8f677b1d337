import asyncio

from fastapi import FastAPI

from snippets.app import DbSession
from snippets.models import User
from snippets.sample import sample_db
from snippets.sessions.index import TestClient

# --8<-- [start:pattern]
app = FastAPI()


@app.get("/users/{user_id}/name")
async def user_name(user_id: int, session: DbSession) -> str:
    return (await session.get_one(User, user_id)).name


async def main() -> None:
    async with sample_db() as (_, sessions):  # made, and connected, on this loop
        app.state.session_factory = sessions  # as an async fixture would
        with TestClient(app) as client:  # runs the app on a loop of its own
            try:
                print(client.get("/users/1/name").json())
            except RuntimeError as exc:
                message = str(exc)  # starts with the task, whose address varies
                print(f"RuntimeError: ... {message[message.index('got Future') :]}")


# --8<-- [end:pattern]


asyncio.run(main())
