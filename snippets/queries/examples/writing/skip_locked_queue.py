import asyncio

from sqlalchemy import select

from snippets.models import Post
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(postgres=True) as (engine, sessions), sessions() as worker_1:
        # --8<-- [start:pattern]
        next_job = (
            select(Post)
            .where(Post.published.is_(False))
            .order_by(Post.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        async with sessions() as worker_2:
            with log_sql(engine) as sql:
                job_1 = await worker_1.scalar(next_job)
            job_2 = await worker_2.scalar(next_job)
            assert job_1 is not None
            assert job_2 is not None
            print(job_1.title, "|", job_2.title)
            #> COBOL reads like English | Loops in Python
            job_1.published = job_2.published = True
            await worker_1.commit()
            await worker_2.commit()
        print(await worker_1.scalar(next_job))
        #> None
        print(sql[0])
        """
        SELECT posts.id, posts.author_id, posts.title, posts.body, posts.published, posts.created_at, posts.updated_at
        FROM posts
        WHERE posts.published IS false ORDER BY posts.id
         LIMIT $1::INTEGER FOR UPDATE SKIP LOCKED
        """
        # --8<-- [end:pattern]


asyncio.run(main())
