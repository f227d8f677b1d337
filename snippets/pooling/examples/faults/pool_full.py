import asyncio
import time

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from snippets.app import create_app
from snippets.sample import examples_url
from snippets.settings import Settings


async def main() -> None:
    # --8<-- [start:pattern]
    settings = Settings(
        database_url=examples_url(postgres=True),
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout=0.5,
    )
    app = create_app(settings)
    async with (
        LifespanManager(app) as manager,
        AsyncClient(
            transport=ASGITransport(app=manager.app), base_url="http://app"
        ) as client,
        app.state.engine.connect(),  # a slow request holds the only connection
    ):
        started = time.monotonic()
        response = await client.get("/users")
        print(response.status_code, response.headers["retry-after"], response.json())
        #> 503 1 {'detail': 'database busy, retry shortly'}
        print(time.monotonic() - started < 2)
        #> True
    # --8<-- [end:pattern]


asyncio.run(main())
