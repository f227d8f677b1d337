import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from httpx import ASGITransport, AsyncClient

# --8<-- [start:pattern]
events: list[str] = []


async def commits_after_yield() -> AsyncIterator[None]:
    yield
    events.append("code after yield")


app = FastAPI()
Default = Annotated[None, Depends(commits_after_yield)]
Function = Annotated[None, Depends(commits_after_yield, scope="function")]


@app.post("/default")
async def default_scope(_: Default) -> None: ...


@app.post("/function")
async def function_scope(_: Function) -> None: ...


async def record_response(scope: Any, receive: Any, send: Any) -> None:
    async def sending(message: Any) -> None:
        await send(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            events.append("response sent")

    await app(scope, receive, sending)


async def main() -> None:
    transport = ASGITransport(app=record_response)
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        for path in ("/default", "/function"):
            events.clear()
            await client.post(path)
            print(path, events)
            #> /default ['response sent', 'code after yield']
            #> /function ['code after yield', 'response sent']


# --8<-- [end:pattern]


asyncio.run(main())
