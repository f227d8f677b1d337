import asyncio

from sqlalchemy import func, select

from snippets.models import User
from snippets.queries.pagination import paginate
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        by_name = select(User.name).order_by(User.name, User.id)
        with log_sql(engine) as sql:
            print(await paginate(session, by_name, page=2, size=2))
            #> Page(items=['Linus Torvalds'], total=3)
        print(sql[0])
        """
        SELECT count(*) AS count_1
        FROM (SELECT users.name AS name
        FROM users) AS anon_1
        """
        page_2 = by_name.limit(2).offset(2)
        wrong = select(func.count()).select_from(page_2.subquery())
        print(await session.scalar(wrong))
        #> 1
        # --8<-- [end:pattern]


asyncio.run(main())
