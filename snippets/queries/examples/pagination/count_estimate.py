import asyncio

from sqlalchemy import func, insert, select, text

from snippets.models import User
from snippets.queries.pagination import estimated_count
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(postgres=True) as (_, sessions), sessions() as session:
        rows = [{"email": f"u{n}@example.com", "name": f"User {n}"} for n in range(997)]
        await session.execute(insert(User), rows)
        await session.commit()
        # --8<-- [start:pattern]
        filtered = select(User).where(User.name.like("User 1%"))
        exact = select(func.count()).select_from(filtered.subquery())
        print(await session.scalar(exact), await estimated_count(session, "users"))
        #> 111 None
        await session.execute(text("ANALYZE users"))
        print(await estimated_count(session, "users"))
        #> 1000
        # --8<-- [end:pattern]


asyncio.run(main())
