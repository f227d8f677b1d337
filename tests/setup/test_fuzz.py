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


def schemathesis(*args: str, cwd: Path) -> tuple[int, str]:
    """Run the schemathesis CLI; its exit code and everything it printed.

    Its output goes to a file, so a run that overstays its budget still shows how far
    it got (and the server's access log, the request that did not come back)."""
    command = "from schemathesis.cli import schemathesis; schemathesis()"
    report = cwd / "schemathesis.log"
    # It runs none of the guide's code: coverage's tracer (which the suite passes to its
    # subprocesses) would only slow it down, threefold here.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS")}
    with report.open("w") as output:
        run = subprocess.Popen(
            [sys.executable, "-c", command, "--config-file", str(CONFIG), *args],
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=cwd,  # its report and cache stay in the test's directory
            env=env,
        )
        try:
            # About 15 s here, 30 to 60 s under coverage on a loaded machine: the bound only
            # stops a stalled run from holding up the suite.
            returncode = run.wait(timeout=600)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
            returncode = -1
    return returncode, report.read_text()


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
            [sys.executable, "-m", "uvicorn", app, f"--port={port}"],
            env={**os.environ, **env},
            stdout=server_output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_for(server, f"{base}/health")
            returncode, report = schemathesis(
                "run",
                f"{base}/openapi.json",
                "--checks=all",
                f"--max-examples={EXAMPLES}",
                "--generation-deterministic",
                # Every request and check as it happens, for a run that fails or stalls.
                "--report=ndjson",
                f"--report-dir={tmp_path}",
                cwd=tmp_path,
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    output = log.read_text()
    assert returncode == 0, f"{report[-8000:]}\nserver log:\n{output[-3000:]}"
    assert "No issues found" in report
    # The server's log: no request raised past the app. The only tracebacks allowed are
    # welcomes for users that do not exist, which fail in their task after the 202
    # (docs/sessions/background.md shows it).
    assert "Exception in ASGI application" not in output, output[-8000:]
    failed_welcomes = output.count("background job welcome_post failed")
    assert output.count("Traceback") == failed_welcomes, output[-8000:]
