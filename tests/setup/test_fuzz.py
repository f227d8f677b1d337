"""Every route the guide ships, fuzzed from its own OpenAPI schema on both backends
(docs/setup/validation.md).

schemathesis generates requests from the schema, valid and invalid, and runs every check:
no 5xx, answers that match the schema, every status documented, a 405 whose Allow header
is true, and sequences (create, then read, update, delete) through the links it infers.
Deterministic (no random seed) and bounded by examples per operation. Each request it
ever failed on is a regression case in test_validation.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.servers import free_port, wait_for

CONFIG = Path(__file__).with_name("schemathesis.toml")
EXAMPLES = 100  # per operation and phase; about 900 requests in about 10 s


def schemathesis(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = "from schemathesis.cli import schemathesis; schemathesis()"
    return subprocess.run(
        [sys.executable, "-c", command, "--config-file", str(CONFIG), *args],
        capture_output=True,
        text=True,
        timeout=300,  # about 15 s here: a hang fails, not stalls the suite
        cwd=cwd,  # its report and cache stay in the test's directory
        check=False,
    )


def test_fuzzing_finds_no_way_to_a_500(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "DATABASE_URL": database_url,
        "DB_MIGRATE_ON_STARTUP": "true",
        "CURSOR_SECRET": "fuzzing-" * 4,
    }
    log = tmp_path / "uvicorn.log"
    app = "tests.setup.every_route:app"
    with log.open("w") as server_output:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", app, f"--port={port}", "--no-access-log"],
            env={**os.environ, **env},
            stdout=server_output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(server, f"{base}/health")
            run = schemathesis(
                "run",
                f"{base}/openapi.json",
                "--checks=all",
                f"--max-examples={EXAMPLES}",
                "--generation-deterministic",
                cwd=tmp_path,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
    # The server's log: no request raised past the app. The only tracebacks allowed are
    # welcomes for users that do not exist, which fail in their task after the 202
    # (docs/sessions/background.md shows it).
    output = log.read_text()
    assert "Exception in ASGI application" not in output, output[-8000:]
    failed_welcomes = output.count("background job welcome_post failed")
    assert output.count("Traceback") == failed_welcomes, output[-8000:]
