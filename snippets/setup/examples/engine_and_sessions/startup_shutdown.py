import asyncio

from snippets.database import DatabaseUnavailableError, close_db, create_engine, init_db
from snippets.settings import Settings


async def main() -> None:
    # --8<-- [start:pattern]
    # Nothing listens on port 1.
    engine = create_engine(
        Settings(database_url="postgresql://app:secret@127.0.0.1:1/shop")
    )
    try:
        await init_db(engine, create_tables=True)
    except DatabaseUnavailableError as exc:
        print(exc)
        """
        cannot use the database at postgresql+asyncpg://app:***@127.0.0.1:1/shop: ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 1)
        """
    finally:
        await close_db(engine)
    # --8<-- [end:pattern]


asyncio.run(main())
