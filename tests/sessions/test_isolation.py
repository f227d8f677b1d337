"""docs/sessions/isolation.md: `run_transaction` on a real PostgreSQL server. It runs the
whole transaction again after a serialization failure or a deadlock, a bounded number of
times, with a growing, jittered pause; it never retries any other error."""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from snippets.database import create_session_factory, driver_error, sqlstate
from snippets.sessions.isolation import (
    Account,
    explain,
    open_accounts,
    run_transaction,
    sqlite_begin,
)

POSTGRES = pytest.mark.parametrize("backend", ["postgres"])


def factory(engine: AsyncEngine, level: str) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine.execution_options(isolation_level=level))


class ConflictingWithdrawal:
    """Takes 50 from account 1; on its first `conflicts` attempts another transaction
    takes 30 between its read and its write, which REPEATABLE READ refuses (40001)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], conflicts: int):
        self.sessions, self.conflicts, self.attempts = sessions, conflicts, 0

    async def __call__(self, session: AsyncSession) -> int:
        self.attempts += 1
        account = await session.get_one(Account, 1)
        if self.attempts <= self.conflicts:
            async with self.sessions.begin() as other:
                (await other.get_one(Account, 1)).balance -= 30
        account.balance -= 50
        await session.flush()
        return account.balance


async def balance(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        query = select(Account.balance).where(Account.id == 1)
        return (await connection.execute(query)).scalar_one()


@POSTGRES
async def test_a_serialization_failure_is_retried_and_the_second_attempt_commits(
    engine: AsyncEngine,
) -> None:
    await open_accounts(engine)
    work = ConflictingWithdrawal(factory(engine, "REPEATABLE READ"), conflicts=1)
    assert await run_transaction(work.sessions, work) == 20
    assert work.attempts == 2
    assert await balance(engine) == 20  # 100 - 30 (the other) - 50 (the retry)


@POSTGRES
async def test_without_the_helper_the_same_conflict_fails_with_40001(
    engine: AsyncEngine,
) -> None:
    await open_accounts(engine)
    work = ConflictingWithdrawal(factory(engine, "REPEATABLE READ"), conflicts=1)
    with pytest.raises(DBAPIError) as raised:
        async with work.sessions.begin() as session:
            await work(session)
    assert sqlstate(raised.value) == "40001"
    assert raised.value.orig.sqlstate == "40001"  # type: ignore[union-attr]
    assert explain(raised.value) == (
        "DBAPIError 40001, SerializationError: "
        "could not serialize access due to concurrent update"
    )
    assert await balance(engine) == 70


@POSTGRES
async def test_it_gives_up_after_the_attempts_and_raises_the_last_failure(
    engine: AsyncEngine,
) -> None:
    await open_accounts(engine)
    work = ConflictingWithdrawal(factory(engine, "REPEATABLE READ"), conflicts=10)
    with pytest.raises(DBAPIError) as raised:
        await run_transaction(work.sessions, work, attempts=4)
    assert work.attempts == 4
    assert type(driver_error(raised.value)).__name__ == "SerializationError"
    assert (
        await balance(engine) == 100 - 4 * 30
    )  # only the other transactions committed


@POSTGRES
async def test_an_integrity_error_is_raised_at_once(engine: AsyncEngine) -> None:
    await open_accounts(engine)
    calls = 0

    async def open_account_1_again(session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        session.add(Account(id=1, balance=0))
        await session.flush()

    with pytest.raises(IntegrityError) as raised:
        await run_transaction(factory(engine, "SERIALIZABLE"), open_account_1_again)
    assert calls == 1
    assert sqlstate(raised.value) == "23505"


@POSTGRES
async def test_other_exceptions_pass_through_untouched(engine: AsyncEngine) -> None:
    calls = 0

    async def fails(session: AsyncSession) -> None:
        nonlocal calls
        calls += 1
        raise ValueError("not a database error")

    with pytest.raises(ValueError, match="not a database error"):
        await run_transaction(create_session_factory(engine), fails)
    assert calls == 1
    assert sqlstate(ValueError("no SQLSTATE")) is None


@POSTGRES
async def test_a_deadlock_is_retried(engine: AsyncEngine) -> None:
    calls = 0

    async def deadlocks_once(session: AsyncSession) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:  # the server reports SQLSTATE 40P01, as for a real deadlock
            raise_it = "RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'"
            await session.execute(text(f"DO $$ BEGIN {raise_it}; END $$"))
        return "done"

    assert await run_transaction(create_session_factory(engine), deadlocks_once) == (
        "done"
    )
    assert calls == 2


@POSTGRES
async def test_the_pause_grows_and_is_jittered(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await open_accounts(engine)
    bounds: list[tuple[float, float]] = []
    real_uniform = random.uniform

    def recording_uniform(low: float, high: float) -> float:
        bounds.append((low, high))
        return real_uniform(low, high)

    monkeypatch.setattr(random, "uniform", recording_uniform)
    work = ConflictingWithdrawal(factory(engine, "REPEATABLE READ"), conflicts=3)
    await run_transaction(work.sessions, work, attempts=4, backoff=0.01)
    assert bounds == [(0, 0.01), (0, 0.02), (0, 0.04)]  # none after the last attempt


@POSTGRES
async def test_concurrent_transactions_under_serializable_end_without_write_skew(
    engine: AsyncEngine,
) -> None:
    """Two requests at once, each taking 150 from its own account if the total allows;
    both read before either writes. One commits, the other is retried and declines."""
    await open_accounts(engine)
    sessions = factory(engine, "SERIALIZABLE")
    both_read = asyncio.Barrier(2)
    attempts: list[int] = []

    def withdraw_150_from(
        account_id: int,
    ) -> Callable[[AsyncSession], Awaitable[bool]]:
        async def work(session: AsyncSession) -> bool:
            attempts.append(account_id)
            total = (
                await session.execute(select(func.sum(Account.balance)))
            ).scalar_one()
            if attempts.count(account_id) == 1:
                await both_read.wait()
            if total < 150:
                return False
            (await session.get_one(Account, account_id)).balance -= 150
            await session.flush()
            return True

        return work

    done = await asyncio.gather(
        run_transaction(sessions, withdraw_150_from(1)),
        run_transaction(sessions, withdraw_150_from(2)),
    )
    assert sorted(done) == [False, True]
    assert len(attempts) == 3
    async with engine.connect() as connection:
        total = select(func.sum(Account.balance))
        assert (await connection.execute(total)).scalar_one() == 50


SHOW = text("SHOW transaction_isolation")


@POSTGRES
async def test_an_engine_copy_sets_the_level_only_while_it_holds_the_connection(
    engine: AsyncEngine,
) -> None:
    """The page: the copy shares the pool and puts the level back on return."""
    serializable = factory(engine, "SERIALIZABLE")
    async with serializable() as session:
        assert await session.scalar(SHOW) == "serializable"
        pid = await session.scalar(text("SELECT pg_backend_pid()"))
    async with engine.connect() as connection:  # the same pooled connection
        assert await connection.scalar(text("SELECT pg_backend_pid()")) == pid
        assert await connection.scalar(SHOW) == "read committed"


@POSTGRES
async def test_write_skew_failure_says_why_and_that_a_retry_may_succeed(
    engine: AsyncEngine,
) -> None:
    await open_accounts(engine)
    sessions = factory(engine, "SERIALIZABLE")
    total = select(func.sum(Account.balance))
    async with sessions() as first, sessions() as second:
        for session, account_id in ((first, 1), (second, 2)):
            await session.execute(total)
            (await session.get_one(Account, account_id)).balance -= 150
            await session.flush()  # no error yet: the failure waits for commit
        await first.commit()
        with pytest.raises(DBAPIError) as raised:
            await second.commit()
    message = str(driver_error(raised.value)).splitlines()
    assert message[0] == (
        "could not serialize access due to read/write dependencies among transactions"
    )
    assert message[1].startswith("DETAIL:  Reason code: ")
    assert message[2] == "HINT:  The transaction might succeed if retried."


async def test_database_is_locked_on_sqlite_has_no_sqlstate_and_is_not_retried() -> (
    None
):
    calls = 0
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'app.db'}"
        engine = create_async_engine(url, connect_args={"timeout": 0.1})
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))

        async def write(session: AsyncSession) -> None:
            nonlocal calls
            calls += 1
            await session.execute(text("INSERT INTO t VALUES (2)"))

        try:
            async with engine.connect() as holder:
                await holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the lock
                with pytest.raises(DBAPIError, match="database is locked") as raised:
                    await run_transaction(create_session_factory(engine), write)
        finally:
            await engine.dispose()
    assert calls == 1
    assert sqlstate(raised.value) is None


async def wait_for_lock_wait(engine: AsyncEngine, pid: int) -> None:
    """Until the server shows the backend `pid` waiting for a lock (2 s at most)."""
    query = text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")
    async with engine.connect() as observer:
        await observer.execution_options(isolation_level="AUTOCOMMIT")
        for _ in range(200):
            if await observer.scalar(query, {"pid": pid}) == "Lock":
                return
            await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


@POSTGRES
async def test_locking_in_one_order_waits_instead_of_deadlocking(
    engine: AsyncEngine,
) -> None:
    await open_accounts(engine)
    sessions = create_session_factory(engine)
    order: list[str] = []

    async def transfer(name: str, session: AsyncSession) -> None:
        for account_id in (1, 2):  # both lock account 1 first, then account 2
            withdraw = update(Account).where(Account.id == account_id)
            await session.execute(withdraw.values(balance=Account.balance - 10))
        order.append(name)
        await session.commit()

    async with sessions() as first, sessions() as second:
        await first.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
        await second.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
        await first.execute(select(Account).where(Account.id == 1).with_for_update())
        second_pid = await second.scalar(text("SELECT pg_backend_pid()"))
        waiting = asyncio.create_task(transfer("second", second))
        await wait_for_lock_wait(engine, second_pid)
        await asyncio.sleep(0.1)  # past deadlock_timeout: the server checked, no cycle
        assert not waiting.done()
        await transfer("first", first)
        await waiting
    assert order == ["first", "second"]
    async with engine.connect() as connection:
        total = select(func.sum(Account.balance))
        assert (await connection.execute(total)).scalar_one() == 200 - 40


@pytest.mark.parametrize("begin", [None, "BEGIN", "BEGIN IMMEDIATE"])
async def test_on_sqlite_a_read_is_in_the_transaction_only_with_sqlite_begin(
    begin: str | None,
) -> None:
    """At SERIALIZABLE, pysqlite's BEGIN comes only before a write: a transaction's
    reads see another connection's commit. With `sqlite_begin` the transaction holds
    the database from its first read, and the other writer waits, then fails."""
    with tempfile.TemporaryDirectory() as folder:
        engine = create_async_engine(
            f"sqlite+aiosqlite:///{Path(folder) / 'app.db'}",
            isolation_level="SERIALIZABLE",
            connect_args={"timeout": 0.1},
        )
        if begin:
            sqlite_begin(engine, begin)
        await open_accounts(engine)
        sessions = create_session_factory(engine)
        take_30 = update(Account).where(Account.id == 1).values(balance=70)
        try:
            async with sessions() as reader:
                first = (await reader.get_one(Account, 1)).balance
                if begin is None:
                    async with sessions.begin() as writer:
                        await writer.execute(take_30)
                    reader.expire_all()
                    assert (first, (await reader.get_one(Account, 1)).balance) == (
                        100,
                        70,
                    )
                else:
                    with pytest.raises(DBAPIError, match="database is locked"):
                        async with sessions.begin() as writer:
                            await writer.execute(take_30)
                    reader.expire_all()
                    assert (await reader.get_one(Account, 1)).balance == first == 100
        finally:
            await engine.dispose()


@POSTGRES
async def test_a_connection_level_lasts_until_the_connection_returns_to_the_pool(
    engine: AsyncEngine,
) -> None:
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="SERIALIZABLE")
        await connection.commit()
        assert await connection.scalar(SHOW) == "serializable"  # its next transaction
        pid = await connection.scalar(text("SELECT pg_backend_pid()"))
    async with engine.connect() as connection:  # the same pooled connection
        assert await connection.scalar(text("SELECT pg_backend_pid()")) == pid
        assert await connection.scalar(SHOW) == "read committed"


@POSTGRES
async def test_of_ten_that_read_a_row_before_any_writes_it_one_commits(
    engine: AsyncEngine,
) -> None:
    """Why retries suit occasional conflicts only: at REPEATABLE READ, one round of ten
    read-modify-write transactions on one row commits one; nine must run again."""
    await open_accounts(engine)
    sessions = factory(engine, "REPEATABLE READ")
    all_read = asyncio.Barrier(10)

    async def withdraw() -> None:
        async with sessions.begin() as session:
            account = await session.get_one(Account, 1)
            await all_read.wait()
            account.balance -= 1

    outcomes = await asyncio.gather(
        *(withdraw() for _ in range(10)), return_exceptions=True
    )
    failures = [sqlstate(o) for o in outcomes if isinstance(o, BaseException)]
    assert failures == ["40001"] * 9
    assert await balance(engine) == 99


@POSTGRES
async def test_ten_atomic_updates_of_one_row_all_commit_at_once(
    engine: AsyncEngine,
) -> None:
    """`SET balance = balance - 1` at READ COMMITTED: each UPDATE waits for the row and
    applies to its latest value; none conflicts, none is retried."""
    await open_accounts(engine)
    sessions = create_session_factory(engine)
    all_began = asyncio.Barrier(10)
    calls: list[int] = []

    async def withdraw(session: AsyncSession) -> None:
        calls.append(1)
        await session.execute(text("SELECT 1"))  # each in its own open transaction
        await all_began.wait()
        take_one = update(Account).where(Account.id == 1)
        await session.execute(take_one.values(balance=Account.balance - 1))

    await asyncio.gather(*(run_transaction(sessions, withdraw) for _ in range(10)))
    assert len(calls) == 10
    assert await balance(engine) == 90


@POSTGRES
async def test_the_examples_role_may_set_deadlock_timeout(engine: AsyncEngine) -> None:
    """The deadlock example lowers deadlock_timeout: a superuser-only setting."""
    async with engine.connect() as connection:
        context = text(
            "SELECT context FROM pg_settings WHERE name = 'deadlock_timeout'"
        )
        assert await connection.scalar(context) == "superuser"
        assert await connection.scalar(text("SHOW is_superuser")) == "on"
