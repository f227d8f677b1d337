"""Claims on docs/types/computed.md that the examples do not show by themselves."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import Select, func, not_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import (
    defer,
    selectinload,
    undefer,
    with_expression,
)
from sqlalchemy.orm.interfaces import LoaderOption

from snippets.models import Post as SamplePost
from snippets.models import User
from snippets.sample import sample_db, sample_rows
from snippets.settings import Settings
from snippets.sql_log import log_sql
from snippets.types.computed import Base, Comment, Person, PlainPerson, Post
from tests.docs_examples import ROOT


def sample_people() -> list[Person]:
    """The sample users' names, as first and last names."""
    names = [row.name for row in sample_rows() if isinstance(row, User)]
    assert len(names) == 3
    return [Person(first_name=n.split()[0], last_name=n.split()[1]) for n in names]


@asynccontextmanager
async def computed_tables() -> AsyncIterator[tuple[AsyncEngine, AsyncSession]]:
    """An empty database with the page's tables, and a session on it."""
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield engine, session


async def add_a_post_with_two_comments(session: AsyncSession) -> None:
    session.add(Post(title="Two comments", comments=[Comment(), Comment()]))
    await session.commit()


async def add_a_comment(session: AsyncSession, post: Post) -> None:
    session.add(Comment(post_id=post.id))
    await session.commit()


def count_of_the_posts_comments() -> Select[int]:
    """The page's query_expression count, without correlate_except."""
    return select(func.count(Comment.id)).where(Comment.post_id == Post.id)


def with_comment_count() -> LoaderOption:
    """Fills Post.query_count with the post's number of comments."""
    return with_expression(
        Post.query_count, count_of_the_posts_comments().scalar_subquery()
    )


async def test_the_full_name_hybrid_in_order_by_and_in_python_agree(
    settings: Settings,
) -> None:
    async with computed_tables() as (_engine, session):
        session.add_all(sample_people())
        await session.commit()
        in_sql = (
            await session.execute(
                select(Person.id, Person.full_name).order_by(Person.full_name)
            )
        ).all()
        people = (await session.scalars(select(Person))).all()
    in_python = sorted((p.id, p.full_name) for p in people)
    in_python.sort(key=lambda row: row[1])
    assert [tuple(row) for row in in_sql] == in_python
    assert [name for _, name in in_python] == [
        "Ada Lovelace",
        "Grace Hopper",
        "Linus Torvalds",
    ]


async def test_the_is_visible_hybrid_in_where_and_in_python_agree(
    settings: Settings,
) -> None:
    async with computed_tables() as (_engine, session):
        for published in (False, True):
            for hidden in (False, True):
                session.add(Post(title="t", published=published, hidden=hidden))
        await session.commit()
        query = select(Post.id).where(Post.is_visible).order_by(Post.id)
        visible_in_sql = list(await session.scalars(query))
        posts = (await session.scalars(select(Post).order_by(Post.id))).all()
        hidden_in_sql = list(
            await session.scalars(
                select(Post.id).where(not_(Post.is_visible)).order_by(Post.id)
            )
        )
    assert visible_in_sql == [p.id for p in posts if p.is_visible] == [3]
    assert hidden_in_sql == [p.id for p in posts if not p.is_visible] == [1, 2, 4]


def test_and_in_a_hybrid_body_silently_keeps_only_its_right_side() -> None:
    # The page: a column object is true in Python, so `published and not hidden` is
    # `not hidden` (False), and `published and title != ""` is `title != ""`.
    assert bool(Post.published) is True
    assert (not Post.hidden) is False
    silent = Post.published and Post.title != ""
    sql = str(select(Post.id).where(silent))
    assert sql.endswith("WHERE blog_posts.title != :title_1")
    assert "published" not in sql.split("WHERE")[1]


async def test_the_comment_count_with_zero_comments_is_0_not_none(
    settings: Settings,
) -> None:
    async with computed_tables() as (_engine, session):
        session.add(Post(title="No comments"))
        await session.commit()
        query = select(Post).options(with_comment_count(), undefer(Post.deferred_count))
        post = await session.scalar(query.execution_options(populate_existing=True))
    assert post is not None
    assert post.comment_count == 0
    assert type(post.comment_count) is int
    assert post.query_count == 0
    assert post.deferred_count == 0


async def test_the_comment_count_in_joined_queries(settings: Settings) -> None:
    async with computed_tables() as (_engine, session):
        session.add(Post(title="Two", comments=[Comment(), Comment()]))
        session.add(Post(title="One", comments=[Comment()]))
        session.add(Post(title="None"))
        await session.commit()
        session.expunge_all()
        # One row per comment, and each post still counts all of its own comments.
        joined = select(Post, Comment.id).join(Post.comments)
        rows = (await session.execute(joined.order_by(Comment.id))).all()
        assert [(post.title, post.comment_count) for post, _ in rows] == [
            ("Two", 2),
            ("Two", 2),
            ("One", 1),
        ]
        # From the comments' side, joined the other way: the same counts.
        session.expunge_all()
        from_comments = (
            select(Post.comment_count)
            .select_from(Comment)
            .join(Post, Comment.post_id == Post.id)
            .order_by(Comment.id)
        )
        assert list(await session.scalars(from_comments)) == [2, 2, 1]
        # Without correlate_except, the subquery would take blog_comments from the
        # outer query too, as the page says.
        uncorrelated = count_of_the_posts_comments().scalar_subquery()
        with pytest.raises(InvalidRequestError) as caught:
            await session.execute(select(uncorrelated).join(Post.comments))
    assert "returned no FROM clauses due to auto-correlation" in str(caught.value)


async def test_defer_with_raiseload_on_a_relationship_load(
    settings: Settings,
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        query = (
            select(User)
            .where(User.id == 1)
            .options(selectinload(User.posts).defer(SamplePost.body, raiseload=True))
        )
        with log_sql(engine) as sql:
            ada = await session.scalar(query)
        assert ada is not None
        assert [post.title for post in ada.posts] == [
            "Notes on the engine",
            "Loops in Python",
        ]
        with pytest.raises(InvalidRequestError) as caught:
            print(ada.posts[0].body)
        assert str(caught.value) == "'Post.body' is not available due to raiseload=True"
        await session.refresh(ada.posts[0], ["body"])
        assert ada.posts[0].body == ""
    # The second statement loads the posts, without their bodies.
    assert len(sql) == 2
    assert sql[1].startswith("SELECT posts.")
    assert "posts.body" not in sql[1]


def test_a_deferred_column_property_is_in_the_select_only_when_undeferred() -> None:
    # comment_count is in every SELECT; deferred_count only on request.
    plain = str(select(Post))
    undeferred = str(select(Post).options(undefer(Post.deferred_count)))
    assert plain.count("count(blog_comments.id)") == 1
    assert undeferred.count("count(blog_comments.id)") == 2


async def test_a_deferred_column_property_is_left_out_of_the_sent_select(
    settings: Settings,
) -> None:
    async with computed_tables() as (engine, session):
        await add_a_post_with_two_comments(session)
        with log_sql(engine) as sql:
            await session.scalars(select(Post))
            await session.scalars(select(Post).options(undefer(Post.deferred_count)))
    # The first SELECT counts once (comment_count), the undeferred one twice.
    assert [statement.count("count(blog_comments.id)") for statement in sql] == [1, 2]


async def test_raiseload_sends_the_same_select_as_defer(settings: Settings) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        with log_sql(engine) as sql:
            await session.scalars(select(SamplePost).options(defer(SamplePost.body)))
            await session.scalars(
                select(SamplePost).options(defer(SamplePost.body, raiseload=True))
            )
    assert sql[0] == sql[1]
    assert "posts.body" not in sql[0]


def test_a_plain_property_works_on_an_object_only() -> None:
    ada = PlainPerson(first_name="Ada", last_name="Lovelace")
    assert ada.full_name == "Ada Lovelace"
    assert isinstance(PlainPerson.full_name, property)


def test_a_plain_property_in_where_is_sql_false_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        query = select(PlainPerson).where(PlainPerson.full_name == "Ada Lovelace")  # type: ignore[arg-type,comparison-overlap]
        assert str(query).endswith("WHERE false")


async def test_with_expression_leaves_a_held_value_stale_without_populate_existing(
    settings: Settings,
) -> None:
    async with computed_tables() as (_engine, session):
        await add_a_post_with_two_comments(session)
        query = select(Post).options(with_comment_count())
        post = await session.scalar(query)
        assert post is not None
        assert post.query_count == 2
        await add_a_comment(session, post)
        # The page: the held post keeps its last value, as SQLAlchemy's docs warn.
        await session.scalar(query)
        assert post.query_count == 2
        await session.scalar(query.execution_options(populate_existing=True))
        assert post.query_count == 3
        # A query without with_expression keeps a held post's last value...
        await session.scalar(select(Post))
        assert post.query_count == 3
        # ...and loads None on a post the session does not hold yet.
        session.expunge_all()
        fresh = await session.scalar(select(Post))
        assert fresh is not None
        assert fresh.query_count is None


async def test_undefer_leaves_a_loaded_value_stale_without_populate_existing(
    settings: Settings,
) -> None:
    async with computed_tables() as (_engine, session):
        await add_a_post_with_two_comments(session)
        post = (await session.scalars(select(Post))).one()
        query = select(Post).options(undefer(Post.deferred_count))
        # Unloaded: the undeferred query fills it in on the held post.
        await session.scalar(query)
        assert post.deferred_count == 2
        await add_a_comment(session, post)
        # Loaded: a later undefer() leaves the old count.
        await session.scalar(query)
        assert post.deferred_count == 2
        await session.scalar(query.execution_options(populate_existing=True))
        assert post.deferred_count == 3


def test_each_shown_part_of_post_says_it_is_in_the_class() -> None:
    # Dedented on the page, a section of the class body would read `id` as the builtin.
    source = (ROOT / "snippets" / "types" / "computed.py").read_text()
    for name in ("on_request", "query_expression", "visible"):
        section = source.split(f"# --8<-- [start:{name}]\n")[1]
        assert section.lstrip().startswith("# class Post(Base), continued"), name
