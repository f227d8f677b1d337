"""Claims on docs/types/computed.md that the examples do not show by themselves."""

from __future__ import annotations

import warnings

import pytest
from sqlalchemy import ColumnElement, ForeignKey, String, and_, func, not_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    column_property,
    defer,
    joinedload,
    mapped_column,
    query_expression,
    relationship,
    selectinload,
    undefer,
    with_expression,
)

from snippets.models import Post, User
from snippets.sample import sample_db, sample_rows
from snippets.settings import Settings
from snippets.sql_log import log_sql


class Base(DeclarativeBase):
    pass


class BlogComment(Base):
    __tablename__ = "blog_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("blog_posts.id"))
    post: Mapped[BlogPost] = relationship(back_populates="comments")


class BlogPost(Base):
    __tablename__ = "blog_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    published: Mapped[bool] = mapped_column(default=False)
    hidden: Mapped[bool] = mapped_column(default=False)
    comments: Mapped[list[BlogComment]] = relationship(back_populates="post")
    comment_count: Mapped[int] = column_property(
        select(func.count(BlogComment.id))
        .where(BlogComment.post_id == id)
        .correlate_except(BlogComment)
        .scalar_subquery()
    )
    # The same count without correlate_except, deferred so that only the test that
    # asks for it puts it in a query.
    uncorrelated_count: Mapped[int] = column_property(
        select(func.count(BlogComment.id))
        .where(BlogComment.post_id == id)
        .scalar_subquery(),
        deferred=True,
    )
    expression_count: Mapped[int | None] = query_expression()

    @hybrid_property
    def is_visible(self) -> bool:
        return self.published and not self.hidden

    @is_visible.inplace.expression
    @classmethod
    def _is_visible_sql(cls) -> ColumnElement[bool]:
        return and_(cls.published, not_(cls.hidden))


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))

    @hybrid_property
    def full_name(self) -> str:
        return self.first_name + " " + self.last_name


def sample_people() -> list[Person]:
    """The sample users' names, as first and last names."""
    names = [row.name for row in sample_rows() if isinstance(row, User)]
    assert len(names) == 3
    return [Person(first_name=n.split()[0], last_name=n.split()[1]) for n in names]


async def test_the_full_name_hybrid_in_order_by_and_in_python_agree(
    settings: Settings,
) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
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
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        for published in (False, True):
            for hidden in (False, True):
                session.add(BlogPost(title="t", published=published, hidden=hidden))
        await session.commit()
        query = select(BlogPost.id).where(BlogPost.is_visible).order_by(BlogPost.id)
        visible_in_sql = list(await session.scalars(query))
        posts = (await session.scalars(select(BlogPost).order_by(BlogPost.id))).all()
        hidden_in_sql = list(
            await session.scalars(
                select(BlogPost.id)
                .where(not_(BlogPost.is_visible))
                .order_by(BlogPost.id)
            )
        )
    assert visible_in_sql == [p.id for p in posts if p.is_visible] == [3]
    assert hidden_in_sql == [p.id for p in posts if not p.is_visible] == [1, 2, 4]


def test_and_in_a_hybrid_body_silently_keeps_only_its_right_side() -> None:
    # The page: a column object is true in Python, so `published and not hidden` is
    # `not hidden` (False), and `published and title != ""` is `title != ""`.
    assert bool(BlogPost.published) is True
    assert (not BlogPost.hidden) is False
    silent = BlogPost.published and BlogPost.title != ""
    sql = str(select(BlogPost.id).where(silent))
    assert sql.endswith("WHERE blog_posts.title != :title_1")
    assert "published" not in sql.split("WHERE")[1]


async def test_the_comment_count_with_zero_comments_is_0_not_none(
    settings: Settings,
) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(BlogPost(title="No comments"))
        await session.commit()
        count = select(func.count(BlogComment.id)).where(
            BlogComment.post_id == BlogPost.id
        )
        query = select(BlogPost).options(
            with_expression(BlogPost.expression_count, count.scalar_subquery())
        )
        post = await session.scalar(query.execution_options(populate_existing=True))
    assert post is not None
    assert post.comment_count == 0
    assert type(post.comment_count) is int
    assert post.expression_count == 0


async def test_the_comment_count_in_joined_queries(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(BlogPost(title="Two", comments=[BlogComment(), BlogComment()]))
        session.add(BlogPost(title="One", comments=[BlogComment()]))
        session.add(BlogPost(title="None"))
        await session.commit()
        session.expunge_all()
        # One row per comment, and each post still counts all of its own comments.
        joined = select(BlogPost, BlogComment.id).join(BlogPost.comments)
        rows = (await session.execute(joined.order_by(BlogComment.id))).all()
        assert [(post.title, post.comment_count) for post, _ in rows] == [
            ("Two", 2),
            ("Two", 2),
            ("One", 1),
        ]
        # Loaded through a relationship of another entity: the same counts.
        session.expunge_all()
        comments = (
            await session.scalars(
                select(BlogComment)
                .options(joinedload(BlogComment.post))
                .order_by(BlogComment.id)
            )
        ).all()
        assert [c.post.comment_count for c in comments] == [2, 2, 1]
        # Without correlate_except, the subquery would take blog_comments from the
        # outer query too, as the page says.
        with pytest.raises(InvalidRequestError) as caught:
            await session.execute(
                select(BlogPost.uncorrelated_count).join(BlogPost.comments)
            )
    assert "returned no FROM clauses due to auto-correlation" in str(caught.value)


async def test_defer_with_raiseload_on_a_relationship_load(
    settings: Settings,
) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        query = (
            select(User)
            .where(User.id == 1)
            .options(selectinload(User.posts).defer(Post.body, raiseload=True))
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
    # comment_count is in every SELECT; the deferred uncorrelated_count only on request.
    plain = str(select(BlogPost))
    undeferred = str(select(BlogPost).options(undefer(BlogPost.uncorrelated_count)))
    assert plain.count("count(blog_comments.id)") == 1
    assert undeferred.count("count(blog_comments.id)") == 2


async def test_raiseload_sends_the_same_select_as_defer(settings: Settings) -> None:
    async with sample_db() as (engine, sessions), sessions() as session:
        with log_sql(engine) as sql:
            await session.scalars(select(Post).options(defer(Post.body)))
            await session.scalars(
                select(Post).options(defer(Post.body, raiseload=True))
            )
    assert sql[0] == sql[1]
    assert "posts.body" not in sql[0]


def test_a_plain_property_in_where_is_sql_false_without_a_warning() -> None:
    class Plain(Base):
        __tablename__ = "plain_people"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

        @property
        def label(self) -> str:
            return self.name

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        query = select(Plain).where(Plain.label == "Ada")  # type: ignore[arg-type,comparison-overlap]
        assert str(query).endswith("WHERE false")
