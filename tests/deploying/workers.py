"""Real uvicorn worker processes in front of a private server, loaded until their pools are full."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from tests.docs_examples import ROOT
from tests.servers import free_port

APP = "tests.deploying.hold_app:app"
HOLD_SECONDS = 0.5  # how long each loading request keeps its connection


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text()


GUNICORN = ["--worker-class", "uvicorn_worker.UvicornWorker"]


@contextmanager
def uvicorn(
    database_url: str,
    log: Path,
    *args: str,
    gunicorn: bool = False,
    ready: int = 1,
    **settings: str,
) -> Iterator[Served]:
    """`uvicorn APP ARGS` (or `gunicorn APP`, running uvicorn in each worker, with ARGS),
    as a deployment starts it; its log goes to a file, not a pipe (a pipe nobody reads
    fills up with tracebacks and stalls the workers). Yields once `ready` workers have
    started their app."""
    port = free_port()
    command = ["uvicorn", APP, "--port", str(port), *args]
    if gunicorn:
        command = ["gunicorn", APP, *GUNICORN, "--bind", f"127.0.0.1:{port}", *args]
    env = {**os.environ, "DATABASE_URL": database_url}
    env.update({name.upper(): value for name, value in settings.items()})
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", *command],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while served.output().count("Application startup complete") < ready or not (
            _answers(served)
        ):
            assert process.poll() is None, served.output()
            assert time.monotonic() < deadline, served.output()
            time.sleep(0.1)
        yield served
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


def _answers(served: Served) -> bool:
    try:
        return httpx.get(f"{served.base}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Load:
    statuses: Counter[int]
    peak: int  # the most connections the app's role held at once


async def load(
    served: Served,
    admin_dsn: str,
    role: str,
    seconds: float,
    clients: int,
    until_peak: int | None = None,
) -> Load:
    """`clients` at a time, each request on a new TCP connection, so the kernel hands the
    requests to every worker in turn, for `seconds`, or until the role holds `until_peak`
    connections at once (how soon every worker's pool is full depends on the kernel)."""
    statuses: Counter[int] = Counter()
    peak = 0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak
        conn = await asyncpg.connect(admin_dsn)
        try:
            while not done.is_set():
                count = await conn.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = $1", role
                )
                peak = max(peak, count)
                if until_peak is not None and peak >= until_peak:
                    return
                await asyncio.sleep(0.01)
        finally:
            await conn.close()

    async def client(http: httpx.AsyncClient, until: float) -> None:
        while time.monotonic() < until and not watcher.done():
            response = await http.get(
                f"{served.base}/hold",
                params={"seconds": HOLD_SECONDS},
                headers={"Connection": "close"},
            )
            statuses[response.status_code] += 1

    watcher = asyncio.create_task(watch())
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(http, until) for _ in range(clients)))
    done.set()
    await watcher
    return Load(statuses, peak)
