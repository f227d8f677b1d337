import asyncio

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from snippets.sample import sample_db
from snippets.types.enums import CheckedBase, allow_archived


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(CheckedBase.metadata.create_all)
        # --8<-- [start:pattern]
        use = text("INSERT INTO articles (status) VALUES ('archived')")
        try:
            async with engine.begin() as connection:
                await connection.execute(use)
        except IntegrityError as exc:
            error = getattr(exc.orig, "__cause__", None) or exc.orig
            print(f"{type(error).__name__}: {error}")
        async with engine.begin() as connection:  # one transaction
            await connection.run_sync(allow_archived)
            await connection.execute(use)  # the new value is usable at once
            statuses = await connection.scalars(text("SELECT status FROM articles"))
            print(statuses.all())
        # --8<-- [end:pattern]


asyncio.run(main())
