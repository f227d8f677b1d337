import asyncio

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (_, sessions), sessions() as session:
        ada = User(email="ada@example.com", name="Ada")
        titles = ["C:\\temp", "saved to C:\\", "100%"]
        session.add_all(Post(title=title, author=ada) for title in titles)
        await session.flush()
        # --8<-- [start:pattern]
        by_id = select(Post.title).order_by(Post.id)
        for autoescape in (False, True):
            for condition in (
                Post.title.contains("\\", autoescape=autoescape),
                Post.title.endswith("C:\\", autoescape=autoescape),
            ):
                found: object
                try:
                    async with session.begin_nested():  # an error undoes this only
                        found = (await session.scalars(by_id.where(condition))).all()
                except DBAPIError as exc:
                    found = f"{type(driver_error(exc)).__name__}: {driver_error(exc)}"
                print(autoescape, found)
        # --8<-- [end:pattern]


asyncio.run(main())
