"""Every route the guide ships for readers to copy, in one app: what the fuzz tests call.

`uvicorn tests.setup.every_route:app` serves it (settings from the environment, as the
reference app reads them); the regression tests build it with `create_every_route_app`.
"""

from fastapi import FastAPI

from snippets.app import create_app
from snippets.queries.filters import router as search
from snippets.relationships.api import router as authors
from snippets.sessions.background import router as welcome
from snippets.settings import Settings


def create_every_route_app(settings: Settings | None = None) -> FastAPI:
    """The reference app, plus the routers of the queries, relationships and sessions chapters."""
    app = create_app(settings)
    for router in (search, authors, welcome):
        app.include_router(router)
    return app


app = create_every_route_app()
