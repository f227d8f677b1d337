import asyncio
import gc
import warnings

from sqlalchemy import func, select

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ada = await session.get_one(User, 1)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            session.delete(ada)  # type: ignore[unused-coroutine]
            gc.collect()  # CPython warns at once; other Pythons when they collect it
        await session.commit()  # commits nothing: the delete never ran
        print(await session.scalar(select(func.count()).select_from(User)))
        #> 3
        for warning in caught:
            if "AsyncSession" in str(warning.message):  # not other code's garbage
                print(f"{warning.category.__name__}: {warning.message}")
                #> RuntimeWarning: coroutine 'AsyncSession.delete' was never awaited
        await session.delete(ada)
        await session.commit()
        print(await session.scalar(select(func.count()).select_from(User)))
        #> 2
        # --8<-- [end:pattern]


asyncio.run(main())
