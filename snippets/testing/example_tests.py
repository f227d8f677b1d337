"""Tests as a reader writes them with the chapter's fixtures.

tests/testing/test_testing.py runs this file with pytest, in order, on each backend.
"""

# --8<-- [start:example_tests]
from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from snippets.models import User
from snippets.testing.factories import new_post, new_user


async def count_users(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User)) or 0


async def test_signing_up_stores_a_user(
    client: AsyncClient, db_session: AsyncSession
) -> None:
    response = await client.post("/users", json={"email": "a@x.org", "name": "Ada"})
    assert response.status_code == 201  # the route committed
    assert await count_users(db_session) == 1


async def test_the_next_test_starts_empty(db_session: AsyncSession) -> None:
    assert await count_users(db_session) == 0


async def test_a_commit_in_the_code_under_test_is_undone(
    db_session: AsyncSession,
) -> None:
    db_session.add(User(email="b@x.org", name="Bea"))
    await db_session.commit()  # releases a SAVEPOINT; the test's transaction stays open
    assert await count_users(db_session) == 1


async def test_and_the_one_after_that_too(db_session: AsyncSession) -> None:
    assert await count_users(db_session) == 0


async def test_listing_shows_exactly_this_tests_users(
    client: AsyncClient, db_session: AsyncSession
) -> None:
    ada = new_user(name="Ada")
    db_session.add_all([ada, new_user(name="Bea"), new_post(ada, published=True)])
    await db_session.flush()  # the rows exist in the test's transaction
    listed = (await client.get("/users")).json()["items"]
    assert [user["name"] for user in listed] == ["Ada", "Bea"]


# --8<-- [end:example_tests]
