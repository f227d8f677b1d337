import asyncio

from fastapi.exceptions import ResponseValidationError
from sqlalchemy import inspect
from sqlalchemy.orm.exc import DetachedInstanceError

from snippets.app import DbSession, create_app
from snippets.models import User
from snippets.relationships.api import AuthorRead
from snippets.sample_client import sample_client
from snippets.settings import Settings

# --8<-- [start:pattern]
app = create_app(Settings(database_url="sqlite+aiosqlite://"))


@app.get("/authors/{user_id}", response_model=AuthorRead)
async def read_author(user_id: int, session: DbSession) -> User | None:
    return await session.get(User, user_id)  # posts not loaded


async def main() -> None:
    async with sample_client(app) as (_, client):
        try:
            await client.get("/authors/1")
        except ResponseValidationError as exc:
            error = exc.errors()[0]
            print(error["loc"], error["msg"])
            """
            ("response", "posts")
            Error extracting attribute: InvalidRequestError: 'User.posts' is not available due to lazy='raise_on_sql'
            """
            user = error["input"]
            print(sorted(inspect(user).expired_attributes))
            #> ['comments', 'created_at', 'email', 'id', 'name', 'posts', 'updated_at']
            try:
                str(exc)
            except DetachedInstanceError as failure:
                print(type(failure).__name__)
                #> DetachedInstanceError


# --8<-- [end:pattern]


asyncio.run(main())
