import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (engine, sessions):
        # --8<-- [start:pattern]
        openers: list[Callable[[], Any]] = [sessions, sessions.begin, engine.begin]
        errors = []
        for opener in openers:
            try:
                with opener():
                    pass
            except TypeError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
        print("\n".join(errors))
        """
        TypeError: 'AsyncSession' object does not support the context manager protocol
        TypeError: '_AsyncSessionContextManager' object does not support the context manager protocol
        TypeError: '_AsyncGeneratorContextManager' object does not support the context manager protocol
        """
        async with sessions() as session:
            print(await session.scalar(select(User.name).order_by(User.id)))
            #> Ada Lovelace
        # --8<-- [end:pattern]


asyncio.run(main())
