"""A real PgBouncer in front of the test server: Debian 12's 1.18, or 1.24 built by .ci/pgbouncer-1.24."""

from __future__ import annotations

import os
import re
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

# Version -> binary; PGBOUNCER_1_18 / PGBOUNCER_1_24 point elsewhere.
BINARIES = {
    "1.18": os.environ.get("PGBOUNCER_1_18", "/usr/sbin/pgbouncer"),
    "1.24": os.environ.get("PGBOUNCER_1_24", "/opt/pgbouncer-1.24/bin/pgbouncer"),
}
INSTALLED_BY = {
    "1.18": "Debian's pgbouncer package (.ci/run installs it)",
    "1.24": ".ci/pgbouncer-1.24 (.ci/run runs it)",
}
# Root may not run PgBouncer; the embedded server's own unprivileged user does.
RUN_AS = "pgserver"


def version_of(binary: str) -> str:
    """`PgBouncer 1.24.1` -> `1.24.1`."""
    first = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    match = re.fullmatch(r"PgBouncer (\d+\.\d+\.\d+)", first)
    assert match, first
    return match.group(1)


def require(version: str = "1.18") -> str:
    """The binary of this PgBouncer version; skip (fail on CI) when it is absent."""
    binary = BINARIES[version]
    if Path(binary).exists():
        found = version_of(binary)
        assert found.startswith(f"{version}."), f"{binary} is {found}, not {version}"
        return binary
    reason = f"PgBouncer {version} is not at {binary} (from {INSTALLED_BY[version]})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI must not skip it")
    pytest.skip(reason)


@contextmanager
def transaction_pooler(server: URL, version: str = "1.18") -> Iterator[URL]:
    """PgBouncer on a free loopback port, pool_mode=transaction, two server connections."""
    with pooler(server, "transaction", version=version) as url:
        yield url


@contextmanager
def pooler(
    server: URL,
    mode: str,
    tls: tuple[Path, Path] | None = None,
    *,
    version: str = "1.18",
    settings: dict[str, str] | None = None,
) -> Iterator[URL]:
    """PgBouncer on a free loopback port in the given pool_mode, two server connections.

    tls: (certificate chain, private key) files; clients must then connect with TLS.
    settings: more [pgbouncer] settings, or overrides (default_pool_size = 2).
    Its log goes to a file, never to a pipe nobody reads (a full pipe stalls PgBouncer);
    an error inside the block carries the log's last lines.
    """
    binary = require(version)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="guide-pgbouncer-"))
    host = server.query.get("host") or server.host or "127.0.0.1"
    target = f"host={host} port={server.port or 5432} dbname={server.database} user={server.username}"
    if server.password:
        target += f" password={server.password}"
    (work / "users.txt").write_text(f'"{server.username}" ""\n')
    options = {
        "listen_addr": "127.0.0.1",
        "listen_port": str(port),
        "unix_socket_dir": "",
        "auth_type": "trust",
        "auth_file": str(work / "users.txt"),
        # The admin console (SHOW POOLS, SHOW CONFIG) for the test server's user.
        "admin_users": str(server.username),
        "pool_mode": mode,
        "default_pool_size": "2",
        "pidfile": str(work / "pgbouncer.pid"),
    }
    if tls:
        for source, name in zip(tls, ("server.crt", "server.key"), strict=True):
            shutil.copy(source, work / name)
        (work / "server.key").chmod(0o600)
        options |= {
            "client_tls_sslmode": "require",
            "client_tls_cert_file": str(work / "server.crt"),
            "client_tls_key_file": str(work / "server.key"),
        }
    options |= settings or {}
    (work / "pgbouncer.ini").write_text(
        f"[databases]\n{server.database} = {target}\n\n[pgbouncer]\n"
        + "".join(f"{key} = {value}\n" for key, value in options.items())
    )
    command = [binary, str(work / "pgbouncer.ini")]
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
    log_path = work / "pgbouncer.log"

    def log_tail() -> str:
        lines = log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-40:])

    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PgBouncer did not start:\n{log_tail()}"
                    ) from None
                time.sleep(0.05)
        try:
            yield URL.create(
                "postgresql+asyncpg",
                username=server.username,
                host="127.0.0.1",
                port=port,
                database=server.database,
            )
        except BaseException as exc:
            exc.add_note(f"PgBouncer {version} log, last lines:\n{log_tail()}")
            raise
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
