"""Check a setup end to end against DATABASE_URL: `python -m snippets.setup.verify`."""

# --8<-- [start:verify]
import asyncio
import logging
import sys

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from pydantic import ValidationError
from sqlalchemy import Connection, text

from snippets.app import create_app
from snippets.database import DatabaseUnavailableError, close_db, create_engine
from snippets.migrations.startup import alembic_config
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


def _at_head(connection: Connection) -> bool:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(heads)


def read_only(settings: Settings) -> Settings:
    """The same settings, unable to write: no migrations at startup, and a SQLite file
    opened read-only (SQLite would otherwise create a missing file)."""
    url = settings.database_url
    if url.get_backend_name() == "sqlite" and url.database not in (
        None,
        "",
        ":memory:",
    ):
        url = url.set(database=f"file:{url.database}").update_query_dict(
            {"mode": "ro", "uri": "true"}
        )
    return settings.model_copy(
        update={"database_url": url, "db_migrate_on_startup": False}
    )


async def verify(settings: Settings) -> list[tuple[str, bool]]:
    """The seed's checklist, run instead of ticked. It only reads."""
    settings = read_only(settings)
    app = create_app(settings)
    try:
        # Starting the app connects, or raises a clear error.
        async with LifespanManager(app) as manager:
            async with app.state.engine.connect() as connection:
                migrated = await connection.run_sync(_at_head)
            # A failing route answers 500, as it would to a client, instead of raising.
            transport = ASGITransport(app=manager.app, raise_app_exceptions=False)
            async with AsyncClient(
                transport=transport, base_url="http://app"
            ) as client:
                users = await client.get("/users")
                health = await client.get("/health")
    except DatabaseUnavailableError as exc:
        return [(f"app starts without connection errors: {exc}", False)]
    return [
        ("app starts without connection errors", True),
        ("the schema is at the latest migration (alembic upgrade head)", migrated),
        ("GET /users answers (an empty page is fine)", users.status_code == 200),
        ("GET /health answers 200", health.status_code == 200),
        ("with DB_ECHO=true, the engine logs its SQL", await echo_logs_sql(settings)),
    ]


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"FAIL settings: {exc}")
        return 1
    results = asyncio.run(verify(settings))
    for check, passed in results:
        print(f"{'ok  ' if passed else 'FAIL'} {check}")
    return 0 if all(passed for _, passed in results) else 1


if __name__ == "__main__":
    sys.exit(main())
# --8<-- [end:verify]
