"""Work outside the request (docs/sessions/background.md): background tasks and a worker.

The served apps and the worker run as real processes (uvicorn, `python -m`) on the real
PostgreSQL server; the scope and `run_job` tests run on both backends.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import BackgroundTasks, Depends, FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import func, make_url, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, SAWarning
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from snippets.app import DbSession, create_app
from snippets.database import create_session_factory, get_db
from snippets.models import Post, User
from snippets.sessions.background import (
    MAX_ATTEMPTS,
    Job,
    JobsBase,
    process,
    run_job,
    run_worker,
    welcome_post,
    work,
)
from snippets.settings import Settings
from tests.servers import free_port, serving, wait_for


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


async def count(factory: async_sessionmaker[AsyncSession], model: Any) -> int:
    async with factory() as session:
        return int(await session.scalar(select(func.count(model.id))) or 0)


# --- the request's session in a background task ---------------------------------------


DefaultScope = Annotated[AsyncSession, Depends(get_db)]


@asynccontextmanager
async def client_for(app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with LifespanManager(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            yield client


async def test_default_scope_task_runs_in_the_request_transaction_before_get_db_exits(
    engine: AsyncEngine, settings: Settings
) -> None:
    """At the default scope the task runs before get_db's exit: inside the request's
    transaction, on its connection; a write it does not commit is rolled back."""
    seen: dict[str, Any] = {}
    app = create_app(settings)

    async def write_later(session: AsyncSession) -> None:
        seen["in_transaction"] = session.in_transaction()
        if backend_has_pool(app):
            seen["checked_out"] = app.state.engine.pool.checkedout()
        session.add(User(email="task@example.com", name="Task"))
        await session.flush()  # sent, never committed

    async def route(session: DefaultScope, tasks: BackgroundTasks) -> None:
        await session.get(User, 1)
        tasks.add_task(write_later, session)

    app.add_api_route("/later", route, methods=["POST"])
    async with client_for(app) as client:
        assert (await client.post("/later")).status_code == 200
        assert seen["in_transaction"] is True
        if backend_has_pool(app):
            assert seen["checked_out"] == 1
            assert app.state.engine.pool.checkedout() == 0
        assert await count(app.state.session_factory, User) == 0


def backend_has_pool(app: FastAPI) -> bool:
    return hasattr(app.state.engine.pool, "checkedout")


async def test_function_scope_task_gets_the_closed_session(settings: Settings) -> None:
    order: list[str] = []
    app = create_app(settings)

    async def use_later(session: AsyncSession) -> None:
        order.append("task")
        await session.get(User, 1)

    async def route(session: DbSession, tasks: BackgroundTasks) -> None:
        tasks.add_task(use_later, session)

    app.add_api_route("/later", route, methods=["POST"])
    async with client_for(app) as client:
        with pytest.raises(Exception, match="permanently closed"):
            await client.post("/later")
    assert order == ["task"]


# --- run_job: a session and a transaction of its own --------------------------------------


async def test_a_job_that_returns_is_committed(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory.begin() as session:
        session.add(User(email="ada@example.com", name="Ada"))
    await run_job(factory, welcome_post, 1)
    async with factory() as session:
        titles = (await session.scalars(select(Post.title))).all()
    assert titles == ["Welcome, Ada!"]


async def adds_a_post_then_fails(session: AsyncSession, user_id: int) -> None:
    author = await session.get_one(User, user_id)
    session.add(Post(title="half done", author=author))
    await session.flush()  # the row is in the database, uncommitted
    raise RuntimeError("the second step failed")


async def test_a_failing_job_is_logged_and_leaves_no_rows(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    factory = create_session_factory(engine)
    async with factory.begin() as session:
        session.add(User(email="ada@example.com", name="Ada"))
    with caplog.at_level(logging.ERROR, logger="snippets.sessions.background"):
        await run_job(factory, adds_a_post_then_fails, 1)  # does not raise
    [record] = caplog.records
    assert record.getMessage() == "background job adds_a_post_then_fails failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "Traceback" in caplog.text
    assert "the second step failed" in caplog.text
    assert await count(factory, Post) == 0
    if hasattr(engine.pool, "checkedout"):
        assert engine.pool.checkedout() == 0


async def test_a_failing_partial_is_logged_under_its_qualname(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """A functools.partial has no __name__: the log line must not hide the job's error."""
    factory = create_session_factory(engine)
    async with factory.begin() as session:
        session.add(User(email="ada@example.com", name="Ada"))
    job = functools.partial(adds_a_post_then_fails, user_id=1)
    with caplog.at_level(logging.ERROR, logger="snippets.sessions.background"):
        await run_job(factory, job)  # does not raise
    [record] = caplog.records
    assert record.getMessage() == f"background job {job!r} failed"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert await count(factory, Post) == 0


# --- under uvicorn ------------------------------------------------------------------------


async def waiting_on_locks(server: asyncpg.Connection) -> int:
    return int(
        await server.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
    )


async def poll(check: Callable[[], Awaitable[bool]], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_uvicorn_answers_before_the_task_and_logs_its_failure(
    engine: AsyncEngine, database_url: str
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ("uvicorn", "snippets.sessions.background:app", "--port", str(port))
    with serving(*args, env={"DATABASE_URL": database_url}) as process:
        wait_for(process, f"{base}/health")
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:
            created = await client.post(
                "/users", json={"email": "ada@example.com", "name": "Ada"}
            )
            user_id = created.json()["id"]
            server = await asyncpg.connect(asyncpg_dsn(database_url))
            try:
                posts = "SELECT count(*) FROM posts"
                # The task's INSERT needs a key-share lock on the user's row: hold it.
                locker = server.transaction()
                await locker.start()
                await server.execute(
                    "SELECT 1 FROM users WHERE id = $1 FOR UPDATE", user_id
                )
                response = await client.post(f"/users/{user_id}/welcome")
                assert response.status_code == 202  # while the task is blocked
                watcher = await asyncpg.connect(asyncpg_dsn(database_url))
                try:
                    await poll(lambda: _equals(waiting_on_locks(watcher), 1))
                    assert await watcher.fetchval(posts) == 0
                    await locker.commit()
                    await poll(lambda: _equals(watcher.fetchval(posts), 1))
                finally:
                    await watcher.close()
            finally:
                await server.close()
            missing = await client.post("/users/999/welcome")
            assert missing.status_code == 202
            await asyncio.sleep(0.3)  # the task runs after the response
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "background job welcome_post failed" in output
    assert "Traceback (most recent call last):" in output
    assert "sqlalchemy.exc.NoResultFound: No row was found when one was required" in (
        output
    )
    assert "Exception in ASGI application" not in output  # run_job caught it


async def _equals(value: Awaitable[Any], expected: Any) -> bool:
    return bool(await value == expected)


async def reuse_session(session: AsyncSession) -> None:
    await session.get(User, 1)


async def schedule_reuse(session: DbSession, tasks: BackgroundTasks) -> None:
    tasks.add_task(reuse_session, session)


# Served by uvicorn in the next test: a task given the request's session.
reuse_app = create_app()
reuse_app.add_api_route("/reuse", schedule_reuse, methods=["POST"])


@pytest.mark.parametrize("backend", ["postgres"])
def test_uvicorn_logs_the_closed_session_error_of_a_task(
    engine: AsyncEngine, database_url: str
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = "tests.sessions.test_background:reuse_app"
    with serving(
        "uvicorn", app, "--port", str(port), env={"DATABASE_URL": database_url}
    ) as process:
        wait_for(process, f"{base}/health")
        assert httpx.post(f"{base}/reuse").status_code == 200  # the response is sent
        time.sleep(0.3)
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert "Exception in ASGI application" in output
    assert (
        "InvalidRequestError: This Session has been permanently closed and is unable "
        "to handle any more transaction requests." in output
    )


# --- the worker ---------------------------------------------------------------------------


async def queue(
    engine: AsyncEngine, *seconds: float
) -> async_sessionmaker[AsyncSession]:
    async with engine.begin() as connection:
        await connection.run_sync(JobsBase.metadata.create_all)
    factory = create_session_factory(engine)
    async with factory.begin() as session:
        session.add_all(Job(seconds=s) for s in seconds)
    return factory


async def done_flags(factory: async_sessionmaker[AsyncSession]) -> list[bool]:
    async with factory() as session:
        return list((await session.scalars(select(Job.done).order_by(Job.id))).all())


async def attempts(factory: async_sessionmaker[AsyncSession]) -> list[int]:
    async with factory() as session:
        return list(
            (await session.scalars(select(Job.attempts).order_by(Job.id))).all()
        )


async def test_work_processes_jobs_in_order_until_stopped(engine: AsyncEngine) -> None:
    factory = await queue(engine, 0, 0, 0)
    stop = asyncio.Event()
    handled: list[int] = []

    async def handle(session: AsyncSession, job: Job) -> None:
        await process(session, job)
        handled.append(job.id)

    worker = asyncio.create_task(work(factory, handle, stop, idle=0.01))
    await poll(lambda: _equals(done_flags(factory), [True, True, True]))
    await asyncio.sleep(0.05)  # idle polls: nothing queued
    stop.set()
    await asyncio.wait_for(worker, 1)
    assert handled == [1, 2, 3]


async def test_a_poison_job_fails_and_the_worker_carries_on(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    """A job that always raises is retried MAX_ATTEMPTS times, then no longer claimed;
    the jobs behind it are done, its writes are rolled back, and the worker keeps going."""
    factory = await queue(engine, 0, 0, 0)
    stop = asyncio.Event()

    async def handle(session: AsyncSession, job: Job) -> None:
        session.add(User(email=f"job{job.id}@example.com", name="Job"))
        if job.id == 1:
            await session.flush()  # the row is sent, then rolled back
            raise RuntimeError("poison")

    with caplog.at_level(logging.ERROR, logger="snippets.sessions.background"):
        worker = asyncio.create_task(work(factory, handle, stop, idle=0.01))
        await poll(lambda: _equals(done_flags(factory), [False, True, True]))
        await asyncio.sleep(0.1)  # idle polls: the failed job is not claimed again
        assert not worker.done()  # the worker did not exit
        stop.set()
        await asyncio.wait_for(worker, 1)
    assert await attempts(factory) == [MAX_ATTEMPTS, 0, 0]
    assert [r.getMessage() for r in caplog.records] == ["job 1 failed"] * MAX_ATTEMPTS
    assert all(
        isinstance(r.exc_info[1], RuntimeError) for r in caplog.records if r.exc_info
    )
    assert await count(factory, User) == 2  # job 1's user was rolled back


async def test_a_failing_claim_ends_the_worker(engine: AsyncEngine) -> None:
    """Not a job's fault (here: no jobs table): work() raises, for the supervisor."""
    with pytest.raises(DBAPIError, match="jobs"):
        await work(create_session_factory(engine), process, asyncio.Event())


def test_skip_locked_is_left_out_on_sqlite_only() -> None:
    claim = select(Job).with_for_update(skip_locked=True)
    assert "FOR UPDATE SKIP LOCKED" in str(claim.compile(dialect=postgresql.dialect()))
    assert "FOR UPDATE" not in str(claim.compile(dialect=sqlite.dialect()))


@pytest.mark.parametrize("backend", ["postgres"])
async def test_two_workers_share_the_jobs(engine: AsyncEngine) -> None:
    factory = await queue(engine, 0.3, 0.3, 0.3, 0.3)
    started = time.monotonic()
    stop = asyncio.Event()
    handled: dict[str, list[int]] = {"a": [], "b": []}

    def handler(name: str) -> Callable[[AsyncSession, Job], Awaitable[None]]:
        async def handle(session: AsyncSession, job: Job) -> None:
            await process(session, job)
            handled[name].append(job.id)

        return handle

    workers = [
        asyncio.create_task(work(factory, handler(name), stop, idle=0.01))
        for name in handled
    ]
    await poll(lambda: _equals(done_flags(factory), [True] * 4))
    stop.set()
    await asyncio.wait_for(asyncio.gather(*workers), 2)
    assert sorted(handled["a"] + handled["b"]) == [1, 2, 3, 4]  # none twice
    assert handled["a"]  # both worked
    assert handled["b"]
    # In parallel: 0.6 s; one after the other (a claim waiting on the row lock): 1.2 s.
    assert time.monotonic() - started < 1.2


# This test's database only: tests running in parallel start workers of their own.
WORKER_CONNECTIONS = """SELECT count(*) FROM pg_stat_activity
    WHERE application_name = 'jobs-worker' AND datname = current_database()"""
WORKER_STATES = """SELECT coalesce(array_agg(state), '{}') FROM pg_stat_activity
    WHERE application_name = 'jobs-worker' AND datname = current_database()"""


def in_a_job(server: asyncpg.Connection) -> Callable[[], Awaitable[bool]]:
    """The worker's one connection waits inside a job's transaction (its claim done)."""
    return lambda: _equals(server.fetchval(WORKER_STATES), ["idle in transaction"])


async def start_worker(database_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "snippets.sessions.background",
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_the_worker_process_stops_cleanly_on_a_signal(
    engine: AsyncEngine, database_url: str, signum: signal.Signals
) -> None:
    # The second job is long enough to be caught inside on a loaded machine.
    factory = await queue(engine, 0.3, 1.0, 0.3)
    worker = await start_worker(database_url)
    server = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await poll(lambda: _equals(done_flags(factory), [True, False, False]))
        # The worker is now inside the second job's transaction (once its claim ran).
        await poll(in_a_job(server), 1)
        worker.send_signal(signum)
        output, _ = await asyncio.wait_for(worker.communicate(), 10)
        assert worker.returncode == 0, output
        assert output == b""
        assert await done_flags(factory) == [True, True, False]
        await poll(lambda: _equals(server.fetchval(WORKER_CONNECTIONS), 0), 2)
    finally:
        await server.close()
        if worker.returncode is None:
            worker.kill()
            await worker.communicate()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_sigkill_mid_job_leaves_the_job_queued(
    engine: AsyncEngine, database_url: str
) -> None:
    """What a supervisor does once its grace period is over: the job rolls back and
    stays queued, to run again (at least once), and the server drops the connection."""
    factory = await queue(engine, 0.3, 1.0)
    worker = await start_worker(database_url)
    server = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await poll(lambda: _equals(done_flags(factory), [True, False]))
        await poll(in_a_job(server), 1)
        worker.kill()
        await worker.communicate()
        await poll(lambda: _equals(server.fetchval(WORKER_CONNECTIONS), 0), 2)
        assert await done_flags(factory) == [True, False]
        assert await attempts(factory) == [0, 0]
    finally:
        await server.close()


@pytest.mark.parametrize("backend", ["postgres"])
async def test_an_idle_worker_survives_a_dropped_connection(
    engine: AsyncEngine, database_url: str
) -> None:
    """The server (or a proxy) ends the idle worker's pooled connection; the next
    claim's pre-ping replaces it and the worker processes the next job."""
    factory = await queue(engine, 0)
    worker = await start_worker(database_url)
    server = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        # Past its start (the first job done), the worker waits, its connection idle.
        await poll(lambda: _equals(done_flags(factory), [True]))
        # Only between two claims: a claim that fails ends the worker, by design.
        terminate_idle = """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE application_name = 'jobs-worker' AND state = 'idle'"""
        await poll(lambda: _equals(server.fetchval(terminate_idle), 1))
        async with factory.begin() as session:
            session.add(Job(seconds=0))
        try:
            await poll(lambda: _equals(done_flags(factory), [True, True]))
        except AssertionError:
            worker.kill()
            out, _ = await worker.communicate()
            raise AssertionError(out.decode()[-2500:]) from None
        assert worker.returncode is None
        worker.terminate()
        output, _ = await asyncio.wait_for(worker.communicate(), 10)
        assert worker.returncode == 0, output
    finally:
        await server.close()
        if worker.returncode is None:
            worker.kill()
            await worker.communicate()


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.needs("sqlalchemy>=2.1")
async def test_without_pre_ping_the_claim_after_a_dropped_connection_fails(
    engine: AsyncEngine, settings: Settings
) -> None:
    """What the worker's pool_pre_ping prevents (the previous test)."""
    await queue(engine)
    bare = create_async_engine(settings.database_url)
    alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
    try:
        async with bare.connect() as connection:
            pid = await connection.scalar(text("SELECT pg_backend_pid()"))
            driver = (await connection.get_raw_connection()).driver_connection
        async with engine.connect() as connection:
            await connection.execute(text(f"SELECT pg_terminate_backend({pid})"))

            async def gone() -> bool:
                found = await connection.scalar(alive, {"pid": pid})
                # pg_stat_activity is read once per transaction: end it to read anew.
                await connection.rollback()
                # The client must have seen the socket close too, or the next query
                # races it ("another operation is in progress", seen on PostgreSQL 15).
                return found == 0 and driver.is_closed()

            await poll(gone, 2)
        with pytest.raises(DBAPIError, match=r"InterfaceError\) connection is closed"):
            await work(create_session_factory(bare), process, asyncio.Event())
    finally:
        await bare.dispose()


@pytest.mark.parametrize("backend", ["postgres"])
@pytest.mark.needs("sqlalchemy>=2.1")
async def test_a_job_longer_than_the_idle_in_transaction_timeout_fails(
    engine: AsyncEngine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """The row lock holds a transaction open for the whole job: PostgreSQL ends a
    session idle in a transaction for longer than idle_in_transaction_session_timeout."""
    factory = await queue(engine, 0.4, 0)
    strict = create_async_engine(
        settings.database_url,
        pool_pre_ping=True,
        connect_args={
            "server_settings": {"idle_in_transaction_session_timeout": "200"}
        },
    )
    stop = asyncio.Event()
    try:
        with caplog.at_level(logging.ERROR, logger="snippets.sessions.background"):
            worker = asyncio.create_task(
                work(create_session_factory(strict), process, stop, idle=0.01)
            )
            await poll(lambda: _equals(done_flags(factory), [False, True]))
            await poll(lambda: _equals(attempts(factory), [MAX_ATTEMPTS, 0]))
            stop.set()
            await asyncio.wait_for(worker, 2)
    finally:
        await strict.dispose()
    assert [r.getMessage() for r in caplog.records] == ["job 1 failed"] * MAX_ATTEMPTS
    error = caplog.records[0].exc_info
    assert error is not None
    # The server ended the session during the job: the job's commit finds it closed.
    assert "InterfaceError) connection is closed" in str(error[1])


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_the_worker_refuses_a_database_other_than_postgresql(
    settings: Settings,
) -> None:
    with pytest.raises(ValueError, match=r"^the worker needs PostgreSQL"):
        await run_worker(settings)


@pytest.mark.parametrize("backend", ["postgres"])
async def test_run_worker_disposes_its_engine_when_it_stops(
    engine: AsyncEngine, settings: Settings
) -> None:
    """In a process that lives on (here pytest's), only dispose() closes the worker's
    pooled connections; and the signal handlers are gone once it returns."""
    factory = await queue(engine, 0.2, 0.2, 0.2)
    worker = asyncio.create_task(run_worker(settings))
    server = await asyncpg.connect(
        asyncpg_dsn(settings.database_url.render_as_string(False))
    )
    try:
        await poll(lambda: _equals(done_flags(factory), [True, False, False]))
        assert await server.fetchval(WORKER_CONNECTIONS) == 1
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(worker, 2)
        assert await done_flags(factory) == [True, True, False]
        await poll(lambda: _equals(server.fetchval(WORKER_CONNECTIONS), 0), 1)
    finally:
        await server.close()
    assert not asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)


IN_TRANSACTION = """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
    AND pid <> pg_backend_pid() AND state = 'idle in transaction'"""


@pytest.mark.parametrize("backend", ["postgres"])
async def test_with_the_default_factory_a_task_leaves_a_connection_out(
    engine: AsyncEngine, settings: Settings, database_url: str
) -> None:
    app = create_app(settings)
    kept: list[AsyncSession] = []

    async def count_later(session: DbSession, tasks: BackgroundTasks) -> None:
        kept.append(session)
        tasks.add_task(session.scalar, select(func.count(User.id)))

    app.add_api_route("/count-later", count_later, methods=["POST"])
    async with client_for(app) as client:
        app.state.session_factory = async_sessionmaker(
            app.state.engine, expire_on_commit=False
        )
        assert (await client.post("/count-later")).status_code == 200
        assert app.state.engine.pool.checkedout() == 1
        server = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            assert await server.fetchval(IN_TRANSACTION) == 1
        finally:
            await server.close()
        # Only the garbage collector returns it, once the session is unreachable,
        # with a warning.
        gc_warning = "The garbage collector is trying to clean up non-checked-in"
        kept.clear()
        with pytest.warns(SAWarning, match=gc_warning):
            gc.collect()
        assert app.state.engine.pool.checkedout() == 0


@pytest.mark.parametrize("backend", ["postgres"])
async def test_pooled_connections_stay_open_until_dispose(settings: Settings) -> None:
    worker_engine = create_async_engine(
        settings.database_url,
        connect_args={"server_settings": {"application_name": "jobs-worker"}},
    )
    server = await asyncpg.connect(
        asyncpg_dsn(settings.database_url.render_as_string(False))
    )
    try:
        async with worker_engine.connect() as connection:
            await connection.execute(select(1))
        # Back in the pool, not closed: the server still has the session.
        assert await server.fetchval(WORKER_CONNECTIONS) == 1
        await worker_engine.dispose()
        await poll(lambda: _equals(server.fetchval(WORKER_CONNECTIONS), 0), 1)
    finally:
        await server.close()
