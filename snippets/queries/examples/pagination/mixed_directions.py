import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.queries.pagination import SortKey, keyset_page
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        session.add(User(email="ada2@example.com", name="Ada Lovelace"))
        await session.commit()
        # --8<-- [start:pattern]
        secret = b"k" * 32  # the app's: app.state.cursor_secret
        # Newest names first; among equal names, the older row (smaller id) first.
        keys = [SortKey(User.name, descending=True), SortKey(User.id)]
        first = await keyset_page(session, select(User), keys, 3, None, secret)
        with log_sql(engine) as sql:
            rest = await keyset_page(
                session, select(User), keys, 3, first.next_cursor, secret
            )
        for page in (first, rest):
            print([(user.name, user.id) for user in page.items])
        print(sql[0])
        # --8<-- [end:pattern]


asyncio.run(main())
