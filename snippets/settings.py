"""Application settings, read from the environment or a `.env` file."""

# --8<-- [start:settings]
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
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


def to_async_url(value: object, name: str = "DATABASE_URL") -> URL:
    """Parse a database URL and switch it to an async driver.

    Error messages name the setting, never the URL itself: it may hold a password.
    """
    if isinstance(value, URL):
        url = value
    elif isinstance(value, str):
        try:
            url = make_url(value.strip())
        except (ArgumentError, ValueError):
            raise ValueError(
                f"{name} is not a database URL; expected a form like "
                "postgresql://user:password@host:5432/dbname or sqlite:///./app.db"
            ) from None
    else:
        raise ValueError(f"{name} must be a string")
    driver = ASYNC_DRIVERS.get(url.drivername)
    if driver is None:
        raise ValueError(
            f"{name} uses the unsupported scheme {url.drivername!r}; "
            f"use one of: {', '.join(sorted(ASYNC_DRIVERS))}"
        )
    url = url.set(drivername=driver)
    if driver == "postgresql+asyncpg":
        url = _asyncpg_query(url, name)
    return url


# URL options asyncpg.connect() accepts as text (SQLAlchemy passes the query to it as
# keyword arguments). Others, such as timeout or statement_cache_size, must be numbers:
# pass those in create_engine()'s connect_args.
ASYNCPG_URL_OPTIONS = {
    "host",
    "ssl",
    "target_session_attrs",
    "command_timeout",
    "passfile",
    "service",
    "servicefile",
    "krbsrvname",
    "gsslib",
    "prepared_statement_cache_size",
}


def _asyncpg_query(url: URL, name: str) -> URL:
    if "sslmode" in url.query:
        # libpq's `sslmode` is asyncpg's `ssl`, with the same values.
        url = url.difference_update_query(["sslmode"]).update_query_dict(
            {"ssl": url.query["sslmode"]}
        )
    unsupported = sorted(set(url.query) - ASYNCPG_URL_OPTIONS)
    if unsupported:
        raise ValueError(
            f"{name} option(s) {', '.join(unsupported)}: asyncpg does not take "
            "these as text from a URL; remove them, or pass the asyncpg equivalent "
            "in create_engine()'s connect_args"
        )
    return url


def _setting_url(value: object, info: ValidationInfo) -> URL:
    # Errors name the setting that failed: DATABASE_URL or MIGRATIONS_DATABASE_URL.
    return to_async_url(value, (info.field_name or "database_url").upper())


# NoDecode: URL is a tuple underneath, which pydantic-settings would parse as JSON.
AsyncDatabaseURL = Annotated[URL, BeforeValidator(_setting_url), NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        # A rejected value must not be echoed back: DATABASE_URL holds the password.
        hide_input_in_errors=True,
        arbitrary_types_allowed=True,
    )

    # No default: a deployment that forgets DATABASE_URL (or misspells it) stops at
    # startup instead of serving from a local file. (`python -m snippets.app`, the
    # development command, sets one.)
    database_url: AsyncDatabaseURL
    db_echo: bool = False
    # Tables come from migrations only; this runs `alembic upgrade head` at startup.
    db_migrate_on_startup: bool = False
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_timeout: float = 30.0
    db_pool_recycle: int = 1800
    # Migrations may run as a role that can change the schema; the app's role need not.
    migrations_database_url: AsyncDatabaseURL | None = None
    # Signs the cursors of GET /users. Unset, each process draws a random key at
    # startup (and logs a warning): its cursors answer 400 on another worker, or after
    # a restart. Set the same value on every process that serves the API.
    # repr=False: a repr then says nothing about it, not even that one is set.
    cursor_secret: SecretStr | None = Field(default=None, repr=False)

    @field_validator("cursor_secret")
    @classmethod
    def _cursor_secret_is_long(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "CURSOR_SECRET must be at least 32 characters, e.g. the output of "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _database_url_is_set(cls, values: Any) -> Any:
        if isinstance(values, dict) and values.get("database_url") is None:
            raise ValueError(
                "DATABASE_URL is not set: set it (or put it in .env) to the database "
                "this app uses, e.g. postgresql://user:password@host:5432/dbname"
            )
        return values

    @property
    def migrations_url(self) -> URL:
        return self.migrations_database_url or self.database_url


# --8<-- [end:settings]
