import asyncio

from sqlalchemy import select, text

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        sql = text(
            "SELECT id, email, name, created_at, updated_at FROM users "
            "WHERE name LIKE :prefix ORDER BY id"
        )
        query = select(User).from_statement(sql)
        users = await session.scalars(query, {"prefix": "G%"})
        print([(user.id, user.email) for user in users])
        #> [(2, 'grace@example.com')]
        # --8<-- [end:pattern]


asyncio.run(main())
