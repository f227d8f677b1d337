"""docs/pooling/index.md: both settings tables against the installed libraries."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import Pool

from snippets.database import create_engine
from snippets.pooling.presets import PRESETS, create_engine_for
from snippets.settings import Settings
from tests.pages import shown_table

URL = "postgresql+asyncpg://u:p@h/d"

READ_POOL: dict[str, Callable[[Pool], Any]] = {
    "poolclass": lambda pool: type(pool).__name__,
    "pool_size": lambda pool: pool._pool.maxsize,  # type: ignore[attr-defined]
    "max_overflow": lambda pool: pool._max_overflow,  # type: ignore[attr-defined]
    "pool_timeout": lambda pool: pool.timeout(),  # type: ignore[attr-defined]
    "pool_recycle": lambda pool: pool._recycle,
    "pool_pre_ping": lambda pool: pool._pre_ping,
    "pool_use_lifo": lambda pool: pool._pool.use_lifo,  # type: ignore[attr-defined]
    "pool_reset_on_return": lambda pool: pool._reset_on_return.name.removeprefix(
        "reset_"
    ),
    "echo_pool": lambda pool: bool(pool.echo),
}


def table(name: str, key: str) -> dict[str, dict[str, str]]:
    return {row[key].strip("`"): row for row in shown_table("pooling/index.md", name)}


def test_engine_table_defaults_are_sqlalchemys() -> None:
    rows = table("engine-knobs", "knob")
    assert set(rows) == set(READ_POOL)
    pool = create_async_engine(URL).pool
    for knob, read in READ_POOL.items():
        assert rows[knob]["default"] == str(read(pool)), knob
    # The pool's own signature agrees with what the engine built.
    signature = inspect.signature(Pool.__init__).parameters
    assert signature["recycle"].default == pool._recycle
    assert signature["pre_ping"].default == pool._pre_ping


def test_engine_table_shows_the_guides_engine() -> None:
    rows = table("engine-knobs", "knob")
    pool = create_engine(Settings(database_url=URL)).pool
    for knob, read in READ_POOL.items():
        assert rows[knob]["this guide"] == str(read(pool)), knob


class Captured(Exception):
    """Raised instead of connecting, once the connect arguments are known."""


async def asyncpg_arguments(engine: AsyncEngine) -> dict[str, Any]:
    """The keyword arguments the engine would hand to asyncpg.connect()."""
    captured: dict[str, Any] = {}

    @event.listens_for(engine.sync_engine, "do_connect")
    def capture(
        dialect: object, record: object, cargs: object, cparams: dict[str, Any]
    ) -> None:
        captured.update(cparams)
        raise Captured

    with pytest.raises(Captured):
        await engine.connect()
    return captured


async def test_driver_table_defaults_and_the_guides_values() -> None:
    rows = table("driver-knobs", "option")
    connect = inspect.signature(asyncpg.connect).parameters
    adapter = inspect.signature(AsyncAdapt_asyncpg_connection.__init__).parameters
    defaults = {name: (connect.get(name) or adapter[name]).default for name in rows}
    for name, row in rows.items():
        assert row["default"] == str(defaults[name]), name
    guide = await asyncpg_arguments(create_engine(Settings(database_url=URL)))
    for name, row in rows.items():
        assert row["this guide"] == str(guide.get(name, defaults[name])), name


def test_future_true_is_accepted_and_false_is_refused() -> None:
    assert isinstance(create_async_engine(URL, future=True), AsyncEngine)
    with pytest.raises(ArgumentError, match="may only be set to True"):
        create_async_engine(URL, future=False)


def test_presets_table_is_the_code() -> None:
    rows = table("presets", "deployment")
    assert set(rows) == set(PRESETS)
    for deployment, options in PRESETS.items():
        shown = ", ".join(
            f"{key}={getattr(value, '__name__', value)}"
            for key, value in options.items()
        )
        assert rows[deployment]["settings"] == f"`{shown}`", deployment


@pytest.mark.parametrize("deployment", list(PRESETS))
@pytest.mark.parametrize("backend", ["postgres"])
async def test_each_preset_serves_queries(deployment: str, settings: Settings) -> None:
    engine = create_engine_for(deployment, settings)
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT 1")) == 1
    await engine.dispose()
