"""Why a first connection fails, by the driver's exception: docs/mistakes/index.md."""

# --8<-- [start:why_not]
from sqlalchemy import URL
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.database import driver_error


async def why_not(url: URL) -> str:
    """The driver's error for a first connection to `url`: its class names the cause."""
    engine = create_async_engine(url)
    try:
        async with engine.connect():
            return "connected"
    except Exception as exc:
        reason = driver_error(exc)  # SQLAlchemy's wrapper hides the driver's class
        return f"{type(reason).__name__}: {reason}"
    finally:
        await engine.dispose()


# --8<-- [end:why_not]
