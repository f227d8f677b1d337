import asyncio
import gc
import warnings

from fastapi import FastAPI

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.streaming import (
    ClosingStreamingResponse,
    TimingMiddleware,
    add_long_emails,
    add_timing_header,
    backends,
    export_app,
    serving,
    settle,
    stalled,
    stalled_client,
)


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        await add_long_emails(engine)  # a body of about 6 MB
        base = export_app(sessions, yield_per=100)
        add_timing_header(base)  # @app.middleware("http"): a BaseHTTPMiddleware
        closing = export_app(sessions, 100, response_class=ClosingStreamingResponse)
        add_timing_header(closing)
        asgi = export_app(sessions, yield_per=100)
        asgi.add_middleware(TimingMiddleware)
        apps: dict[str, FastAPI] = {"BaseHTTP": base, "closing": closing, "ASGI": asgi}
        collected: list[str] = []
        # The leak is a reference cycle: only the collect() below may end it, after the count.
        gc.disable()
        for name, app in apps.items():
            # --8<-- [start:pattern]
            async with serving(app) as port:
                async with stalled_client(port, "/users.txt"):
                    await stalled(engine, 5.0)  # until the body waits for the client
                await settle(engine, 0.5)  # the client has closed its socket
                idle = await backends(engine, "state = 'idle in transaction'")
            checked_out = pool_numbers(engine)["checked_out"]
            print(f"{name}: {checked_out} checked out, {idle} idle in transaction")
            #> BaseHTTP: 1 checked out, 1 idle in transaction
            #> closing: 0 checked out, 0 idle in transaction
            #> ASGI: 0 checked out, 0 idle in transaction
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                gc.collect()  # what releases the leaked connection
            collected += [f"{w.category.__name__}: {w.message}" for w in caught]
            # --8<-- [end:pattern]
        for warning in collected:  # the message's end names an address: cut
            print(warning.split(" <")[0])
            """
            SAWarning: The garbage collector is trying to clean up non-checked-in connection
            """


asyncio.run(main())
