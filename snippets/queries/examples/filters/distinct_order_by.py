import asyncio

from sqlalchemy import select
from sqlalchemy.exc import ProgrammingError

from snippets.database import driver_error
from snippets.models import Post, User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        joined = select(User.name).join(User.posts).where(Post.published)
        try:
            # Ordered by a column the DISTINCT list does not hold.
            query = joined.distinct().order_by(User.id)
            print((await session.scalars(query)).all())
        except ProgrammingError as exc:
            print(f"{type(driver_error(exc)).__name__}: {driver_error(exc)}")
        # --8<-- [end:pattern]


asyncio.run(main())
