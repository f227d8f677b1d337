"""docs/deploying/logins.md, its pooler section: what a deployment adds to the PgBouncer page
(docs/pooling/pgbouncer.md), on a real PgBouncer 1.24 in transaction mode."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from snippets.database import create_engine
from snippets.deploying.listen import create_listener_app
from snippets.settings import Settings
from tests import pgbouncer
from tests.pages import page, shown_output
from tests.pooling.test_pgbouncer import admin_rows, in_transactions, reads

pytestmark = pytest.mark.parametrize("backend", ["postgres"])
PAGE = "deploying/logins.md"
ENGINES = 4  # as four app processes would each have one
POOL_SIZE = 2  # PgBouncer's default_pool_size


def pool_counts(url: URL) -> tuple[int, int]:
    """(client connections, server connections) of the app's pool, from SHOW POOLS."""
    for row in admin_rows(url, "SHOW POOLS"):
        if row["database"] == url.database:
            clients = sum(int(v) for k, v in row.items() if k.startswith("cl_"))
            servers = sum(int(v) for k, v in row.items() if k.startswith("sv_"))
            return clients, servers
    return 0, 0  # no client has connected yet


async def test_four_engines_share_two_server_connections_without_errors(
    database_url: str,
) -> None:
    server = make_url(database_url)
    with pgbouncer.pooler(server, "transaction", version="1.24") as url:
        engines = [create_engine(Settings(database_url=url)) for _ in range(ENGINES)]
        peak = Counter[str]()
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                clients, servers = pool_counts(url)
                peak["clients"] = max(peak["clients"], clients)
                peak["servers"] = max(peak["servers"], servers)
                stop.wait(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            errors = await asyncio.gather(*(reads(e, in_transactions) for e in engines))
        finally:
            stop.set()
            sampler.join()
    total = sum(errors, Counter[str]())
    assert total == Counter()
    lines = [
        f"{ENGINES} engines, {ENGINES * 200} reads, {ENGINES * 40} at a time:  {sum(total.values())} errors",
        f"client connections to PgBouncer, most at once:   {peak['clients']}",
        f"server connections to PostgreSQL, most at once:  {peak['servers']}",
    ]
    print("\n".join(lines))
    assert "\n".join(lines) == shown_output(PAGE, "pgbouncer-many-clients")
    # The server line is PgBouncer's cap, as the page says; the clients queued on it.
    assert peak["servers"] <= POOL_SIZE < peak["clients"]
    assert f"PgBouncer's cap (`default_pool_size = {POOL_SIZE}`)" in " ".join(
        page(PAGE).split()
    )


async def show_after(url: URL, statements: list[str], name: str) -> str:
    """`statements` on one client, committed; then SHOW `name` on another client.
    With one server connection, the second client gets the same one."""
    first = create_async_engine(url, poolclass=NullPool)
    second = create_async_engine(url, poolclass=NullPool)
    try:
        async with first.connect() as one, second.connect() as other:
            for statement in statements:
                await one.execute(text(statement))
            await one.commit()
            return str(await other.scalar(text(f"SHOW {name}")))
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_session_set_leaks_to_other_clients_set_local_does_not(
    database_url: str,
) -> None:
    one_server = {"default_pool_size": "1"}
    server = make_url(database_url)
    with pgbouncer.pooler(
        server, "transaction", version="1.24", settings=one_server
    ) as url:
        leaked = await show_after(
            url, ["SET statement_timeout = '5s'"], "statement_timeout"
        )
        # Leaked to a server connection every later client may get: reset it.
        cleaned = await show_after(
            url, ["RESET statement_timeout"], "statement_timeout"
        )
        local = await show_after(
            url, ["SET LOCAL statement_timeout = '5s'"], "statement_timeout"
        )
        # PgBouncer tracks a few parameters per client and restores them; TimeZone is one.
        own = await show_after(url, [], "TimeZone")  # the server's default
        after = await show_after(url, ["SET TimeZone = 'Asia/Tokyo'"], "TimeZone")
        tracked = "its own, unchanged" if after == own != "Asia/Tokyo" else after
    assert cleaned == "0"
    lines = [
        f"SET statement_timeout = '5s', then another client:        {leaked}",
        f"SET LOCAL statement_timeout = '5s', then another client:  {local}",
        f"SET TimeZone = 'Asia/Tokyo', then another client:         {tracked}",
    ]
    print("\n".join(lines))
    assert "\n".join(lines) == shown_output(PAGE, "pgbouncer-set")


async def test_listen_through_pgbouncer_listens_on_a_server_connection_not_the_client(
    database_url: str,
) -> None:
    one_server = {"default_pool_size": "1"}
    server = make_url(database_url)
    with pgbouncer.pooler(
        server, "transaction", version="1.24", settings=one_server
    ) as url:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        listener = await asyncpg.connect(dsn)
        other = await asyncpg.connect(dsn)
        received: list[str] = []
        try:
            await listener.add_listener(
                "orders", lambda *args: received.append(args[3])
            )
            channels = await other.fetchval(
                "SELECT array_agg(c) FROM pg_listening_channels() c"
            )
            await other.execute("NOTIFY orders, 'paid'")
            await listener.execute("SELECT 1")
            await asyncio.sleep(
                1
            )  # a notification arrives within milliseconds when it does
        finally:
            await listener.close()
            await other.close()
        # The listener app with DATABASE_URL at PgBouncer and the listener's own URL at
        # the server: the notification sent through PgBouncer arrives.
        app = create_listener_app(
            Settings(database_url=url),  # type: ignore[arg-type]
            listen_url=server.render_as_string(hide_password=False),
        )
        async with (
            app.router.lifespan_context(app),
            AsyncClient(
                transport=ASGITransport(app=app), base_url="http://a"
            ) as client,
        ):
            for _ in range(600):
                if (await client.get("/ready")).status_code == 200:
                    break
                await asyncio.sleep(0.05)
            other = await asyncpg.connect(dsn)
            try:
                await other.execute("NOTIFY orders, 'paid through PgBouncer'")
            finally:
                await other.close()
            for _ in range(600):
                arrived = (await client.get("/received")).json()
                if "paid through PgBouncer" in arrived:
                    break
                await asyncio.sleep(0.05)
    assert channels == [
        "orders"
    ]  # the other client's server connection is the one listening
    assert received == []
    assert "paid through PgBouncer" in arrived
