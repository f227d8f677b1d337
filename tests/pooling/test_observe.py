"""The reference app's /health/pool, and pool_numbers for pools without numbers."""

from __future__ import annotations

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.app import create_app
from snippets.database import close_db, create_engine
from snippets.migrations.startup import upgrade_to_head
from snippets.pooling.observe import pool_numbers
from snippets.settings import Settings
from tests.pages import shown_output


async def test_the_app_reports_its_pool(settings: Settings) -> None:
    # The schema first, on an engine of its own: the app's pool then holds only what its
    # requests opened.
    engine = create_engine(settings)
    await upgrade_to_head(engine)
    await close_db(engine)
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
    ):
        assert (await client.get("/users")).status_code == 200
        async with app.state.engine.connect():  # a request in progress
            held_response = await client.get("/health/pool")
            held = held_response.json()
        idle = (await client.get("/health/pool")).json()
    assert held == {"size": 5, "checked_out": 1, "idle": 0, "overflow": -4}
    assert held_response.text == shown_output("pooling/index.md", "pool-health")
    assert idle == {"size": 5, "checked_out": 0, "idle": 1, "overflow": -4}


def test_pools_without_numbers_report_none() -> None:
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=NullPool)
    assert pool_numbers(engine) == {}
