"""Check a setup end to end against DATABASE_URL: `python -m snippets.setup.verify`."""

# --8<-- [start:verify]
import asyncio
import logging
import sys

from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from snippets.app import app
from snippets.database import DatabaseUnavailableError, close_db, create_engine
from snippets.settings import Settings


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def echo_logs_sql(settings: Settings) -> bool:
    """With DB_ECHO on, the engine logs each statement it sends."""
    collect = _Collect()
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    logger.addHandler(collect)
    engine = create_engine(settings.model_copy(update={"db_echo": True}))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 42"))
    finally:
        await close_db(engine)
        logger.removeHandler(collect)
    return "SELECT 42" in collect.messages


async def verify(settings: Settings) -> list[tuple[str, bool]]:
    """The seed's checklist, run instead of ticked."""
    results = []
    transport = ASGITransport(app=app)
    # Entering the lifespan connects and creates the tables, or raises a clear error.
    async with (
        app.router.lifespan_context(app),
        AsyncClient(transport=transport, base_url="http://app") as client,
    ):
        results.append(("app starts without connection errors", True))
        users = await client.get("/users")
        results.append(
            ("GET /users answers (an empty list is fine)", users.status_code == 200)
        )
        health = await client.get("/health")
        results.append(("GET /health answers 200", health.status_code == 200))
    results.append(("SQL echo shows queries", await echo_logs_sql(settings)))
    return results


def main() -> int:
    try:
        results = asyncio.run(verify(Settings()))
    except DatabaseUnavailableError as exc:
        results = [(f"app starts without connection errors: {exc}", False)]
    for check, passed in results:
        print(f"{'ok  ' if passed else 'FAIL'} {check}")
    return 0 if all(passed for _, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
# --8<-- [end:verify]
