import asyncio

from snippets.models import Comment, User
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        # --8<-- [start:pattern]
        linus = await session.get(User, 3)
        graces = await session.get(Comment, 1)
        assert linus is not None
        assert graces is not None
        print(graces.author_id)
        #> 2
        with log_sql(engine) as sql:
            linus.comments.add(graces)
            await session.commit()
        print(graces.author_id, len(sql), sql[0].split("=")[0])
        #> 3 1 UPDATE comments SET author_id
        # --8<-- [end:pattern]


asyncio.run(main())
