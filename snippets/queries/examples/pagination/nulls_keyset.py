import asyncio

from sqlalchemy import select

from snippets.models import Category
from snippets.queries.pagination import SortKey, keyset_page
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        secret = b"k" * 32  # the app's: app.state.cursor_secret
        keys = [SortKey(Category.parent_id), SortKey(Category.id)]
        cursor: str | None = None
        pages = []
        while True:
            with log_sql(engine) as sql:
                page = await keyset_page(
                    session, select(Category), keys, 2, cursor, secret
                )
            pages.append([(c.parent_id, c.name) for c in page.items])
            if (cursor := page.next_cursor) is None:
                break
        print(*pages, sep="\n")
        print(sql[0])  # page 2: after parent_id 1, NULLs included
        # --8<-- [end:pattern]


asyncio.run(main())
