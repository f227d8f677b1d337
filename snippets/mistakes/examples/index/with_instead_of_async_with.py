import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions):
        # --8<-- [start:pattern]
        try:
            with sessions() as session:  # type: ignore[attr-defined]
                await session.scalar(select(User.name))
        except TypeError as exc:
            print(f"{type(exc).__name__}: {exc}")
            """
            TypeError: 'AsyncSession' object does not support the context manager protocol
            """
        async with sessions() as session:
            print(await session.scalar(select(User.name).order_by(User.id)))
            #> Ada Lovelace
        # --8<-- [end:pattern]


asyncio.run(main())
