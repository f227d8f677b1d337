import asyncio

from sqlalchemy import delete, inspect

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        for mode in ["auto", "fetch", False]:
            linus = await session.get(User, 3)  # loaded before the DELETE
            assert linus is not None
            await session.execute(
                delete(User).where(User.id.in_([3])),
                execution_options={"synchronize_session": mode},
            )
            print(f"{mode!r}: deleted={inspect(linus).deleted}, {linus in session=}")
            #> 'auto': deleted=True, linus in session=False
            #> 'fetch': deleted=True, linus in session=False
            #> False: deleted=False, linus in session=True
            await session.rollback()  # Linus is back for the next mode
        """
        'auto': deleted=True, linus in session=False
        'fetch': deleted=True, linus in session=False
        False: deleted=False, linus in session=True
        """
        # --8<-- [end:pattern]


asyncio.run(main())
