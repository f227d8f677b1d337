import asyncio

from sqlalchemy import select, update
from sqlalchemy.orm import defer

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # The sample posts have empty bodies: give the first one some text.
        await session.execute(update(Post).where(Post.id == 1).values(body="Notes."))
        await session.commit()
        # --8<-- [start:pattern]
        query = select(Post).options(defer(Post.body)).where(Post.id == 1)
        post = (await session.scalars(query)).one()
        try:
            print(post.body)  # a query, which an attribute read cannot await
        except Exception as exc:
            error = getattr(exc, "orig", exc)  # SQLite wraps it in StatementError
            print(type(exc).__name__)
            print(f"{type(error).__name__}: {error}".split(" (Background")[0])
        with log_sql(engine) as sql:
            print(await post.awaitable_attrs.body)  # the same load, awaited
            await session.refresh(post, ["body"])  # or ask for it by name
        print(*sql, sep="\n\n")
        # --8<-- [end:pattern]


asyncio.run(main())
