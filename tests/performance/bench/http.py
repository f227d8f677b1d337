"""HTTP: the app variants under concurrent clients, served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from tests.performance.bench.proxy import Proxy
from tests.performance.bench.variants import POOL_REPORTED, VARIANT_ENV, VARIANTS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def peak_checked_out(base: str, stop: asyncio.Event) -> int | None:
    """The most connections the app's pool lent out at once, from GET /health/pool."""
    peak = None
    async with httpx.AsyncClient(base_url=base) as client:
        while not stop.is_set():
            response = await client.get("/health/pool")
            response.raise_for_status()
            peak = max(peak or 0, int(response.json()["checked_out"]))
            # Every 100 ms: about 10 requests a second on top of the load, not counted.
            await asyncio.sleep(0.1)
    return peak


async def none() -> None:
    return None


async def count_connections(url: str, stop: asyncio.Event) -> int:
    """The most connections this database had open at once, sampled every 20 ms."""
    probe = create_async_engine(url, poolclass=NullPool)
    peak = 0
    async with probe.connect() as conn:
        while not stop.is_set():
            now = await conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                    " current_database() AND pid <> pg_backend_pid()"
                )
            )
            peak = max(peak, int(now or 0))
            await asyncio.sleep(0.02)
    await probe.dispose()
    return peak


WRK = shutil.which("wrk")
# wrk's Lua hooks: each request asks for the next user; at the end, one line of JSON.
WRK_SCRIPT = """
local n = 0
request = function()
  n = (n + 7) % {users}
  return wrk.format("GET", "{prefix}" .. (n + 1) .. "{suffix}")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "errors": '
      .. '{{"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}}}\\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


async def drive_wrk(
    base: str, path: str, clients: int, seconds: float, users: int
) -> dict[str, Any]:
    """wrk, the load generator written in C: it takes less CPU from the app than a
    Python client does."""
    assert WRK is not None
    prefix, _, suffix = path.partition("{id}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT.format(users=users, prefix=prefix, suffix=suffix))
        script.flush()
        process = await asyncio.create_subprocess_exec(
            WRK,
            *("-t", "1", "-c", str(clients), "-d", f"{max(1, round(seconds))}s"),
            *("--timeout", "30s", "-s", script.name, base),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await process.communicate()
    lines = out.decode().strip().splitlines()
    if process.returncode or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"wrk exited with {process.returncode}: {' '.join(lines)}")
    report = json.loads(lines[-1])
    return {
        # Answers other than 2xx or 3xx are errors, not throughput.
        "requests_per_s": (report["requests"] - report["errors"]["status"])
        / report["seconds"],
        "p50_ms": report["p50_us"] / 1000,
        "p99_ms": report["p99_us"] / 1000,
        "errors": sum(report["errors"].values()),
        # "status": an answer other than 2xx or 3xx; "read": a dropped connection.
        "error_kinds": {kind: n for kind, n in report["errors"].items() if n},
    }


async def drive(
    base: str, path: str, clients: int, seconds: float, users: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    started_at = time.monotonic()
    deadline = started_at + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one_client(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.monotonic() < deadline:
                n = (n + 7) % users
                started = time.perf_counter()
                try:
                    response = await client.get(path.format(id=n + 1))
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        await asyncio.gather(*(one_client(i) for i in range(clients)))
    elapsed = time.monotonic() - started_at
    ordered = sorted(latencies)
    return {
        "requests_per_s": (len(latencies) - errors) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[int(0.99 * (len(ordered) - 1))],
        "errors": errors,
    }


async def wait_until_serving(server: asyncio.subprocess.Process, base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        while server.returncode is None:
            try:
                await client.get("/")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"the app exited with {server.returncode} before serving")


@asynccontextmanager
async def serving(variant: str, url: str) -> AsyncIterator[str]:
    """The variant under uvicorn as production runs it (uvloop, httptools), on a free
    port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, VARIANT_ENV: variant}
    server = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "uvicorn", "--factory", "--port", str(port)],
        *["--loop", "uvloop", "--http", "httptools", "--log-level", "warning"],
        "tests.performance.bench.variants:app_for_variant",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_serving(server, base)
        yield base
    finally:
        server.terminate()
        await server.wait()


def load_generator() -> Callable[..., Awaitable[dict[str, Any]]]:
    return drive_wrk if WRK else drive


def summarize(variant: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    rates = [run["requests_per_s"] for run in runs]
    kinds = [Counter(run.get("error_kinds", {})) for run in runs]
    return {
        "name": variant,
        "median": statistics.median(rates),
        "min": min(rates),
        "max": max(rates),
        # Latency percentiles: the median over the runs of each run's percentile.
        "p50_ms": statistics.median(run["p50_ms"] for run in runs),
        "p99_ms": statistics.median(run["p99_ms"] for run in runs),
        "p99_min_ms": min(run["p99_ms"] for run in runs),
        "p99_max_ms": max(run["p99_ms"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "error_kinds": dict(sum(kinds, Counter())),
    }


async def measure(
    variant: str,
    url: str,
    *,
    clients: int,
    seconds: float,
    repeats: int,
    users: int,
    app_url: str | None = None,
) -> dict[str, Any]:
    """`repeats` timed runs of `seconds` each after a warm-up. The app connects to
    `app_url` (a proxy in front of the server, say), the samplers straight to `url`."""
    load = load_generator()
    path = VARIANTS[variant][1]
    async with serving(variant, app_url or url) as base:
        await load(base, path, clients, min(1.0, seconds), users)  # warm-up
        stop = asyncio.Event()
        sampler = asyncio.create_task(count_connections(url, stop))
        pool_sampler = asyncio.create_task(
            peak_checked_out(base, stop) if variant in POOL_REPORTED else none()
        )
        runs = [await load(base, path, clients, seconds, users) for _ in range(repeats)]
        stop.set()
        return {
            **summarize(variant, runs),
            "peak_checked_out": await pool_sampler,
            "peak_connections": await sampler,
        }


async def measure_pair(
    a: str, b: str, url: str, *, clients: int, seconds: float, pairs: int, users: int
) -> dict[str, Any]:
    """A and B served side by side and loaded in turn, A B, B A, A B ..., so that what
    else the machine does falls on both alike; each pair gives one ratio."""
    load = load_generator()
    async with serving(a, url) as base_a, serving(b, url) as base_b:
        bases = {a: base_a, b: base_b}
        for name in (a, b):  # warm-up
            await load(bases[name], VARIANTS[name][1], clients, 1.0, users)
        runs: dict[str, list[dict[str, Any]]] = {a: [], b: []}
        for pair in range(pairs):
            for name in (a, b) if pair % 2 == 0 else (b, a):
                run = await load(
                    bases[name], VARIANTS[name][1], clients, seconds, users
                )
                runs[name].append(run)
    ratios = [
        run_a["requests_per_s"] / run_b["requests_per_s"]
        for run_a, run_b in zip(runs[a], runs[b], strict=True)
    ]
    return {
        "a": summarize(a, runs[a]),
        "b": summarize(b, runs[b]),
        "ratios": ratios,
        "a_at_least_b": sum(ratio >= 1 for ratio in ratios),
        "p99_ratios": [
            run_a["p99_ms"] / run_b["p99_ms"]
            for run_a, run_b in zip(runs[a], runs[b], strict=True)
        ],
    }


async def count_round_trips(variant: str, url: str, requests: int) -> float:
    """Round trips to the database per request, one request at a time after a warm-up:
    counted by a proxy between the app and the server, not timed."""
    path = VARIANTS[variant][1]
    with Proxy(url) as proxy:
        proxied = proxy.url.render_as_string(hide_password=False)
        async with serving(variant, proxied) as base, httpx.AsyncClient() as client:
            for n in range(20 + requests):  # 20 first: connect, prepare statements
                if n == 20:
                    before = proxy.round_trips
                (await client.get(base + path.format(id=1 + n))).raise_for_status()
                # A session held until the response is sent closes just after it: let
                # it, or the next request would find its connection still out.
                await asyncio.sleep(0.05)
            return (proxy.round_trips - before) / requests
