"""A TCP proxy in front of the test server that counts round trips.

A round trip is the client sending after it last heard from the server (or for the first
time): the client then waits for an answer before it goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import URL


@dataclass
class Counter:
    round_trips: int = 0
    client_spoke_last: bool = False


@asynccontextmanager
async def counting_proxy(server: URL) -> AsyncIterator[tuple[URL, Counter]]:
    """A loopback URL that reaches `server` through the proxy, and its counter."""
    counter = Counter()
    socket_dir = server.query.get("host")
    port = server.port or 5432

    async def open_server() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if isinstance(socket_dir, str) and socket_dir.startswith("/"):
            return await asyncio.open_unix_connection(f"{socket_dir}/.s.PGSQL.{port}")
        return await asyncio.open_connection(server.host or "127.0.0.1", port)

    async def pump(
        source: asyncio.StreamReader, sink: asyncio.StreamWriter, from_client: bool
    ) -> None:
        while data := await source.read(65536):
            if from_client and not counter.client_spoke_last:
                counter.round_trips += 1
            counter.client_spoke_last = from_client
            sink.write(data)
            await sink.drain()
        sink.close()

    async def handle(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        server_reader, server_writer = await open_server()
        await asyncio.gather(
            pump(client_reader, server_writer, True),
            pump(server_reader, client_writer, False),
            return_exceptions=True,
        )

    proxy = await asyncio.start_server(handle, "127.0.0.1", 0)
    proxy_port = proxy.sockets[0].getsockname()[1]
    try:
        yield (
            server.set(host="127.0.0.1", port=proxy_port).difference_update_query(
                ["host"]
            ),
            counter,
        )
    finally:
        proxy.close()
        await proxy.wait_closed()
