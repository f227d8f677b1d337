"""docs/deploying/processes.md: the sizing rule against real uvicorn workers on a small server."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import itertools
import shlex
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from uvicorn import config as uvicorn_config

from snippets.deploying.processes import (
    connections_for_apps,
    deployment_peak,
    most_workers,
)
from snippets.settings import Settings
from tests import postgres, versions
from tests.deploying.workers import GUNICORN, HOLD_SECONDS, Served, load, uvicorn
from tests.pages import page, shown_output, shown_table

PAGE = "deploying/processes.md"
# The app gets 19 - 3 reserved - 1 watcher = 15 slots: exactly what 3 workers' pools may
# open, so one connection more than the rule would be refused and fail the test.
MAX_CONNECTIONS = 19
# Each worker's pool: small, so a few workers reach the server's limit.
POOL = {"db_pool_size": "2", "db_max_overflow": "3", "db_pool_timeout": "30"}
ROLE = "app"
CLIENTS = 60
FIT_SECONDS = 30  # at most: the run ends once the pools' peak is seen
OVER_SECONDS = 6


@dataclass
class Server:
    admin_dsn: str  # a superuser, as the watcher and a console would connect
    app_url: str  # the app's own role, without SUPERUSER


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    embedded = postgres.EmbeddedServer()
    try:
        embedded.set_and_restart("max_connections", str(MAX_CONNECTIONS))
        admin = embedded.url.set(drivername="postgresql")
        dsn = admin.render_as_string(hide_password=False)

        async def create_role() -> None:
            conn = await asyncpg.connect(dsn)
            await conn.execute(f"CREATE ROLE {ROLE} LOGIN")
            await conn.execute(f"CREATE DATABASE {ROLE} OWNER {ROLE}")
            await conn.close()

        asyncio.run(create_role())
        app_url = embedded.url.set(username=ROLE, database=ROLE)
        yield Server(dsn, app_url.render_as_string(hide_password=False))
    finally:
        embedded.stop()


async def limit_for_apps(url: str) -> int:
    engine = create_async_engine(url, poolclass=NullPool)
    async with engine.connect() as conn:
        available = await connections_for_apps(conn)
    await engine.dispose()
    return available


def test_the_page_describes_the_load_the_tests_run() -> None:
    text = " ".join(page(PAGE).split())
    assert f"`max_connections = {MAX_CONNECTIONS}`" in text
    assert (
        f"{CLIENTS} clients call a route that holds its connection for {HOLD_SECONDS} s"
        in text
    )
    assert (
        f"(the first row, at most {FIT_SECONDS} s) or for {OVER_SECONDS} seconds"
        in text
    )
    assert (
        f"`DB_POOL_SIZE={POOL['db_pool_size']}` and `DB_MAX_OVERFLOW={POOL['db_max_overflow']}`"
        in text
    )


def test_gunicorn_runs_the_worker_class_the_page_names() -> None:
    shown = shown_command("gunicorn")
    assert shown[:2] == ["gunicorn", "snippets.app:app"]
    assert shown[2:4] == GUNICORN
    sys.modules.pop("uvicorn.workers", None)  # imported again, so that it warns again
    with pytest.warns(DeprecationWarning, match="uvicorn-worker"):
        importlib.import_module("uvicorn.workers")


def test_the_defaults_on_the_page_are_postgresqls(server: Server) -> None:
    async def defaults() -> dict[str, int]:
        conn = await asyncpg.connect(server.admin_dsn)
        try:
            rows = await conn.fetch(
                "SELECT name, boot_val::int FROM pg_settings WHERE name IN "
                "('max_connections', 'superuser_reserved_connections',"
                " 'reserved_connections')"
            )
        finally:
            await conn.close()
        return {row["name"]: row["boot_val"] for row in rows}

    built_in = asyncio.run(defaults())
    text = " ".join(page(PAGE).split())
    assert (
        f"`superuser_reserved_connections` ({built_in['superuser_reserved_connections']} by default)"
        in text
    )
    assert (
        f"`reserved_connections` ({built_in['reserved_connections']} by default)"
        in text
    )
    left = built_in["max_connections"] - built_in["superuser_reserved_connections"]
    assert f"`max_connections = {built_in['max_connections']}` ({left} left" in text
    assert f"most_workers({left}," in text


def test_the_budget_is_read_from_the_server(server: Server) -> None:
    async def reserved() -> int:
        conn = await asyncpg.connect(server.admin_dsn)
        try:
            return int(await conn.fetchval("SHOW superuser_reserved_connections"))
        finally:
            await conn.close()

    # The server's own default (3), not a number copied onto the page.
    assert asyncio.run(limit_for_apps(server.app_url)) == MAX_CONNECTIONS - asyncio.run(
        reserved()
    )


def test_the_rule_counts_instances_workers_surge_and_others() -> None:
    # The rule's pool defaults are the app's.
    defaults = inspect.signature(deployment_peak).parameters
    fields = Settings.model_fields
    assert defaults["pool_size"].default == fields["db_pool_size"].default
    assert defaults["max_overflow"].default == fields["db_max_overflow"].default
    # A pool without a limit has no peak to count.
    with pytest.raises(ValueError, match="no limit"):
        deployment_peak(instances=1, workers=1, max_overflow=-1)
    with pytest.raises(ValueError, match="no limit"):
        most_workers(97, instances=1, pool_size=0)
    assert deployment_peak(instances=1, workers=4, others=0) == 60
    # Two instances of 4 workers, a rolling deploy adding one more instance, a migration.
    assert deployment_peak(instances=2, workers=4, surge=1, others=1) == 181
    assert most_workers(97, instances=2, surge=1) == 2
    # A read engine of 5 + 10 on the same server doubles each process's share.
    assert deployment_peak(instances=1, workers=4, per_process=15) == 121
    assert most_workers(97, instances=1, per_process=15) == 3
    assert deployment_peak(instances=2, workers=2, surge=1) <= 97
    assert deployment_peak(instances=2, workers=3, surge=1) > 97


@pytest.mark.parametrize("manager", ["uvicorn", "gunicorn"])
def test_workers_that_fit_open_at_most_the_rule_and_every_request_succeeds(
    server: Server, tmp_path: Path, manager: str
) -> None:
    available = asyncio.run(limit_for_apps(server.app_url))
    # The watcher below is one connection outside the app's pools.
    workers = most_workers(available, instances=1, pool_size=2, max_overflow=3)
    assert workers == 3
    with uvicorn(
        server.app_url,
        tmp_path / f"{manager}.log",
        "--workers",
        str(workers),
        gunicorn=manager == "gunicorn",
        ready=workers,
        **POOL,
    ) as served:
        result = asyncio.run(
            load(served, server.admin_dsn, ROLE, FIT_SECONDS, CLIENTS, until_peak=15)
        )
    assert set(result.statuses) == {200}, result.statuses
    # Every worker filled its pool: the rule's bound is reached, never passed.
    assert result.peak == deployment_peak(1, workers, 2, 3, others=0)
    if manager == "gunicorn":
        return  # the table shows the uvicorn run
    assert shown_row(0) == {
        "uvicorn `--workers`": f"{workers}, `most_workers({available}, 1, 2, 3)`",
        "the pools' peak": str(result.peak),
        "the server saw at most": str(result.peak),
        "answers": "all 200",
    }


def shown_row(index: int) -> dict[str, str]:
    return shown_table(PAGE, "workers-proof")[index]


def test_one_worker_too_many_is_refused_by_the_server(
    server: Server, tmp_path: Path
) -> None:
    available = asyncio.run(limit_for_apps(server.app_url))
    workers = most_workers(available, instances=1, pool_size=2, max_overflow=3) + 1
    log = tmp_path / "uvicorn.log"
    with uvicorn(
        server.app_url, log, "--workers", str(workers), ready=workers, **POOL
    ) as served:
        result = asyncio.run(
            load(served, server.admin_dsn, ROLE, OVER_SECONDS, CLIENTS)
        )
    # The watcher holds one of the slots; the app's role gets the others.
    assert result.peak == available - 1
    # Refused connections answer 503 (answer_server_full), each with one log line.
    assert set(result.statuses) == {200, 503}, result.statuses
    assert f"\n{shown_output(PAGE, 'reserved-slots')}\n" in log.read_text()
    assert "Traceback" not in log.read_text()
    assert shown_row(1) == {
        "uvicorn `--workers`": str(workers),
        "the pools' peak": str(deployment_peak(1, workers, 2, 3, others=0)),
        "the server saw at most": str(result.peak),
        "answers": "200 and 503",
    }


@contextmanager
def debian_15() -> Iterator[str]:
    try:
        binaries = versions.postgres_binaries("15")
    except FileNotFoundError as exc:
        pytest.skip(f"needs Debian's PostgreSQL 15 (.ci/run installs it): {exc}")
    with versions.server(binaries) as url:
        yield url


async def refusals(admin_dsn: str, *roles: str) -> list[str]:
    """For each role in turn, open connections as it until the server refuses one; the
    connections stay open, so a later role finds the server as full as the earlier left it.
    A role named `NAME LIMIT n` is created with that CONNECTION LIMIT; the admin's own
    name (a superuser) is used as it is."""
    admin = await asyncpg.connect(admin_dsn)
    held = [admin]
    texts = []
    try:
        for role in roles:
            user, _, limit = role.partition(" LIMIT ")
            if user != make_url(admin_dsn).username:
                await admin.execute(
                    f"CREATE ROLE {user} LOGIN CONNECTION LIMIT {limit or -1}"
                )
            dsn = make_url(admin_dsn).set(username=user).render_as_string(False)
            while True:
                try:
                    held.append(await asyncpg.connect(dsn))
                except asyncpg.TooManyConnectionsError as exc:
                    texts.append(f"{type(exc).__name__}: {exc}")
                    break
        return texts
    finally:
        await asyncio.gather(*(conn.close() for conn in held))


@pytest.mark.parametrize("where", ["embedded", "postgresql15"])
def test_the_servers_refusals_are_the_headings_on_the_page(
    server: Server, where: str
) -> None:
    if where == "embedded":
        dsn = server.admin_dsn
        texts = asyncio.run(refusals(dsn, "crowd", str(make_url(dsn).username)))
    else:
        with debian_15() as dsn:
            texts = asyncio.run(refusals(dsn, "crowd", str(make_url(dsn).username)))
    role, superuser = texts
    assert superuser == shown_output(PAGE, "too-many-clients")
    if where == "embedded":
        assert role == shown_output(PAGE, "reserved-slots")
    else:
        assert role == shown_output(PAGE, "reserved-slots-15")


def test_reserved_connections_and_role_limits_refuse_in_their_own_words() -> None:
    embedded = postgres.EmbeddedServer()
    try:
        with (embedded.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\nmax_connections = 8\nreserved_connections = 2\n")
        embedded.pause()
        embedded.resume()
        dsn = embedded.url.set(drivername="postgresql")
        assert asyncio.run(limit_for_apps(embedded.url.render_as_string(False))) == 3
        texts = asyncio.run(
            refusals(dsn.render_as_string(False), "limited LIMIT 1", "plain")
        )
    finally:
        embedded.stop()
    assert texts == [
        shown_output(PAGE, "role-limit"),
        shown_output(PAGE, "reserved-for-pg-use"),
    ]


# --- shutdown -------------------------------------------------------------------------


def shown_command(program: str) -> list[str]:
    """The one command line on the page that runs `program`, split into words."""
    lines = page(PAGE).splitlines()
    [line] = [
        line
        for fence, line in itertools.pairwise(lines)
        if fence == "```bash" and line.startswith(f"{program} ")
    ]
    return shlex.split(line)


@pytest.fixture
def marks(server: Server) -> Iterator[str]:
    """The app's database with an empty table the write route fills."""
    dsn = make_url(server.admin_dsn).set(database=ROLE)

    async def create() -> None:
        conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        await conn.execute("DROP TABLE IF EXISTS marks")
        await conn.execute("CREATE TABLE marks (id serial PRIMARY KEY)")
        await conn.execute(f"ALTER TABLE marks OWNER TO {ROLE}")
        await conn.close()

    asyncio.run(create())
    yield dsn.render_as_string(hide_password=False)
    # Statements a cut request left running would hold their locks for seconds more.
    asyncio.run(
        apply_sql(
            server.admin_dsn,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE usename = '{ROLE}'",
        )
    )


async def state(admin_dsn: str, app_dsn: str) -> tuple[int, int]:
    """(connections of the app's role on the server, committed rows in marks)"""
    admin = await asyncpg.connect(admin_dsn)
    app_db = await asyncpg.connect(app_dsn)
    try:
        connections = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = $1", ROLE
        )
        return int(connections), int(
            await app_db.fetchval("SELECT count(*) FROM marks")
        )
    finally:
        await admin.close()
        await app_db.close()


async def terminate_during_writes(
    served: Served, admin_dsn: str, app_dsn: str, seconds: float, path: str = "/marks"
) -> tuple[list[object], int, float]:
    """Four writes in flight, then SIGTERM: (their outcomes, the exit code, seconds to exit).
    /marks is still inside its slow statement then; /marks/then-wait has committed."""
    async with httpx.AsyncClient(timeout=60) as http:
        writes = [
            asyncio.create_task(
                http.post(f"{served.base}{path}", params={"seconds": seconds})
            )
            for _ in range(4)
        ]
        await until_all_written(admin_dsn, app_dsn, len(writes), path)
        sent = time.monotonic()
        served.process.send_signal(signal.SIGTERM)
        outcomes = await asyncio.gather(*writes, return_exceptions=True)
        code = await asyncio.to_thread(served.process.wait, 60)
    return (
        [
            o.status_code
            if isinstance(o, httpx.Response)
            else f"{type(o).__name__}: {o}"
            for o in outcomes
        ],
        code,
        time.monotonic() - sent,
    )


async def until_all_written(
    admin_dsn: str, app_dsn: str, writes: int, path: str
) -> None:
    for _ in range(3000):
        if path == "/marks":  # every write has inserted and is in its slow statement
            conn = await asyncpg.connect(admin_dsn)
            done = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 "
                "AND query LIKE 'SELECT pg_sleep%'",
                ROLE,
            )
        else:  # every write has committed
            conn = await asyncpg.connect(app_dsn)
            done = await conn.fetchval("SELECT count(*) FROM marks")
        await conn.close()
        if done == writes:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"only {done} of {writes} writes got that far")


def test_uvicorn_waits_for_requests_without_a_limit_by_default() -> None:
    assert uvicorn_config.Config("snippets.app:app").timeout_graceful_shutdown is None


def test_sigterm_lets_requests_in_flight_finish_then_closes_every_connection(
    server: Server, marks: str, tmp_path: Path
) -> None:
    command = shown_command("uvicorn")
    assert command[:2] == ["uvicorn", "snippets.app:app"]
    grace = command[command.index("--timeout-graceful-shutdown") + 1]
    log = tmp_path / "uvicorn.log"
    with uvicorn(
        server.app_url,
        log,
        "--workers",
        "2",
        "--timeout-graceful-shutdown",
        grace,
        ready=2,
    ) as served:
        outcomes, code, _ = asyncio.run(
            terminate_during_writes(served, server.admin_dsn, marks, seconds=2)
        )
    assert outcomes == [200] * 4
    assert code == 0
    # The lifespan's engine.dispose() ran after the last response: nothing left open.
    assert asyncio.run(state(server.admin_dsn, marks)) == (0, 4)
    text = log.read_text()
    assert text.rindex('"POST /marks?seconds=2 HTTP/1.1" 200') < text.rindex(
        "Application shutdown complete"
    )


def test_a_too_short_grace_period_cuts_requests_and_commits_nothing(
    server: Server, marks: str, tmp_path: Path
) -> None:
    log = tmp_path / "uvicorn.log"
    with uvicorn(server.app_url, log, "--timeout-graceful-shutdown", "1") as served:
        outcomes, code, seconds = asyncio.run(
            terminate_during_writes(served, server.admin_dsn, marks, seconds=6)
        )
    assert code == -signal.SIGTERM  # one process: it exits by the signal it got
    assert (
        outcomes
        == ["RemoteProtocolError: Server disconnected without sending a response."] * 4
    )
    assert seconds < 4  # cut after the grace period, not after the writes
    assert "Cancel 4 running task(s), timeout graceful shutdown exceeded" in (
        log.read_text()
    )
    connections, rows = asyncio.run(state(server.admin_dsn, marks))
    assert rows == 0  # no partial writes: every transaction rolled back
    # The process is gone, but its statements still run on the server, holding their
    # locks, until they end: the server notices a missing client only between statements.
    assert connections == 4
    assert still_sleeping_after(2, server.admin_dsn) == 4


def test_a_request_cut_after_its_commit_answers_500_with_its_row_committed(
    server: Server, marks: str, tmp_path: Path
) -> None:
    log = tmp_path / "uvicorn.log"
    with uvicorn(server.app_url, log, "--timeout-graceful-shutdown", "1") as served:
        outcomes, _, _ = asyncio.run(
            terminate_during_writes(
                served, server.admin_dsn, marks, seconds=6, path="/marks/then-wait"
            )
        )
    # The client cannot tell this 500 from a write that failed.
    assert outcomes == [500] * 4
    assert asyncio.run(state(server.admin_dsn, marks))[1] == 4


def test_gunicorn_waits_its_graceful_timeout_then_runs_the_lifespan_shutdown(
    server: Server, marks: str, tmp_path: Path
) -> None:
    command = shown_command("gunicorn")
    grace = command[command.index("--graceful-timeout") + 1]
    log = tmp_path / "gunicorn.log"
    args = ["--workers", "2", "--graceful-timeout", grace]
    with uvicorn(server.app_url, log, *args, gunicorn=True, ready=2) as served:
        outcomes, code, _ = asyncio.run(
            terminate_during_writes(served, server.admin_dsn, marks, seconds=2)
        )
    assert outcomes == [200] * 4
    assert code == 0
    assert asyncio.run(state(server.admin_dsn, marks)) == (0, 4)
    assert log.read_text().count("Application shutdown complete") == 2


def test_gunicorn_past_its_graceful_timeout_kills_workers_and_skips_the_shutdown(
    server: Server, marks: str, tmp_path: Path
) -> None:
    log = tmp_path / "gunicorn.log"
    # One worker, so that it is the one serving the four writes.
    args = ["--workers", "1", "--graceful-timeout", "1"]
    with uvicorn(server.app_url, log, *args, gunicorn=True) as served:
        outcomes, _, seconds = asyncio.run(
            terminate_during_writes(served, server.admin_dsn, marks, seconds=20)
        )
    assert (
        outcomes
        == ["RemoteProtocolError: Server disconnected without sending a response."] * 4
    )
    assert seconds < 10
    # Killed, not shut down: no lifespan shutdown, so no engine.dispose(); the
    # statements run on, uncommitted.
    assert "Application shutdown" not in log.read_text()
    assert asyncio.run(state(server.admin_dsn, marks)) == (4, 0)
    assert still_sleeping_after(2, server.admin_dsn) == 4


def still_sleeping_after(seconds: float, admin_dsn: str) -> int:
    """The app's statements still running on the server `seconds` from now."""
    time.sleep(seconds)

    async def count() -> int:
        conn = await asyncpg.connect(admin_dsn)
        try:
            return int(
                await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 "
                    "AND state = 'active' AND query LIKE 'SELECT pg_sleep%'",
                    ROLE,
                )
            )
        finally:
            await conn.close()

    return asyncio.run(count())


def test_the_server_ends_the_work_of_a_client_that_is_gone(
    server: Server, marks: str, tmp_path: Path
) -> None:
    command = shown_command("psql")
    [sql] = [word for word in command if "ALTER" in word]
    # The page's command connects as the app's role: it may set this for itself.
    assert make_url(command[1]).username == ROLE
    asyncio.run(
        apply_sql(
            make_url(server.admin_dsn).set(username=ROLE).render_as_string(False), sql
        )
    )
    try:
        with uvicorn(
            server.app_url, tmp_path / "uvicorn.log", "--timeout-graceful-shutdown", "1"
        ) as served:
            asyncio.run(
                terminate_during_writes(served, server.admin_dsn, marks, seconds=20)
            )
        deadline = time.monotonic() + 8  # the writes alone would run 18 s more
        while asyncio.run(state(server.admin_dsn, marks)) != (0, 0):
            assert time.monotonic() < deadline, "the server kept the statements running"
            time.sleep(0.1)
    finally:
        asyncio.run(apply_sql(server.admin_dsn, f"ALTER ROLE {ROLE} RESET ALL"))


async def apply_sql(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
