import asyncio

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        result = await session.execute(select(User.name).order_by(User.id))
        try:
            # The rows are already here: nothing to await (mypy says so too).
            await result.scalars()  # type: ignore[misc]
        except TypeError as exc:
            print(f"{type(exc).__name__}: {exc}")
            #> TypeError: object ScalarResult can't be used in 'await' expression
        names = (await session.scalars(select(User.name).order_by(User.id))).all()
        print(names[:2])
        #> ['Ada Lovelace', 'Grace Hopper']
        # --8<-- [end:pattern]


asyncio.run(main())
