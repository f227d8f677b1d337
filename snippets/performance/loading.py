"""Every user with the titles of their posts, six ways, from N+1 to one raw join."""

from __future__ import annotations

# --8<-- [start:orm]
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import joinedload, lazyload, selectinload, subqueryload

from snippets.database import create_session_factory
from snippets.models import Post, User
from snippets.performance.bulk import driver

Pairs = list[tuple[str, str]]  # (user's email, post title), in user and post order


async def n_plus_one(engine: AsyncEngine) -> Pairs:
    async with create_session_factory(engine)() as session:
        query = select(User).options(lazyload(User.posts)).order_by(User.id)
        users = (await session.scalars(query)).all()
        # One SELECT per user: the loop is where the N in N+1 comes from.
        return [
            (user.email, post.title)
            for user in users
            for post in await user.awaitable_attrs.posts
        ]


async def selectin(engine: AsyncEngine) -> Pairs:
    async with create_session_factory(engine)() as session:
        query = select(User).options(selectinload(User.posts)).order_by(User.id)
        users = (await session.scalars(query)).all()
        return [(user.email, post.title) for user in users for post in user.posts]


async def joined(engine: AsyncEngine) -> Pairs:
    async with create_session_factory(engine)() as session:
        query = select(User).options(joinedload(User.posts)).order_by(User.id)
        users = (await session.scalars(query)).unique().all()
        return [(user.email, post.title) for user in users for post in user.posts]


async def subquery(engine: AsyncEngine) -> Pairs:
    async with create_session_factory(engine)() as session:
        query = select(User).options(subqueryload(User.posts)).order_by(User.id)
        users = (await session.scalars(query)).all()
        return [(user.email, post.title) for user in users for post in user.posts]


# --8<-- [end:orm]


# --8<-- [start:join]
async def core_join(engine: AsyncEngine) -> Pairs:
    query = (
        select(User.email, Post.title)
        .join(Post, Post.author_id == User.id)
        .order_by(User.id, Post.id)
    )
    async with engine.connect() as conn:
        return [(email, title) for email, title in await conn.execute(query)]


async def asyncpg_join(engine: AsyncEngine) -> Pairs:
    async with engine.connect() as conn:
        records = await (await driver(conn)).fetch(
            "SELECT users.email, posts.title FROM users"
            " JOIN posts ON posts.author_id = users.id ORDER BY users.id, posts.id"
        )
        return [(record["email"], record["title"]) for record in records]


# --8<-- [end:join]
