"""What readers do with the guide's model objects after loading them: compare, hash, put
them in sets and dict keys, remove them from collections and move them between parents.

Dataclass equality (compare every field, relationships included) breaks all of these: the
guide's models compare by identity, as plain SQLAlchemy models do.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import Select, func, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import selectinload

from snippets.database import close_db, create_engine, create_session_factory
from snippets.models import Base, Post, Tag, User
from snippets.settings import Settings
from tests.docs_examples import ROOT

MODELS = sorted(
    (mapper.class_ for mapper in Base.registry.mappers), key=lambda cls: cls.__name__
)


@pytest.mark.parametrize("model", MODELS, ids=lambda cls: cls.__name__)
def test_every_model_compares_by_identity_and_is_hashable(model: type[Base]) -> None:
    # A generated __eq__ would read every field; a dataclass with eq=True sets __hash__
    # to None. Every class in the hierarchy (mixins too) must leave object's in place.
    assert model.__eq__ is object.__eq__, f"{model.__name__} generates __eq__"
    assert model.__hash__ is object.__hash__, f"{model.__name__} is unhashable"


def test_two_new_objects_with_the_same_values_are_different_rows() -> None:
    first, second = Tag(name="x"), Tag(name="x")
    assert first != second
    assert len({first, second}) == 2
    assert {first: 1, second: 2}[first] == 1


async def _two_authors(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        ada = User(email="ada@example.com", name="Ada")
        grace = User(email="grace@example.com", name="Grace")
        first = Post(title="first", author=ada, tags=[Tag(name="a")])
        second = Post(title="second", author=ada, tags=[Tag(name="b")])
        session.add_all([ada, grace, first, second])
        await session.commit()


def _authors_with_posts() -> Select[tuple[User]]:
    return select(User).options(selectinload(User.posts)).order_by(User.id)


async def test_remove_from_a_loaded_collection_deletes_the_orphan(
    engine: AsyncEngine,
) -> None:
    await _two_authors(engine)
    async with create_session_factory(engine)() as session:
        ada, _ = (await session.scalars(_authors_with_posts())).all()
        post = ada.posts[0]
        assert post in ada.posts  # membership compares objects, not fields
        ada.posts.remove(post)
        await session.commit()
        titles = (await session.scalars(select(Post.title))).all()
    assert titles == ["second"]


async def test_moving_a_post_to_another_author(engine: AsyncEngine) -> None:
    await _two_authors(engine)
    async with create_session_factory(engine)() as session:
        ada, grace = (await session.scalars(_authors_with_posts())).all()
        post = ada.posts[0]
        # Both sides loaded: the backref removes the post from Ada's list, which
        # searches the list by equality.
        post.author = grace
        assert post not in ada.posts
        assert grace.posts == [post]
        await session.commit()
        rows = (
            await session.execute(
                select(User.name, func.count(Post.id))
                .join(Post)
                .group_by(User.name)
                .order_by(User.name)
            )
        ).all()
    assert [tuple(row) for row in rows] == [("Ada", 1), ("Grace", 1)]


async def test_loaded_objects_as_set_members_and_dict_keys(engine: AsyncEngine) -> None:
    await _two_authors(engine)
    async with create_session_factory(engine)() as session:
        ada, grace = (await session.scalars(_authors_with_posts())).all()
        posts_by_author = {ada: ada.posts, grace: grace.posts}
        seen = {post for posts in posts_by_author.values() for post in posts}
        # The identity map hands back the same object for the same row.
        again = await session.get(Post, ada.posts[0].id)
        assert again is ada.posts[0]
        assert again in seen
        assert len(seen) == 2


@pytest.fixture
def models_with_dataclass_eq() -> Iterator[ModuleType]:
    """snippets/models.py as it would be without eq=False, as a module of its own."""
    source = (ROOT / "snippets" / "models.py").read_text()
    assert source.count(", eq=False)") == 2  # Base and TimestampMixin
    module = ModuleType("models_with_dataclass_eq")
    sys.modules[module.__name__] = module  # annotations resolve through sys.modules
    try:
        exec(
            compile(source.replace(", eq=False)", ")"), "models", "exec"), vars(module)
        )
        yield module
    finally:
        del sys.modules[module.__name__]


async def test_with_dataclass_equality_the_same_steps_fail_as_the_models_page_says(
    models_with_dataclass_eq: ModuleType, database_url: str
) -> None:
    models: Any = models_with_dataclass_eq
    engine = create_engine(Settings(database_url=database_url))
    async with engine.begin() as connection:
        await connection.run_sync(models.Base.metadata.create_all)
    expected = "'Post.tags' is not available due to lazy='raise_on_sql'"
    try:
        async with create_session_factory(engine)() as session:
            ada = models.User(email="ada@example.com", name="Ada")
            grace = models.User(email="grace@example.com", name="Grace")
            first = models.Post(title="first", author=ada)
            session.add_all(
                [ada, grace, first, models.Post(title="second", author=ada)]
            )
            await session.commit()
            session.expunge_all()
            ada, grace = (
                await session.scalars(
                    select(models.User)
                    .order_by(models.User.id)
                    .options(selectinload(models.User.posts))
                )
            ).all()
            # Python's `in` and remove() skip __eq__ for the same object, so the
            # comparison that fails is with the posts before it in the list.
            post = ada.posts[1]
            with pytest.raises(TypeError, match="unhashable type: 'Post'"):
                hash(post)
            with pytest.raises(InvalidRequestError, match=re.escape(expected)):
                post.author = grace
            with pytest.raises(InvalidRequestError, match=re.escape(expected)):
                _ = post in ada.posts
            with pytest.raises(InvalidRequestError, match=re.escape(expected)):
                ada.posts.remove(post)
    finally:
        await close_db(engine)
    assert expected in (ROOT / "docs" / "setup" / "models.md").read_text()
