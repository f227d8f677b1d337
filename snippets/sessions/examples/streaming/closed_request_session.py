import asyncio
import logging
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from snippets.app import DbSession
from snippets.models import User
from snippets.sample import sample_db
from snippets.sessions.streaming import serving

# --8<-- [start:pattern]
app = FastAPI()


@app.get("/users.txt")
async def export_users(db: DbSession) -> StreamingResponse:
    # The body is produced after the route has returned, and get_db has closed db.
    async def lines() -> AsyncIterator[str]:
        async for email in await db.stream_scalars(select(User.email)):
            yield f"{email}\n"

    return StreamingResponse(lines(), media_type="text/plain")


# --8<-- [end:pattern]


class ShowError(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and (error := record.exc_info[1]):
            print(f"uvicorn logs {type(error).__name__}: {error}")
            """
            uvicorn logs InvalidRequestError: This Session has been permanently closed and is unable to handle any more transaction requests.
            """


async def main() -> None:
    async with sample_db() as (_, sessions):
        app.state.session_factory = sessions
        async with serving(app) as port, httpx.AsyncClient() as client:
            # Added once uvicorn has configured its logging, which resets handlers.
            uvicorn_log, show_error = logging.getLogger("uvicorn.error"), ShowError()
            uvicorn_log.addHandler(show_error)
            try:
                await client.get(f"http://127.0.0.1:{port}/users.txt")
            except httpx.RemoteProtocolError as exc:
                print(f"the client gets {type(exc).__name__}: {exc}")
                """
                the client gets RemoteProtocolError: peer closed connection without sending complete message body (incomplete chunked read)
                """
            uvicorn_log.removeHandler(show_error)


asyncio.run(main())
