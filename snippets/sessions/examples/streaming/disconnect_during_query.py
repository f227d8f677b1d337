import asyncio

from fastapi import FastAPI

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.streaming import (
    TimingMiddleware,
    add_timing_header,
    backends,
    disconnect_after,
    serving,
    slow_app,
)


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        plain, base, asgi = (slow_app(sessions, 0.3) for _ in range(3))
        add_timing_header(base)
        asgi.add_middleware(TimingMiddleware)
        apps: dict[str, FastAPI] = {"plain": plain, "BaseHTTP": base, "ASGI": asgi}
        for name, app in apps.items():
            # --8<-- [start:pattern]
            async with serving(app) as port:  # uvicorn, in this event loop
                await disconnect_after(port, "/slow", 0.1)  # gone while the query runs
                running = await backends(
                    engine, "state = 'active' AND query LIKE '%pg_sleep%'"
                )
                await asyncio.sleep(0.4)  # the query's 0.3 s are over
                busy = await backends(engine, "state <> 'idle'")
            checked_out = pool_numbers(engine)["checked_out"]
            after = f"{checked_out} checked out, {busy} busy backends"
            print(f"{name}: {running} running, route {app.state.outcomes}; {after}")
            #> plain: 1 running, route ['finished']; 0 checked out, 0 busy backends
            #> BaseHTTP: 1 running, route ['finished']; 0 checked out, 0 busy backends
            #> ASGI: 1 running, route ['finished']; 0 checked out, 0 busy backends
            # --8<-- [end:pattern]


asyncio.run(main())
