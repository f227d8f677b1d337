"""Which asyncpg options a DATABASE_URL may carry: the settings accept exactly the ones that
work when SQLAlchemy hands them to asyncpg.connect() as text, checked on the real server."""

from __future__ import annotations

import inspect
import re

import asyncpg
import pytest
from pydantic import ValidationError
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.settings import ASYNCPG_URL_OPTIONS, Settings
from tests.pages import shown_table

# asyncpg.connect() parameters that are not URL query options, and why.
NOT_QUERY_OPTIONS = {
    "dsn": "the URL itself",
    "host": "part of the URL (a query host= is a Unix socket folder, tested below)",
    "port": "part of the URL",
    "user": "part of the URL",
    "password": "part of the URL",
    "database": "part of the URL",
    "loop": "an object",
    "connection_class": "an object",
    "record_class": "an object",
    "server_settings": "a dict (use connect_args)",
}
# A text value for every other parameter, as it would appear in a URL.
SAMPLE = {
    "passfile": "/nonexistent/pgpass",
    "service": "guide",
    "servicefile": "/nonexistent/pg_service.conf",
    "timeout": "10",
    "statement_cache_size": "0",
    "max_cached_statement_lifetime": "0",
    "max_cacheable_statement_size": "1024",
    "command_timeout": "5",
    "ssl": "prefer",
    "direct_tls": "false",
    "target_session_attrs": "any",
    "krbsrvname": "postgres",
    "gsslib": "gssapi",
    # SQLAlchemy's own option, converted with int() by its asyncpg dialect.
    "prepared_statement_cache_size": "100",
}


def test_every_asyncpg_parameter_is_sampled_or_excluded_with_a_reason() -> None:
    parameters = set(inspect.signature(asyncpg.connect).parameters)
    assert parameters == (set(SAMPLE) - {"prepared_statement_cache_size"}) | set(
        NOT_QUERY_OPTIONS
    )


async def works(url: str, name: str, value: str) -> bool:
    engine = create_async_engine(make_url(url).update_query_dict({name: value}))
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_the_settings_accept_exactly_the_options_that_work(
    database_url: str,
) -> None:
    working = {
        name for name, value in SAMPLE.items() if await works(database_url, name, value)
    }
    # host= in the query is how the embedded server's Unix socket is reached at all.
    assert "host" in make_url(database_url).query
    assert working | {"host"} == ASYNCPG_URL_OPTIONS
    # The page's table says the same, in both columns.
    (row,) = shown_table("setup/configuration.md", "url-options")
    in_url, in_code = (set(re.findall(r"`(\w+)`", cell)) for cell in row.values())
    assert in_url - {"sslmode"} == ASYNCPG_URL_OPTIONS
    assert in_code == set(SAMPLE) - working | {"server_settings"}
    for name, value in SAMPLE.items():
        url = make_url(database_url).update_query_dict({name: value})
        if name in working:
            assert Settings(database_url=url).database_url.query[name] == value
        else:
            with pytest.raises(ValidationError, match=name):
                Settings(database_url=url)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_command_timeout_from_the_url_reaches_the_driver(
    database_url: str,
) -> None:
    url = Settings(database_url=f"{database_url}&command_timeout=5").database_url
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert raw.driver_connection._config.command_timeout == 5.0  # type: ignore[union-attr]
    await engine.dispose()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_why_numbers_and_bools_stay_in_code(database_url: str) -> None:
    """The page's two examples of options that text cannot carry."""
    for name, value, expected in [
        ("statement_cache_size", "0", "'<' not supported between instances of 'str'"),
        # "false" is truthy text: asyncpg takes it as True.
        ("direct_tls", "false", "direct TLS requires sslmode=require"),
    ]:
        engine = create_async_engine(
            make_url(database_url).update_query_dict({name: value})
        )
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the message is checked
            async with engine.connect():
                pass
        await engine.dispose()
        assert expected in str(raised.value)
