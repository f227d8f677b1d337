"""Application settings, read from the environment or a `.env` file."""

# --8<-- [start:settings]
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import URL, make_url
from sqlalchemy.exc import ArgumentError

# Hosting providers hand out these schemes; SQLAlchemy 2.1 would pick psycopg (or fail
# on "postgres"), so every PostgreSQL spelling is pinned to this app's async driver.
ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}


def to_async_url(value: object) -> URL:
    """Parse a database URL and switch it to an async driver.

    Error messages never contain the URL itself: it may hold a password.
    """
    if isinstance(value, URL):
        url = value
    elif isinstance(value, str):
        try:
            url = make_url(value.strip())
        except (ArgumentError, ValueError):
            raise ValueError(
                "DATABASE_URL is not a database URL; expected a form like "
                "postgresql://user:password@host:5432/dbname or sqlite:///./app.db"
            ) from None
    else:
        raise ValueError("DATABASE_URL must be a string")
    driver = ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(
            f"DATABASE_URL uses the unsupported scheme {url.drivername!r}; "
            f"use one of: {', '.join(sorted(ASYNC_DRIVERS))}"
        )
    url = url.set(drivername=driver)
    if driver == "postgresql+asyncpg" and "sslmode" in url.query:
        # asyncpg calls libpq's `sslmode` option `ssl` and rejects the libpq name.
        url = url.difference_update_query(["sslmode"]).update_query_dict(
            {"ssl": url.query["sslmode"]}
        )
    return url


# NoDecode: URL is a tuple underneath, which pydantic-settings would parse as JSON.
AsyncDatabaseURL = Annotated[URL, BeforeValidator(to_async_url), NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        # A rejected value must not be echoed back: DATABASE_URL holds the password.
        hide_input_in_errors=True,
        arbitrary_types_allowed=True,
    )

    database_url: AsyncDatabaseURL = make_url("sqlite+aiosqlite:///./app.db")
    db_echo: bool = False
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_timeout: float = 30.0
    db_pool_recycle: int = 1800


# --8<-- [end:settings]
