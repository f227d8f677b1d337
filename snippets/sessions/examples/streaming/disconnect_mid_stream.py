import asyncio

import httpx

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.streaming import (
    add_long_emails,
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
        async with serving(export_app(sessions, yield_per=100)) as port:
            url = f"http://127.0.0.1:{port}/users.txt"
            async with httpx.AsyncClient() as client:
                response = await client.get(url)
            print(response.status_code, len(response.text.splitlines()), "lines")
            #> 200 20000 lines
            # --8<-- [start:pattern]
            async with stalled_client(port, "/users.txt"):  # reads 1 KiB, then stops
                await stalled(engine, 5.0)  # until the body waits for the client
                streaming = await backends(engine, "state <> 'idle'")
            await settle(engine, 0.5)  # the client has closed its socket
            busy = await backends(engine, "state <> 'idle'")
            print(f"while streaming: {streaming} transaction open")
            #> while streaming: 1 transaction open
            checked_out = pool_numbers(engine)["checked_out"]
            print(f"then: {checked_out} checked out, {busy} busy backends")
            #> then: 0 checked out, 0 busy backends
            # --8<-- [end:pattern]


asyncio.run(main())
