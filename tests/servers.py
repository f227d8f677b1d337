"""Start a command that serves HTTP on a free loopback port, as a reader would run it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.docs_examples import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    *module_and_args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> Iterator[subprocess.Popen[str]]:
    """`python -m MODULE ARGS...` with its output captured; stopped when the block ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", *module_and_args],
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=10)


def wait_for(
    process: subprocess.Popen[str], url: str, seconds: float = 30
) -> httpx.Response:
    """The first answer from `url`; fails with the process output if it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(
                f"exited with {process.returncode} before answering:\n{output}"
            )
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@contextmanager
def static_site(directory: Path, path: str) -> Iterator[str]:
    """Serve a built site under `path` as GitHub Pages does: 404.html for anything missing."""

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def translate_path(self, url: str) -> str:
            if not url.startswith(path):
                return str(directory / "no such file")
            return super().translate_path("/" + url.removeprefix(path))

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            if code != HTTPStatus.NOT_FOUND:
                return super().send_error(code, message, explain)
            body = (directory / "404.html").read_bytes()
            self.send_response(code)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output to failures

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{path}"
    finally:
        server.shutdown()
        server.server_close()
