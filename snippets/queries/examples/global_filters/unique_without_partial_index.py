import asyncio

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError

from snippets.database import driver_error
from snippets.queries.global_filters import (
    Subscriber,
    create_tables,
    soft_delete_sessions,
)
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)
        sessions = soft_delete_sessions(engine)
        async with sessions() as session:
            session.add(Subscriber(email="ada@example.com"))
            await session.commit()
            # --8<-- [start:pattern]
            await session.execute(  # Ada unsubscribes: soft delete
                update(Subscriber).values(deleted_at=func.now())
            )
            session.add(Subscriber(email="ada@example.com"))  # and comes back
            try:
                await session.commit()
            except IntegrityError as exc:
                message = str(driver_error(exc)).splitlines()[0]  # the driver's own
                print(f"{type(exc).__name__}: {message}")
            # --8<-- [end:pattern]


asyncio.run(main())
