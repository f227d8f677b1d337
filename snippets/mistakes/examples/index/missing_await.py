import asyncio
import gc
import warnings

from sqlalchemy import select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                # No await (mypy: "Maybe you forgot to use 'await'?").
                session.execute(select(User)).scalars()  # type: ignore[attr-defined]
            except AttributeError as exc:
                print(f"{type(exc).__name__}: {exc}")
                #> AttributeError: 'coroutine' object has no attribute 'scalars'
            gc.collect()  # Python warns when it collects the coroutine: now, for sure
        for warning in caught:
            if "AsyncSession" in str(warning.message):  # not other code's garbage
                print(f"{warning.category.__name__}: {warning.message}")
                #> RuntimeWarning: coroutine 'AsyncSession.execute' was never awaited
        # --8<-- [end:pattern]


asyncio.run(main())
