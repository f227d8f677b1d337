"""Work outside the request: a background task with a session of its own, and a worker.

`uvicorn snippets.sessions.background:app` serves the reference app with the welcome
route; `python -m snippets.sessions.background` runs the job worker on DATABASE_URL.
"""

# --8<-- [start:run_job]
import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Concatenate, ParamSpec

from fastapi import APIRouter, BackgroundTasks, Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.app import create_app
from snippets.database import create_session_factory
from snippets.models import Post, User
from snippets.settings import Settings
from snippets.setup.validation import UserId

logger = logging.getLogger(__name__)
P = ParamSpec("P")


async def run_job(
    factory: async_sessionmaker[AsyncSession],
    job: Callable[Concatenate[AsyncSession, P], Awaitable[None]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> None:
    """Run `job(session, ...)` in a session and transaction of its own: committed if
    the job returns, rolled back and logged with its traceback if it raises."""
    try:
        async with factory.begin() as session:
            await job(session, *args, **kwargs)
    except Exception:
        # Nothing awaits a background task: this log line is the only report of it.
        # getattr: a functools.partial has no __name__.
        name = getattr(job, "__qualname__", repr(job))
        logger.exception("background job %s failed", name)


# --8<-- [end:run_job]


# --8<-- [start:route]
async def welcome_post(session: AsyncSession, user_id: int) -> None:
    author = await session.get_one(User, user_id)
    session.add(Post(title=f"Welcome, {author.name}!", author=author))


router = APIRouter()


@router.post("/users/{user_id}/welcome", status_code=202)
async def welcome(user_id: UserId, request: Request, tasks: BackgroundTasks) -> None:
    # The task runs after the response, when the request's session is closed: it gets
    # the app's session factory, not a session.
    factory = request.app.state.session_factory
    tasks.add_task(run_job, factory, welcome_post, user_id)


app = create_app()
app.include_router(router)
# --8<-- [end:route]


# --8<-- [start:jobs]
class JobsBase(DeclarativeBase):
    pass


class Job(JobsBase):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    seconds: Mapped[float]  # how long the job's work takes (a stand-in for real work)
    done: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)  # failed runs so far


async def process(session: AsyncSession, job: Job) -> None:
    """The job's work; its writes commit together with `done`."""
    await asyncio.sleep(job.seconds)


# --8<-- [end:jobs]


# --8<-- [start:work]
Handler = Callable[[AsyncSession, Job], Awaitable[None]]
MAX_ATTEMPTS = 3  # a job that failed this often is no longer claimed
# The oldest job to do; SKIP LOCKED: other workers skip the one this one holds.
CLAIM = (
    select(Job)
    .where(~Job.done, Job.attempts < MAX_ATTEMPTS)
    .order_by(Job.id)
    .limit(1)
    .with_for_update(skip_locked=True)
)


async def work(
    factory: async_sessionmaker[AsyncSession],
    handle: Handler,
    stop: asyncio.Event,
    idle: float = 0.5,
) -> None:
    """Process queued jobs, one session and transaction each, until `stop` is set."""
    while not stop.is_set():
        job_id = None
        try:
            async with factory.begin() as session:
                job = await session.scalar(CLAIM)
                if job is not None:
                    job_id = job.id
                    await handle(session, job)
                    job.done = True
        except Exception:
            if job_id is None:  # the claim itself failed: let the process exit
                raise
            # Rolled back: the job's writes are gone. Count the failure in a
            # transaction of its own, and carry on with the next job.
            logger.exception("job %s failed", job_id)
            async with factory.begin() as session:
                await session.execute(
                    update(Job).filter_by(id=job_id).values(attempts=Job.attempts + 1)
                )
        else:
            if job_id is None:  # nothing queued: wait, but wake at once on shutdown
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), idle)


# --8<-- [end:work]


# --8<-- [start:main]
async def run_worker(settings: Settings, handle: Handler = process) -> None:
    if settings.database_url.get_backend_name() != "postgresql":
        raise ValueError("the worker needs PostgreSQL (FOR UPDATE SKIP LOCKED)")
    engine = create_async_engine(
        settings.database_url,
        # An idle worker's pooled connection may be dropped (server restart, proxy):
        # the ping at checkout replaces it instead of failing the next claim.
        pool_pre_ping=True,
        # timeout: give up connecting after 10 s; application_name: the name
        # pg_stat_activity shows for this worker's connections.
        connect_args={
            "timeout": 10,
            "server_settings": {"application_name": "jobs-worker"},
        },
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        # The job in progress finishes and commits; then the loop ends.
        # (Within the supervisor's grace period: after it, SIGKILL rolls it back.)
        loop.add_signal_handler(signum, stop.set)
    try:
        await work(create_session_factory(engine), handle, stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        # Close the pool's connections while the loop still runs.
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(run_worker(Settings()))
# --8<-- [end:main]
