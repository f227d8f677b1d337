import asyncio

from sqlalchemy import Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY

from snippets.models import User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(postgres=True) as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ids = list(range(1, 40_001))
        in_ids = any_(bindparam("ids", type_=ARRAY(Integer)))  # one parameter: an array
        query = select(User.name).where(User.id == in_ids).order_by(User.id)
        with log_sql(engine) as sql:
            names = (await session.scalars(query, {"ids": ids})).all()
        print(names)
        #> ['Ada Lovelace', 'Grace Hopper', 'Linus Torvalds']
        print(sql[0])
        """
        SELECT users.name
        FROM users
        WHERE users.id = ANY ($1::INTEGER[]) ORDER BY users.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
