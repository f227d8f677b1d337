from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from snippets.app import DbSession
from snippets.models import User
from snippets.sample import sample_db
from snippets.sessions.index import TestClient


# --8<-- [start:pattern]
@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Runs on the loop that serves the app: TestClient's, inside `with`.
    async with sample_db() as (_, sessions):  # the engine, made and disposed here
        app.state.session_factory = sessions
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/users/{user_id}/name")
async def user_name(user_id: int, session: DbSession) -> str:
    return (await session.get_one(User, user_id)).name


def main() -> None:
    with TestClient(app) as client:  # `with` runs the lifespan
        print(client.get("/users/1/name").json(), client.get("/users/2/name").json())
        #> Ada Lovelace Grace Hopper


# --8<-- [end:pattern]


def without_with() -> None:
    # --8<-- [start:without_with]
    try:
        TestClient(app).get("/users/1/name")  # no `with`: no lifespan
    except AttributeError as exc:
        print(f"AttributeError: {exc}")
        #> AttributeError: 'State' object has no attribute 'session_factory'
    # --8<-- [end:without_with]


without_with()
main()
