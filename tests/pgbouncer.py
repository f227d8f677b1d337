"""A real PgBouncer (Debian's package) in front of the test server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL

from tests.servers import free_port

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
# Root may not run PgBouncer; the embedded server's own unprivileged user does.
RUN_AS = "pgserver"


def require() -> None:
    if Path(BINARY).exists():
        return
    reason = "PgBouncer is not installed here (.ci/run installs Debian's pgbouncer)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI must not skip it")
    pytest.skip(reason)


@contextmanager
def transaction_pooler(server: URL) -> Iterator[URL]:
    """PgBouncer on a free loopback port, pool_mode=transaction, two server connections."""
    with pooler(server, "transaction") as url:
        yield url


@contextmanager
def pooler(
    server: URL, mode: str, tls: tuple[Path, Path] | None = None
) -> Iterator[URL]:
    """PgBouncer on a free loopback port in the given pool_mode, two server connections.

    tls: (certificate chain, private key) files; clients must then connect with TLS.
    """
    require()
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="guide-pgbouncer-"))
    host = server.query.get("host") or server.host or "127.0.0.1"
    target = f"host={host} port={server.port or 5432} dbname={server.database} user={server.username}"
    if server.password:
        target += f" password={server.password}"
    (work / "users.txt").write_text(f'"{server.username}" ""\n')
    (work / "pgbouncer.ini").write_text(
        f"[databases]\n{server.database} = {target}\n\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {work / 'users.txt'}\n"
        f"pool_mode = {mode}\ndefault_pool_size = 2\n"
        f"logfile = {work / 'pgbouncer.log'}\npidfile = {work / 'pgbouncer.pid'}\n"
    )
    if tls:
        for source, name in zip(tls, ("server.crt", "server.key"), strict=True):
            shutil.copy(source, work / name)
        (work / "server.key").chmod(0o600)
        with (work / "pgbouncer.ini").open("a") as ini:
            ini.write(
                "client_tls_sslmode = require\n"
                f"client_tls_cert_file = {work / 'server.crt'}\n"
                f"client_tls_key_file = {work / 'server.key'}\n"
            )
    command = [BINARY, str(work / "pgbouncer.ini")]
    if os.geteuid() == 0:
        shutil.chown(work, RUN_AS, RUN_AS)
        for path in work.iterdir():
            shutil.chown(path, RUN_AS, RUN_AS)
        command = [
            "setpriv",
            f"--reuid={RUN_AS}",
            f"--regid={RUN_AS}",
            "--clear-groups",
            *command,
        ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (work / "pgbouncer.log").read_text()
                        if (work / "pgbouncer.log").exists()
                        else ""
                    )
                    raise RuntimeError(
                        f"PgBouncer did not start: {process.stdout.read() if process.stdout else ''} {log}"
                    ) from None
                time.sleep(0.05)
        yield URL.create(
            "postgresql+asyncpg",
            username=server.username,
            host="127.0.0.1",
            port=port,
            database=server.database,
        )
    finally:
        process.terminate()
        process.communicate(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
