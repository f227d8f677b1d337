import asyncio

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from snippets.app import create_app
from snippets.sample_client import sample_client
from snippets.schemas import UserUpdate
from snippets.settings import Settings

plain = FastAPI()  # FastAPI's default handlers


@plain.patch("/users/{user_id}")
async def rename(user_id: int, body: UserUpdate) -> UserUpdate:
    return body


guide = create_app(Settings(database_url="sqlite+aiosqlite://"))


async def main() -> None:
    # ASGITransport raises the exception that a server would log with its 500.
    transport = ASGITransport(app=plain)
    async with (
        AsyncClient(transport=transport, base_url="http://app") as client,
        sample_client(guide) as (_, guarded),
    ):
        # --8<-- [start:pattern]
        # Bytes that are not UTF-8, sent as anything but JSON.
        body = b"\xff\xfe"
        text = {"content-type": "text/plain"}
        try:
            await client.patch("/users/1", content=body, headers=text)
        except UnicodeDecodeError as exc:
            print(f"{type(exc).__name__}: {exc}")
            """
            UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte
            """
        # The reference app installs answer_bad_input:
        response = await guarded.patch("/users/1", content=body, headers=text)
        print(response.status_code, response.json()["detail"][0]["type"])
        #> 422 model_attributes_type
        # --8<-- [end:pattern]


asyncio.run(main())
