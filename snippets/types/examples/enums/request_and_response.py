import asyncio

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from snippets.types.enums import ArticleBody

# --8<-- [start:pattern]
app = FastAPI()


@app.post("/articles", status_code=201)
async def create_article(body: ArticleBody) -> ArticleBody:
    print(repr(body.status))  # what the route gets: a member
    #> <Status.PUBLISHED: 'published'>
    return body


async def main() -> None:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://app") as client:
        created = await client.post("/articles", json={"status": "published"})
        print(created.status_code, created.json())
        #> 201 {'status': 'published'}
        refused = await client.post("/articles", json={"status": "PUBLISHED"})
        print(refused.status_code, refused.json()["detail"][0]["msg"])
        #> 422 Input should be 'draft' or 'published'
        # --8<-- [end:pattern]


asyncio.run(main())
