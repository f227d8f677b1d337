"""An app's HTTP routes on the sample data: for the examples that call an API."""

# --8<-- [start:sample_client]
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncEngine

from snippets.sample import sample_db


@asynccontextmanager
async def sample_client(
    app: FastAPI, *, postgres: bool = False
) -> AsyncIterator[tuple[AsyncEngine, AsyncClient]]:
    """`app` with its lifespan run and its requests reading `sample_db()`'s database,
    and an HTTP client that calls it in this process (no server, no port)."""
    async with (
        sample_db(postgres=postgres) as (engine, sessions),
        # ASGITransport alone runs no lifespan; LifespanManager runs it, as servers do.
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        # After startup: the app's get_db opens its sessions on the sample database.
        app.state.session_factory = sessions
        yield engine, client


# --8<-- [end:sample_client]
