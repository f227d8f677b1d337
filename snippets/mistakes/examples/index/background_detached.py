import asyncio
import logging

from fastapi import BackgroundTasks, FastAPI, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.app import DbSession
from snippets.models import Post, User
from snippets.sample_client import sample_client
from snippets.sessions.background import run_job

logging.basicConfig(format="%(message)s")  # a failed task is only ever logged


# --8<-- [start:pattern]
app = FastAPI()


def count_posts(user: User) -> None:
    try:
        print(f"{user.name}: {len(user.posts)} posts")
    except Exception as exc:
        message = str(exc).split(" (Back")[0].replace(hex(id(user)), "0x...")
        print(f"{type(exc).__name__}: {message}")
        """
        DetachedInstanceError: Parent instance <User at 0x...> is not bound to a Session; lazy load operation of attribute 'posts' cannot proceed
        """


@app.post("/users/{user_id}/digest", status_code=202)
async def send_digest(user_id: int, session: DbSession, tasks: BackgroundTasks) -> None:
    user = await session.get_one(User, user_id)
    tasks.add_task(count_posts, user)  # runs after the request's session is closed


async def count_posts_of(session: AsyncSession, user_id: int) -> None:
    posts = await session.scalar(select(func.count()).where(Post.author_id == user_id))
    print(f"user {user_id}: {posts} posts")
    #> user 1: 2 posts


@app.post("/users/{user_id}/digest-fixed", status_code=202)
async def send_digest_fixed(
    user_id: int, request: Request, tasks: BackgroundTasks
) -> None:
    # The task gets the id and the session factory; run_job opens its own session.
    factory = request.app.state.session_factory
    tasks.add_task(run_job, factory, count_posts_of, user_id)


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_client(app) as (_, client):
        await client.post("/users/1/digest")
        await client.post("/users/1/digest-fixed")


asyncio.run(main())
