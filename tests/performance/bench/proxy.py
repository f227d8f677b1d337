"""A TCP proxy in front of PostgreSQL that counts round trips and can add latency.

A round trip is what a client waits for: it sends, then nothing more until the server
answers. The proxy counts one each time a client sends after the server last spoke on that
connection (pipelined messages, sent together, count once). With `delay`, the first bytes
of each round trip wait that long before they go on, as a network between the app and the
database would make them.

    python -m tests.performance.bench.proxy URL DELAY_MS   # prints the proxied URL

Threads, not asyncio: the event loop's timers have a resolution of a millisecond, too
coarse for a delay of half of one; time.sleep() is not.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Self

from sqlalchemy import URL, make_url


class Proxy:
    def __init__(self, url: URL | str, delay: float = 0.0) -> None:
        """`url`: the server's (a Unix socket in `?host=/dir`, or host and port);
        `delay`: seconds added to every round trip."""
        self.upstream = make_url(url)
        self.delay = delay
        self.round_trips = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = []
        self.url = self.upstream.set(
            host="127.0.0.1",
            port=self._listener.getsockname()[1],
            query={k: v for k, v in self.upstream.query.items() if k != "host"},
        )

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._listener.close()
        for sock in self._sockets:
            sock.close()

    def _connect_upstream(self) -> socket.socket:
        host = self.upstream.query.get("host")
        port = self.upstream.port or 5432
        if isinstance(host, str) and host.startswith("/"):
            server = socket.socket(socket.AF_UNIX)
            server.connect(f"{host}/.s.PGSQL.{port}")
            return server
        server = socket.create_connection((self.upstream.host or "localhost", port))
        server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return server

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            server = self._connect_upstream()
            self._sockets += [client, server]
            # True while the client may start a round trip: the server spoke last.
            answered = [True]
            threading.Thread(
                target=self._requests, args=(client, server, answered), daemon=True
            ).start()
            threading.Thread(
                target=self._answers, args=(server, client, answered), daemon=True
            ).start()

    def _requests(
        self, client: socket.socket, server: socket.socket, answered: list[bool]
    ) -> None:
        with _shut_after(server), contextlib.suppress(OSError):
            while data := client.recv(65536):
                with self._lock:
                    starts = answered[0]
                    answered[0] = False
                    self.round_trips += starts
                if starts and self.delay:
                    time.sleep(self.delay)
                server.sendall(data)

    def _answers(
        self, server: socket.socket, client: socket.socket, answered: list[bool]
    ) -> None:
        with _shut_after(client), contextlib.suppress(OSError):
            while data := server.recv(65536):
                # Before the client can read the answer, so its next message counts.
                with self._lock:
                    answered[0] = True
                client.sendall(data)


@contextlib.contextmanager
def _shut_after(sock: socket.socket) -> Iterator[None]:
    """Passes the end of one direction on to the other side."""
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)


def main() -> None:
    """Serve until stopped, in a process of its own: the proxy's threads then take no
    time from the event loop of the program it measures."""
    url, delay_ms = sys.argv[1], float(sys.argv[2])
    with Proxy(url, delay_ms / 1000) as proxy:
        print(proxy.url.render_as_string(hide_password=False), flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
