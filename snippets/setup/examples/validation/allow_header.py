import asyncio

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from snippets.setup.validation import answer_bad_input


# --8<-- [start:pattern]
def notes_app(*, guide_handlers: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/notes/{note_id}")
    async def read_note(note_id: int) -> int:
        return note_id

    @app.delete("/notes/{note_id}")
    async def delete_note(note_id: int) -> None:
        return None

    if guide_handlers:
        answer_bad_input(app)
    return app


async def main() -> None:
    for guide_handlers in (False, True):
        transport = ASGITransport(app=notes_app(guide_handlers=guide_handlers))
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            response = await client.put("/notes/1")
            print(response.status_code, "Allow:", response.headers["allow"])
            #> 405 Allow: GET
            #> 405 Allow: DELETE, GET
    # --8<-- [end:pattern]


asyncio.run(main())
