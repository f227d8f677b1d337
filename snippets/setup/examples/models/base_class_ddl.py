import asyncio

from sqlalchemy.schema import CreateIndex, CreateTable

from snippets.database import close_db, create_engine
from snippets.models import Post
from snippets.settings import Settings


async def main() -> None:
    engine = create_engine(Settings())
    # --8<-- [start:pattern]
    dialect = engine.sync_engine.dialect
    posts = Post.metadata.tables["posts"]
    print(CreateTable(posts).compile(dialect=dialect))
    for index in posts.indexes:
        print(CreateIndex(index).compile(dialect=dialect))
    # --8<-- [end:pattern]
    await close_db(engine)


asyncio.run(main())
