import asyncio

from sqlalchemy import select, text

from snippets.sample import sample_db
from snippets.types.enums import NamedArticle, NamesBase


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:  # VARCHAR(9), and no CHECK constraint
            await connection.run_sync(NamesBase.metadata.create_all)
        # --8<-- [start:pattern]
        insert = "INSERT INTO articles (status) VALUES ('published')"
        await session.execute(text(insert))  # accepted
        try:
            await session.scalars(select(NamedArticle))
        except LookupError as exc:
            print(f"{type(exc).__name__}: {exc}")
            """
            LookupError: 'published' is not among the defined enum values. Enum name: status. Possible values: DRAFT, PUBLISHED
            """
        # --8<-- [end:pattern]


asyncio.run(main())
