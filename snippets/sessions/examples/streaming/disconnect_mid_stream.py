import asyncio

import httpx
from sqlalchemy import text

from snippets.pooling.observe import pool_numbers
from snippets.sample import sample_db
from snippets.sessions.streaming import backends, export_app, serving

MANY_USERS = """INSERT INTO users (email, name)
SELECT 'user' || n || '@example.com', 'User ' || n FROM generate_series(1, 20000) n"""


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.execute(text(MANY_USERS))
        async with serving(export_app(sessions, yield_per=100)) as port:
            url = f"http://127.0.0.1:{port}/users.txt"
            async with httpx.AsyncClient() as client:
                response = await client.get(url)
            print(response.status_code, len(response.text.splitlines()), "lines")
            #> 200 20000 lines
            # --8<-- [start:pattern]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /users.txt HTTP/1.1\r\nHost: localhost\r\n\r\n")
            await reader.read(1024)  # the first lines, then the client stops reading
            await asyncio.sleep(0.2)
            streaming = await backends(engine, "state = 'idle in transaction'")
            writer.close()  # the client goes away mid-stream
            await asyncio.sleep(0.2)
            busy = await backends(engine, "state <> 'idle'")
            print(f"while streaming: {streaming} backend idle in transaction")
            #> while streaming: 1 backend idle in transaction
            checked_out = pool_numbers(engine)["checked_out"]
            print(f"then: {checked_out} checked out, {busy} busy backends")
            #> then: 0 checked out, 0 busy backends
            # --8<-- [end:pattern]


asyncio.run(main())
