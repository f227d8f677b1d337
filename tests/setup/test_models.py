"""snippets/models.py: aware timestamps, cascades and the many-to-many on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import selectinload

from snippets.database import create_session_factory
from snippets.models import Comment, Post, Tag, User


async def stored_user(session: AsyncSession) -> User:
    user = User(email="ada@example.com", name="Ada")
    session.add(user)
    await session.flush()
    return user


async def test_timestamps_are_aware_utc_and_set_by_the_database(
    engine: AsyncEngine,
) -> None:
    async with create_session_factory(engine)() as session:
        user = User(email="ada@example.com", name="Ada")
        session.add(user)
        await session.commit()
        created = user.created_at
        assert created.tzinfo == UTC
        assert abs(datetime.now(UTC) - created) < timedelta(minutes=5)
        user.name = "Ada L."
        await session.commit()
        assert user.updated_at >= created
        fresh = await session.scalar(select(User.created_at))
        assert fresh == created


async def test_aware_datetimes_in_other_zones_are_stored_as_the_same_instant(
    engine: AsyncEngine,
) -> None:
    moment = datetime(2025, 6, 1, 14, 0, tzinfo=UTC)
    elsewhere = moment.astimezone(
        datetime.fromisoformat("2025-06-01T00:00+05:30").tzinfo
    )
    async with create_session_factory(engine)() as session:
        user = await stored_user(session)
        user.created_at = elsewhere
        await session.commit()
        session.expunge_all()
        stored = await session.scalar(select(User.created_at))
    assert stored == moment
    assert stored.tzinfo is not None


async def test_deleting_a_user_cascades_in_the_database(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        ada = User(email="ada@example.com", name="Ada")
        post = Post(title="t", author=ada, tags=[Tag(name="x")])
        session.add_all([ada, Comment(body="c", post=post, author=ada)])
        await session.commit()
        await session.delete(ada)
        await session.commit()
        counts = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (User, Post, Comment, Tag)
        ]
    assert counts == [0, 0, 0, 1]  # tags are shared, so they stay


async def test_many_to_many_loads_both_ways(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with factory() as session:
        ada = User(email="ada@example.com", name="Ada")
        session.add_all(
            [Post(title="a", author=ada, tags=[Tag(name="x"), Tag(name="y")])]
        )
        await session.commit()
    async with factory() as session:
        tag = await session.scalar(
            select(Tag).where(Tag.name == "y").options(selectinload(Tag.posts))
        )
        assert tag is not None
        assert [post.title for post in tag.posts] == ["a"]


async def test_updated_at_is_not_touched_by_other_programs_sql(
    engine: AsyncEngine,
) -> None:
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    async with create_session_factory(engine)() as session:
        user = await stored_user(session)
        user.updated_at = long_ago
        await session.commit()
        # Another program's UPDATE, in plain SQL:
        await session.execute(text("UPDATE users SET name = 'Ada L.'"))
        await session.commit()
        session.expunge_all()
        row = (await session.execute(select(User.name, User.updated_at))).one()
    assert row == ("Ada L.", long_ago)
