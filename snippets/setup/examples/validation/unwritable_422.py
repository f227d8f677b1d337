import asyncio

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from snippets.schemas import UserUpdate
from snippets.setup.validation import answer_bad_input


# --8<-- [start:pattern]
def rename_app() -> FastAPI:
    app = FastAPI()

    @app.patch("/users/{user_id}")
    async def rename(user_id: int, body: UserUpdate) -> UserUpdate:
        return body

    return app


plain = rename_app()  # FastAPI's default handlers
guide = rename_app()
answer_bad_input(guide)  # as create_app does


async def answer(
    app: FastAPI, body: bytes, content_type: str = "application/json"
) -> str:
    """The status and the error's type; or the exception a server logs with a 500."""
    transport = ASGITransport(app=app)  # raises what the app raised
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        headers = {"content-type": content_type}
        try:
            response = await client.patch("/users/1", content=body, headers=headers)
        except ValueError as exc:  # UnicodeError is a ValueError too
            return f"{type(exc).__name__}: {exc}"
    return f"{response.status_code} {response.json()['detail'][0]['type']}"


async def main() -> None:
    lone = b'{"name": "\\ud800"}'  # a lone surrogate: valid JSON, but no text
    print(await answer(plain, lone))
    """
    UnicodeEncodeError: 'utf-8' codec can't encode character '\ud800' in position 152: surrogates not allowed
    """
    print(await answer(guide, lone))
    #> 422 string_unicode
    # --8<-- [end:pattern]
    # --8<-- [start:not_utf8]
    print(await answer(plain, b"\xff\xfe", "text/plain"))
    """
    UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte
    """
    print(await answer(guide, b"\xff\xfe", "text/plain"))
    #> 422 model_attributes_type
    # --8<-- [end:not_utf8]
    # --8<-- [start:nan]
    print(await answer(plain, b'{"name": NaN}'))
    #> ValueError: Out of range float values are not JSON compliant
    print(await answer(guide, b'{"name": NaN}'))
    #> 422 string_type
    # --8<-- [end:nan]


asyncio.run(main())
