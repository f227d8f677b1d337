import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.deploying.observability import log_slow_statements
from snippets.sample import examples_url


async def main() -> None:
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    # --8<-- [start:pattern]
    # hide_parameters: SQLAlchemy's error messages leave the values out too.
    engine = create_async_engine(examples_url(postgres=True), hide_parameters=True)
    log_slow_statements(engine, threshold=0.2)
    token = {"token": "s3cret-token"}
    async with engine.connect() as conn:
        await conn.execute(text("SELECT length(:token)"), token)  # fast: not logged
        await conn.execute(text("SELECT pg_sleep(0.3), length(:token)"), token)
        await conn.execute(text("SET statement_timeout = '250ms'"))
        try:
            await conn.execute(text("SELECT pg_sleep(1), length(:token)"), token)
        except DBAPIError as exc:
            logging.getLogger("app").error("request failed: %s", exc)
    # --8<-- [end:pattern]
    await engine.dispose()


asyncio.run(main())
