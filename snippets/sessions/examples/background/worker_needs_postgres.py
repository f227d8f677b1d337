import asyncio

from snippets.sessions.background import run_worker
from snippets.settings import Settings


async def main() -> None:
    # --8<-- [start:pattern]
    settings = Settings(database_url="sqlite:///./jobs.db")
    try:
        await run_worker(settings)
    except ValueError as exc:
        print(f"{type(exc).__name__}: {exc}")
        #> ValueError: the worker needs PostgreSQL (FOR UPDATE SKIP LOCKED)
    # --8<-- [end:pattern]


asyncio.run(main())
