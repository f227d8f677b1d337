"""docs/pooling/pgbouncer.md, on real PgBouncers (1.18 and 1.24) in front of the test server."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable

import psycopg
import pytest
from sqlalchemy import URL, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from snippets.database import create_engine
from snippets.pgbouncer import (
    AUTOCOMMIT_REFUSED,
    _refuse_autocommit,
    create_pgbouncer_engine,
)
from snippets.pooling.psycopg import (
    create_psycopg_engine,
    create_psycopg_pgbouncer_engine,
)
from snippets.settings import Settings
from tests import pgbouncer
from tests.mistakes.test_pgbouncer import QUERY, interleave
from tests.pages import page, shown_output, shown_table

pytestmark = pytest.mark.parametrize("backend", ["postgres"])
PAGE = "pooling/pgbouncer.md"

ENGINES: dict[str, Callable[[URL], AsyncEngine]] = {
    "`create_engine`": lambda url: create_engine(Settings(database_url=url)),
    "`create_pgbouncer_engine`": lambda url: create_pgbouncer_engine(
        Settings(database_url=url)
    ),
    "`create_psycopg_engine`": create_psycopg_engine,
    "`create_psycopg_pgbouncer_engine`": create_psycopg_pgbouncer_engine,
}
STATEMENTS = [
    text("SELECT count(*) FROM pg_class"),
    text("SELECT CAST(:x AS integer) + 1").bindparams(x=1),
    text("SELECT current_database()"),
    text("SELECT count(*) FROM pg_namespace"),
]


async def load(engine: AsyncEngine, autocommit: bool) -> Counter[str]:
    """200 reads of four statements, 40 at a time: errors by first line."""
    return await reads(engine, on_connection if autocommit else in_transactions)


Read = Callable[[AsyncEngine], Awaitable[None]]


async def reads(engine: AsyncEngine, read: Read) -> Counter[str]:
    """200 runs of `read`, 40 at a time: errors by first line."""
    errors: Counter[str] = Counter()
    at_once = asyncio.Semaphore(40)

    async def one() -> None:
        async with at_once:
            try:
                await read(engine)
            except (DBAPIError, ArgumentError) as exc:
                message = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                errors[re.sub(r'"[^"]*"', '"…"', message)] += 1

    await asyncio.gather(*(one() for _ in range(200)))
    await engine.dispose()
    return errors


async def four_statements(conn: AsyncConnection | AsyncSession) -> None:
    for statement in STATEMENTS:
        await conn.execute(statement)
    await conn.commit()


async def in_transactions(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await four_statements(conn)


# Every way SQLAlchemy offers to read in AUTOCOMMIT, each one read.
AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


async def on_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execution_options(**AUTOCOMMIT)
        await four_statements(conn)


async def on_engine(engine: AsyncEngine) -> None:
    async with engine.execution_options(**AUTOCOMMIT).connect() as conn:
        await four_statements(conn)


async def session_on_autocommit_engine(engine: AsyncEngine) -> None:
    async with AsyncSession(engine.execution_options(**AUTOCOMMIT)) as session:
        await four_statements(session)


async def session_connection_option(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as session:
        await session.connection(execution_options=AUTOCOMMIT)
        await four_statements(session)


async def engine_updated(engine: AsyncEngine) -> None:
    engine.update_execution_options(**AUTOCOMMIT)
    await in_transactions(engine)


AUTOCOMMIT_WAYS: list[Read] = [
    on_connection,
    on_engine,
    session_on_autocommit_engine,
    session_connection_option,
    engine_updated,
]


def pgbouncer_settings(cell: str) -> dict[str, str]:
    """`a = 1`, `b = 2` -> {"a": "1", "b": "2"}; "defaults" -> {}."""
    pairs = re.findall(r"`(\w+) = (\w+)`", cell)
    assert pairs or cell == "defaults", cell
    return dict(pairs)


ROWS = shown_table(PAGE, "pgbouncer-settings")


@pytest.mark.parametrize("row", ROWS, ids=lambda row: "-".join(list(row.values())[:3]))
async def test_each_row_of_the_table_serves_200_reads(
    database_url: str, row: dict[str, str]
) -> None:
    version = row["PgBouncer"].split()[0]
    driver = "psycopg" if "psycopg" in row["engine"] else "asyncpg"
    assert row["driver"] == driver
    with pgbouncer.pooler(
        make_url(database_url),
        row["`pool_mode`"],
        version=version,
        settings=pgbouncer_settings(row["PgBouncer settings"]),
    ) as url:
        make = ENGINES[row["engine"].split()[0]]
        assert await load(make(url), autocommit=False) == Counter()
        errors = await load(make(url), autocommit=True)
        if row["AUTOCOMMIT"] == "works":
            assert errors == Counter()
        else:
            assert row["AUTOCOMMIT"] == "refused", row
            assert errors == Counter({AUTOCOMMIT_REFUSED: 200})


def test_the_table_covers_every_version_mode_and_driver(backend: str) -> None:
    cases = {(r["PgBouncer"].split()[0], r["`pool_mode`"], r["driver"]) for r in ROWS}
    for version in pgbouncer.BINARIES:
        for driver in ("asyncpg", "psycopg"):
            assert (version, "transaction", driver) in cases
        assert (version, "session", "asyncpg") in cases


async def test_sqlalchemys_default_engine_through_pgbouncer_1_24(
    database_url: str,
) -> None:
    """QueuePool, both statement caches on: no errors, in transactions or not."""
    server = make_url(database_url)
    with pgbouncer.pooler(server, "transaction", version="1.24") as url:
        for autocommit in (False, True):
            assert await load(create_async_engine(url), autocommit) == Counter()
            pinged = create_async_engine(url, pool_pre_ping=True)
            assert await load(pinged, autocommit) == Counter()


@pytest.mark.needs("sqlalchemy>=2.1")
async def test_pgbouncer_1_18_breaks_the_default_engine(database_url: str) -> None:
    server = make_url(database_url)
    with pgbouncer.pooler(server, "transaction", version="1.18") as url:
        errors = await load(create_async_engine(url), autocommit=False)
    assert set(errors) == {'prepared statement "…" does not exist'}


def admin_show(url: URL, what: str) -> list[tuple[str, ...]]:
    """A SHOW command on PgBouncer's admin console (simple query protocol only)."""
    return admin_command(url, f"SHOW {what}")


def admin_table(url: URL, command: str) -> tuple[list[str], list[tuple[str, ...]]]:
    """A command on PgBouncer's admin console: its column names and its rows."""
    with psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        dbname="pgbouncer",
        autocommit=True,
    ) as conn:
        result = conn.pgconn.exec_(command.encode())
        names = [(result.fname(col) or b"").decode() for col in range(result.nfields)]
        rows = [
            tuple(
                (result.get_value(row, col) or b"").decode()
                for col in range(result.nfields)
            )
            for row in range(result.ntuples)
        ]
    return names, rows


def admin_command(url: URL, command: str) -> list[tuple[str, ...]]:
    """A command on PgBouncer's admin console, and the rows it answers."""
    return admin_table(url, command)[1]


def admin_rows(url: URL, command: str) -> list[dict[str, str]]:
    """A command on PgBouncer's admin console, each row by column name."""
    names, rows = admin_table(url, command)
    return [dict(zip(names, row, strict=True)) for row in rows]


async def test_max_prepared_statements_default_is_what_the_page_says(
    database_url: str,
) -> None:
    server = make_url(database_url)
    defaults = {}
    for version in pgbouncer.BINARIES:
        with pgbouncer.pooler(server, "transaction", version=version) as url:
            config = {row[0]: row[1] for row in admin_show(url, "CONFIG")}
            defaults[version] = config.get("max_prepared_statements", "absent")
    assert defaults == {"1.18": "absent", "1.24": "200"}
    assert (
        "1.24.0 turned it on by default (`max_prepared_statements = 200`)"
        in " ".join(page(PAGE).split())
    )


async def prepared_left(server: URL, version: str, **settings: str) -> str:
    """What pg_prepared_statements holds on PgBouncer's one server connection after
    200 concurrent reads of create_pgbouncer_engine."""
    with pgbouncer.pooler(
        server,
        "transaction",
        version=version,
        settings={"default_pool_size": "1", **settings},
    ) as url:
        engine = create_pgbouncer_engine(Settings(database_url=url))
        assert await load(engine, autocommit=False) == Counter()
        # psycopg without prepared statements, so the query does not count itself.
        counter = create_psycopg_pgbouncer_engine(url)
        async with counter.connect() as conn:
            names = list(
                await conn.scalars(text("SELECT name FROM pg_prepared_statements"))
            )
        await counter.dispose()
    if not names:
        return "none"
    if all(name.startswith("PGBOUNCER_") for name in names) and len(names) <= 200:
        return "PgBouncer's own, at most max_prepared_statements (200)"
    assert all(name.startswith("__asyncpg_") for name in names), names
    return "the engine's, left behind"


async def test_the_118_recipe_leaves_statements_unless_reset(database_url: str) -> None:
    server = make_url(database_url)
    reset = await prepared_left(server, "1.18", server_reset_query_always="1")
    lines = [
        f"PgBouncer 1.18:                                 {await prepared_left(server, '1.18')}",
        f"PgBouncer 1.18, server_reset_query_always = 1:  {reset}",
        f"PgBouncer 1.24:                                 {await prepared_left(server, '1.24')}",
    ]
    assert "\n".join(lines) == shown_output(PAGE, "pgbouncer-prepared-left")


async def repeat(engine: AsyncEngine) -> None:
    """One statement eight times, each in its own transaction; from the sixth on, a second
    connection holds a server connection, so PgBouncer hands the first another one."""
    async with engine.connect() as first, engine.connect() as second:
        for run in range(8):
            await first.scalar(QUERY)
            await first.commit()
            if run == 5:
                await second.execute(text("SELECT 1"))


async def test_psycopg_through_1_18_fails_on_the_sixth_run(database_url: str) -> None:
    with pgbouncer.pooler(make_url(database_url), "transaction", version="1.18") as url:
        engine = create_psycopg_engine(url)
        with pytest.raises(DBAPIError) as raised:
            await repeat(engine)
        await engine.dispose()
    message = str(raised.value.orig).splitlines()[0]
    assert message == shown_output(PAGE, "psycopg-prepared")


@pytest.mark.parametrize("version", list(pgbouncer.BINARIES))
async def test_session_mode_needs_no_changes(database_url: str, version: str) -> None:
    with pgbouncer.pooler(make_url(database_url), "session", version=version) as url:
        engine = create_async_engine(url)
        assert await interleave(engine) > 0
        await engine.dispose()


async def another_client(url: URL) -> str:
    """Whether one more client's query gets a server connection within a second."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with asyncio.timeout(1), engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return "runs"
    except TimeoutError:
        return "waits"
    finally:
        await engine.dispose()


async def server_connections(server: URL) -> int:
    direct = create_async_engine(server, poolclass=NullPool)
    async with direct.connect() as conn:
        count = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            )
        )
    await direct.dispose()
    return int(count or 0)


@pytest.mark.parametrize("version", list(pgbouncer.BINARIES))
async def test_idle_pooled_connections_hold_server_connections_only_in_session_mode(
    database_url: str, version: str
) -> None:
    server = make_url(database_url)
    lines = []
    for mode, held in (("transaction", 10), ("session", 2)):
        with pgbouncer.pooler(server, mode, version=version) as url:
            engine = create_async_engine(url, pool_size=held)
            idle = [await engine.connect() for _ in range(held)]
            for conn in idle:
                await conn.execute(text("SELECT 1"))
                await conn.commit()  # idle, and back to no transaction
            lines.append(
                f"{mode + ' mode:':<18}{held:>2} idle in the app's pool,"
                f" server connections: {await server_connections(server)},"
                f" one more client's query {await another_client(url)}"
            )
            for conn in idle:
                await conn.close()
            await engine.dispose()
    assert "\n".join(lines) == shown_output(PAGE, "pgbouncer-idle-clients")


async def startup_parameter(url: URL, name: str, value: str) -> str:
    engine = create_async_engine(url, connect_args={"server_settings": {name: value}})
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return f"{name}: accepted"
    except DBAPIError as exc:
        return f"{name}: {exc.orig}"
    finally:
        await engine.dispose()


async def accepted_or_refused(url: URL, name: str, value: str) -> str:
    """`accepted` when the session shows the value; `refused` when PgBouncer refuses it."""
    engine = create_async_engine(url, connect_args={"server_settings": {name: value}})
    try:
        async with engine.connect() as conn:
            shown = await conn.scalar(text(f"SHOW {name}"))
        assert shown == value, (name, shown)
        return "accepted"
    except DBAPIError as exc:
        refused = str(exc.orig) == f"unsupported startup parameter: {name}"
        return "refused" if refused else f"failed: {exc.orig}"
    finally:
        await engine.dispose()


@pytest.mark.needs("sqlalchemy>=2.1")
async def test_which_server_settings_each_version_accepts(database_url: str) -> None:
    rows = shown_table(PAGE, "pgbouncer-server-settings")
    columns = [f"PgBouncer {version}" for version in pgbouncer.BINARIES]
    assert list(rows[0]) == ["`server_settings` key", "value tried", *columns]
    found: dict[str, dict[str, str]] = {}
    for version, column in zip(pgbouncer.BINARIES, columns, strict=True):
        with pgbouncer.pooler(
            make_url(database_url), "transaction", version=version
        ) as url:
            for row in rows:
                name, value = (
                    row["`server_settings` key"].strip("`"),
                    row["value tried"].strip("`"),
                )
                found.setdefault(name, {})[column] = await accepted_or_refused(
                    url, name, value
                )
    assert {
        row["`server_settings` key"].strip("`"): {c: row[c] for c in columns}
        for row in rows
    } == found


@pytest.mark.parametrize("version", list(pgbouncer.BINARIES))
@pytest.mark.needs("sqlalchemy>=2.1")
async def test_server_settings_are_refused_and_what_works_instead(
    database_url: str, version: str
) -> None:
    server = make_url(database_url)
    with pgbouncer.pooler(server, "transaction", version=version) as url:
        refused = [
            await startup_parameter(url, "statement_timeout", "5000"),
            await startup_parameter(url, "jit", "off"),
            await startup_parameter(url, "application_name", "orders-api"),
        ]
        assert "\n".join(refused) == shown_output(PAGE, "pgbouncer-startup-parameters")

        engine = create_async_engine(url)
        show = text("SHOW statement_timeout")
        async with engine.begin() as conn:
            await conn.execute(text("SET LOCAL statement_timeout = '5s'"))
            in_transaction = await conn.scalar(show)
        async with engine.connect() as conn:
            after = await conn.scalar(show)
        # A database (or role) setting reaches server connections opened after it.
        async with engine.begin() as conn:
            await conn.execute(
                text(f"ALTER DATABASE {server.database} SET statement_timeout = '5s'")
            )
        async with engine.connect() as conn:
            before_reconnect = await conn.scalar(show)
        await engine.dispose()
        admin_command(url, "RECONNECT")
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            after_reconnect = await conn.scalar(show)
        await engine.dispose()
    lines = [
        f"SET LOCAL, in its transaction:          {in_transaction}",
        f"the next transaction:                   {after}",
        f"ALTER DATABASE, old server connections: {before_reconnect}",
        f"after RECONNECT:                        {after_reconnect}",
    ]
    assert "\n".join(lines) == shown_output(PAGE, "pgbouncer-statement-timeout")


@pytest.mark.parametrize("way", AUTOCOMMIT_WAYS, ids=lambda way: way.__name__)
@pytest.mark.needs("sqlalchemy>=2.1")
async def test_every_way_to_autocommit_is_refused(database_url: str, way: Read) -> None:
    """Each way, unrefused, fails at random through PgBouncer 1.18."""
    with pgbouncer.pooler(make_url(database_url), "transaction", version="1.18") as url:
        engine = create_pgbouncer_engine(Settings(database_url=url))
        assert await reads(engine, way) == Counter({AUTOCOMMIT_REFUSED: 200})
        unguarded = create_pgbouncer_engine(Settings(database_url=url))
        for name in (
            "set_engine_execution_options",
            "set_connection_execution_options",
        ):
            event.remove(unguarded.sync_engine, name, _refuse_autocommit)
        errors = await reads(unguarded, way)
    assert set(errors) == {'prepared statement "…" does not exist'}


async def test_autocommit_is_refused_with_the_shown_error(database_url: str) -> None:
    engine = create_pgbouncer_engine(Settings(database_url=database_url))
    with pytest.raises(ArgumentError) as raised:
        engine.execution_options(isolation_level="AUTOCOMMIT")
    await engine.dispose()
    shown = f"{type(raised.value).__name__}: {raised.value}"
    assert shown == " ".join(
        shown_output(PAGE, "pgbouncer-autocommit-refused").splitlines()
    )


@pytest.mark.parametrize("spelling", ["autocommit", "Autocommit"])
async def test_autocommit_is_refused_in_any_spelling_sqlalchemy_accepts(
    database_url: str, spelling: str
) -> None:
    engine = create_pgbouncer_engine(Settings(database_url=database_url))
    try:
        with pytest.raises(ArgumentError, match="AUTOCOMMIT is refused"):
            engine.execution_options(isolation_level=spelling)
        async with engine.connect() as conn:
            with pytest.raises(ArgumentError, match="AUTOCOMMIT is refused"):
                await conn.execution_options(isolation_level=spelling)
        # What SQLAlchemy itself does with that spelling, unguarded:
        plain = create_async_engine(database_url).execution_options(
            isolation_level=spelling
        )
        async with plain.connect() as conn:
            raw = await conn.get_raw_connection()
            assert raw.dbapi_connection is not None
            assert raw.dbapi_connection.autocommit is True
        await plain.dispose()
    finally:
        await engine.dispose()
