import asyncio

from sqlalchemy import select
from starlette.requests import Request

from snippets.app import create_app
from snippets.database import get_db
from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    app = create_app()
    async with sample_db() as (_, sessions):
        app.state.session_factory = sessions
        request = Request({"type": "http", "app": app})
        # --8<-- [start:pattern]
        dependency = get_db(request)  # a function that yields: an async generator
        try:
            await dependency.scalar(select(User.name))  # type: ignore[attr-defined]
        except AttributeError as exc:
            print(f"{type(exc).__name__}: {exc}")
            #> AttributeError: 'async_generator' object has no attribute 'scalar'
        async with sessions() as session:  # outside a request: the factory itself
            print(await session.scalar(select(User.name).order_by(User.id)))
            #> Ada Lovelace
        # --8<-- [end:pattern]


asyncio.run(main())
