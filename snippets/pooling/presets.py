"""Engine settings per kind of deployment, shown as a table in docs/pooling/index.md."""

# --8<-- [start:presets]
from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from snippets.settings import Settings

PRESETS: dict[str, dict[str, Any]] = {
    # The guide's defaults: enough for one process serving a few dozen requests at once.
    "one app process": {"pool_size": 5, "max_overflow": 10, "pool_pre_ping": True},
    # N processes each hold a pool: 4 x (10 + 5) = 60 fits a 100-connection server.
    "4 worker processes": {"pool_size": 10, "max_overflow": 5, "pool_pre_ping": True},
    # A frozen or recycled instance cannot close idle connections: hold none.
    "serverless, short-lived": {"poolclass": NullPool},
    # Tests start and stop many event loops: no connection outlives its test.
    "tests with a loop per test": {"poolclass": NullPool},
}


def create_engine_for(deployment: str, settings: Settings) -> AsyncEngine:
    return create_async_engine(settings.database_url, **PRESETS[deployment])


# --8<-- [end:presets]
