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
        # A lone surrogate: valid JSON, but no text that UTF-8 can encode.
        body = b'{"name": "\\ud800"}'
        json = {"content-type": "application/json"}
        try:
            await client.patch("/users/1", content=body, headers=json)
        except UnicodeEncodeError as exc:
            print(f"{type(exc).__name__}: {exc}")
            """
            UnicodeEncodeError: 'utf-8' codec can't encode character '\ud800' in position 152: surrogates not allowed
            """
        # The reference app installs answer_bad_input:
        response = await guarded.patch("/users/1", content=body, headers=json)
        print(response.status_code, response.json()["detail"][0]["type"])
        #> 422 string_unicode
        # --8<-- [end:pattern]


asyncio.run(main())
