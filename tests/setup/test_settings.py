"""snippets/settings.py: URL normalisation, defaults, .env, and the password kept out of sight."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.settings import Settings, to_async_url

SECRET = "s3cr3t-pa55"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
        ("postgresql://u:p@h:5432/d", "postgresql+asyncpg://u:p@h:5432/d"),
        ("postgresql+psycopg://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
        ("postgresql+psycopg2://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
        ("postgresql+asyncpg://u:p@h/d", "postgresql+asyncpg://u:p@h/d"),
        (
            "postgresql://u:p@h/d?sslmode=verify-full",
            "postgresql+asyncpg://u:p@h/d?ssl=verify-full",
        ),
        ("  postgresql://u:p@h/d\n", "postgresql+asyncpg://u:p@h/d"),
        ("sqlite:///./app.db", "sqlite+aiosqlite:///./app.db"),
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
    ],
)
def test_urls_are_switched_to_async_drivers(given: str, expected: str) -> None:
    url = Settings(database_url=given).database_url
    assert url.render_as_string(hide_password=False) == expected


def test_a_url_object_is_accepted_as_is() -> None:
    url = make_url("postgresql+asyncpg://u:p@h/d")
    assert to_async_url(url) == url


def test_environment_and_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DB_ECHO", raising=False)
    with pytest.raises(ValidationError, match="DATABASE_URL is not set"):
        Settings()
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./app.db")
    assert Settings().db_echo is False
    monkeypatch.delenv("DATABASE_URL")
    (tmp_path / ".env").write_text(
        "DATABASE_URL=postgres://u:p@from-dotenv/d\nDB_ECHO=true\n"
    )
    assert Settings().database_url.host == "from-dotenv"
    assert Settings().db_echo is True
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@from-env/d")
    assert Settings().database_url.host == "from-env"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            f"postgresql://app:{SECRET}@db:54x2/shop",
            "DATABASE_URL is not a database URL",
        ),
        (f"://app:{SECRET}@db/shop", "DATABASE_URL is not a database URL"),
        (f"mysql://app:{SECRET}@db/shop", "unsupported scheme 'mysql'"),
        ("", "DATABASE_URL is not a database URL"),
    ],
)
def test_bad_urls_fail_with_a_clear_message_and_no_password(
    given: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", given)
    with pytest.raises(ValidationError) as raised:
        Settings()
    text = str(raised.value)
    assert message in text
    assert SECRET not in text
    assert SECRET not in repr(raised.value)


def test_non_string_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL must be a string"):
        Settings(database_url=42)


def test_password_never_appears_in_repr_str_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(database_url=f"postgresql://app:{SECRET}@db.example.com/shop")
    logging.getLogger("app").warning(
        "starting with %s / %r", settings, settings.database_url
    )
    for shown in (
        repr(settings),
        str(settings),
        caplog.text,
        str(settings.database_url),
    ):
        assert SECRET not in shown
        assert "***" in shown
    assert settings.database_url.password == SECRET  # the engine still gets it


@pytest.mark.parametrize(
    "option", ["channel_binding=require", "connect_timeout=10", "options=-c%20x%3Dy"]
)
def test_libpq_only_url_options_are_refused_at_startup(option: str) -> None:
    name = option.split("=")[0]
    with pytest.raises(
        ValidationError, match=f"DATABASE_URL option\\(s\\) {name}: asyncpg"
    ):
        Settings(database_url=f"postgresql://app:{SECRET}@db.example.com/shop?{option}")


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize(
    "options",
    [
        {"sslmode": "disable"},
        {"ssl": "disable"},
        {"target_session_attrs": "any"},
        {"prepared_statement_cache_size": "0"},
    ],
)
async def test_every_accepted_url_option_connects(
    database_url: str, options: dict[str, str]
) -> None:
    url = make_url(database_url).update_query_dict(options)
    engine = create_async_engine(Settings(database_url=url).database_url)
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT 1")) == 1
    await engine.dispose()


def test_a_bad_migrations_url_is_named_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./app.db")
    monkeypatch.setenv("MIGRATIONS_DATABASE_URL", f"mysql://app:{SECRET}@db/shop")
    with pytest.raises(ValidationError) as raised:
        Settings()
    message = raised.value.errors()[0]["msg"]
    assert message.startswith(
        "Value error, MIGRATIONS_DATABASE_URL uses the unsupported"
    )
    assert SECRET not in str(raised.value)


@pytest.mark.parametrize("given", ["", "short-but-secret", "x" * 31])
def test_a_short_or_empty_cursor_secret_is_refused_without_printing_it(
    given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./app.db")
    monkeypatch.setenv("CURSOR_SECRET", given)
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)
    text = str(raised.value)
    assert "CURSOR_SECRET must be at least 32 characters" in text
    if given:
        assert given not in text
        assert given not in repr(raised.value)
        # The page: errors() keeps the input, errors(include_input=False) does not.
        assert raised.value.errors()[0]["input"] == given
        assert given not in str(raised.value.errors(include_input=False))


def test_the_cursor_secret_is_read_from_the_environment_and_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///./app.db")
    assert Settings(_env_file=None).cursor_secret is None  # the app warns, see test_app
    monkeypatch.setenv("CURSOR_SECRET", "k" * 32)
    settings = Settings(_env_file=None)
    assert settings.cursor_secret is not None
    assert settings.cursor_secret.get_secret_value() == "k" * 32
    assert "k" * 32 not in f"{settings} {settings!r}"
