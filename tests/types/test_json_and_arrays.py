"""docs/types/json-and-arrays.md: what a reader does next with JSON and ARRAY columns, and the
page's claims that its programs do not print, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import copy
from collections.abc import Callable
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    String,
    Text,
    any_,
    cast,
    func,
    null,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import CompileError, DBAPIError, SADeprecationWarning
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from snippets.database import create_session_factory
from snippets.sql_log import log_sql
from snippets.types import json_and_arrays as page

POSTGRES = pytest.mark.parametrize("backend", ["postgres"])
SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


class Base(DeclarativeBase):
    pass


def portable(none_as_null: bool = False) -> Any:
    """The page's declaration: JSONB on PostgreSQL, JSON elsewhere."""
    return JSON(none_as_null=none_as_null).with_variant(
        JSONB(none_as_null=none_as_null), "postgresql"
    )


class Doc(Base):
    __tablename__ = "json_docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(portable())
    tracked: Mapped[dict[str, Any] | None] = mapped_column(
        MutableDict.as_mutable(portable())
    )
    items: Mapped[list[Any] | None] = mapped_column(MutableList.as_mutable(portable()))
    nulls: Mapped[dict[str, Any] | None] = mapped_column(portable(none_as_null=True))
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # JSON on PostgreSQL


class Article(Base):
    """PostgreSQL only: ARRAY columns."""

    __tablename__ = "array_articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String), default=list)
    labels: Mapped[list[str]] = mapped_column(
        MutableList.as_mutable(ARRAY(String)), default=list
    )
    zero: Mapped[list[str]] = mapped_column(
        ARRAY(String, zero_indexes=True), default=list
    )


@pytest.fixture
async def sessions(
    engine: AsyncEngine,
) -> async_sessionmaker[AsyncSession]:
    tables = [Doc.__table__]
    if engine.dialect.name == "postgresql":
        tables.append(Article.__table__)  # ARRAY: PostgreSQL only
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all, tables=tables)  # type: ignore[arg-type]
    return create_session_factory(engine)


async def add(sessions: async_sessionmaker[AsyncSession], obj: Any) -> Any:
    async with sessions() as session:
        session.add(obj)
        await session.commit()
    return obj


async def stored(
    sessions: async_sessionmaker[AsyncSession], column: Any, id_: int
) -> Any:
    """What the row holds, read by a session that has never seen the object."""
    async with sessions() as fresh:
        return await fresh.scalar(select(column).where(column.table.c.id == id_))


# --- the page's own models ----------------------------------------------------------------


@pytest.fixture
async def page_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the page module's tables (its ARRAY tables on PostgreSQL only)."""
    bases: list[type[DeclarativeBase]] = [page.Base]
    if engine.dialect.name == "postgresql":
        bases.append(page.ArrayBase)
    async with engine.begin() as connection:
        for base in bases:
            await connection.run_sync(base.metadata.create_all)
    return create_session_factory(engine)


async def test_the_page_doc_tracks_tracked_and_not_data(
    page_sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Each column has its own type instance, so MutableDict wraps only `tracked`."""
    columns = page.Doc.__table__.c
    assert columns.data.type is not columns.tracked.type
    async with page_sessions() as session:
        doc = page.Doc(data={"a": 1}, tracked={"a": 1})
        session.add(doc)
        await session.commit()
        assert type(doc.data) is dict
        assert isinstance(doc.tracked, MutableDict)
        doc.data["a"] = 2
        doc.tracked["a"] = 2
        await session.commit()
    assert await stored(page_sessions, page.Doc.data, doc.id) == {"a": 1}
    assert await stored(page_sessions, page.Doc.tracked, doc.id) == {"a": 2}


class SharedBase(DeclarativeBase):
    pass


SHARED = JSON()  # the mistake the page warns about: one instance for two columns


class SharedDoc(SharedBase):
    __tablename__ = "shared_json_docs"
    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(SHARED)
    tracked: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(SHARED))


async def test_a_shared_type_instance_makes_every_column_of_it_mutable(
    engine: AsyncEngine,
) -> None:
    """The page: one JSON() shared by two columns makes `data` tracked as well."""
    async with engine.begin() as connection:
        await connection.run_sync(SharedBase.metadata.create_all)
    sessions = create_session_factory(engine)
    async with sessions() as session:
        doc = SharedDoc(data={"a": 1}, tracked={"a": 1})
        session.add(doc)
        await session.commit()
        assert isinstance(doc.data, MutableDict)  # declared without as_mutable()
        doc.data["a"] = 2
        await session.commit()
    assert await stored(sessions, SharedDoc.data, doc.id) == {"a": 2}


async def test_the_page_defaults_fill_the_column_a_program_leaves_out(
    page_sessions: async_sessionmaker[AsyncSession], backend: str
) -> None:
    doc = await add(page_sessions, page.Doc(data={"a": 1}))
    assert await stored(page_sessions, page.Doc.tracked, doc.id) == {}
    if backend == "postgres":
        article = await add(page_sessions, page.Article(title="t", tags=["a"]))
        assert await stored(page_sessions, page.Article.labels, article.id) == []


@POSTGRES
async def test_the_page_item_takes_jsonb_containment_through_a_cast(
    page_sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The page: `cast(Item.data, JSONB).contains({"kind": "book"})` is `@>`."""
    novel = await add(page_sessions, page.Item(name="novel", data={"kind": "book"}))
    await add(page_sessions, page.Item(name="zine", data={"kind": "zine"}))
    where = cast(page.Item.data, JSONB).contains({"kind": "book"})
    assert "@>" in str(where.compile(dialect=postgresql.dialect()))
    async with page_sessions() as session:
        assert (await session.scalars(select(page.Item.id).where(where))).all() == [
            novel.id
        ]


@SQLITE
async def test_sqlite_cannot_create_the_array_table(engine: AsyncEngine) -> None:
    """The page: the ARRAY model has a base of its own, created on PostgreSQL only."""
    with pytest.raises(CompileError, match="can't render element of type ARRAY"):
        async with engine.begin() as connection:
            await connection.run_sync(page.ArrayBase.metadata.create_all)


# --- MutableDict and friends, one level deeper than the page ------------------------------


async def test_a_nested_change_rides_along_with_the_next_tracked_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        doc = Doc(tracked={"theme": "light", "font": {"size": 12}})
        session.add(doc)
        await session.commit()
        doc.tracked["font"]["size"] = 14  # type: ignore[index]
        await session.commit()
        assert await stored(sessions, Doc.tracked, doc.id) == {
            "theme": "light",
            "font": {"size": 12},
        }
        doc.tracked["theme"] = "dark"  # type: ignore[index]
        await session.commit()
    # The page: "the next change that is tracked writes the whole value".
    assert await stored(sessions, Doc.tracked, doc.id) == {
        "theme": "dark",
        "font": {"size": 14},
    }


def test_the_guide_sessions_keep_committed_values(engine: AsyncEngine) -> None:
    """The page: "the guide's sessions use expire_on_commit=False"."""
    assert create_session_factory(engine).kw["expire_on_commit"] is False


@pytest.mark.parametrize("reload", ["refresh", "expire_on_commit=True", "new session"])
async def test_a_nested_change_is_lost_once_the_object_is_read_again(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], reload: str
) -> None:
    """The page: after refresh(), an expiry, or in a new session or request, the object
    is read from the row, and a later tracked change does not bring the nested one."""
    maker = (
        async_sessionmaker(engine)  # SQLAlchemy's default: expire_on_commit=True
        if reload == "expire_on_commit=True"
        else sessions
    )
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(maker())
        doc = Doc(tracked={"theme": "light", "font": {"size": 12}})
        session.add(doc)
        await session.flush()
        doc_id = doc.id  # read before a commit that may expire it
        await session.commit()
        load = select(Doc).where(Doc.id == doc_id)
        doc = (await session.scalars(load)).one()
        doc.tracked["font"]["size"] = 14  # type: ignore[index]
        await session.commit()
        if reload == "refresh":
            await session.refresh(doc)
        elif reload == "expire_on_commit=True":  # expired by the commit: load it again
            doc = (await session.scalars(load)).one()
        else:  # the next request
            session.expunge(doc)
            session = await stack.enter_async_context(sessions())
            doc = await session.get_one(Doc, doc_id)
        assert doc.tracked == {"theme": "light", "font": {"size": 12}}
        doc.tracked["theme"] = "dark"
        await session.commit()
    assert await stored(sessions, Doc.tracked, doc_id) == {
        "theme": "dark",
        "font": {"size": 12},
    }


async def test_mutable_dict_wraps_only_the_top_level(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    doc = await add(sessions, Doc(tracked={"font": {"size": 12}, "tags": ["a"]}))
    async with sessions() as session:
        loaded = await session.get(Doc, doc.id)
        assert loaded is not None
        assert loaded.tracked is not None
        assert isinstance(loaded.tracked, MutableDict)
        assert type(loaded.tracked["font"]) is dict
        assert type(loaded.tracked["tags"]) is list


async def test_mutable_dict_saves_a_new_nested_dict_and_flag_modified_a_nested_change(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        doc = Doc(tracked={"font": {"size": 12}, "tags": ["a"]})
        session.add(doc)
        await session.commit()
        assert doc.tracked is not None
        doc.tracked["font"] = {**doc.tracked["font"], "size": 14}  # a top-level set
        await session.commit()
        assert (await stored(sessions, Doc.tracked, doc.id))["font"] == {"size": 14}
        doc.tracked["tags"].append("b")
        flag_modified(doc, "tracked")
        await session.commit()
    assert (await stored(sessions, Doc.tracked, doc.id))["tags"] == ["a", "b"]


async def assert_each_change_is_saved(
    sessions: async_sessionmaker[AsyncSession],
    column: str,
    start: Any,
    changes: list[Callable[[Any], object]],
) -> None:
    """Each change, made in place on a fresh row's value and committed, is in the row."""
    for change in changes:
        async with sessions() as session:
            doc = Doc(**{column: copy.deepcopy(start)})
            session.add(doc)
            await session.commit()
            expected = copy.deepcopy(start)
            change(expected)
            change(getattr(doc, column))
            await session.commit()
        assert await stored(sessions, getattr(Doc, column), doc.id) == expected


async def test_mutable_dict_tracks_every_dict_method_that_changes_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    changes = [
        lambda d: d.update(b=2),
        lambda d: d.pop("a"),
        lambda d: d.popitem(),
        lambda d: d.setdefault("c", 3),
        lambda d: d.clear(),
        lambda d: d.__delitem__("a"),
    ]
    await assert_each_change_is_saved(sessions, "tracked", {"a": 1}, changes)


async def test_mutable_list_of_json_tracks_list_methods(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The page: "For a value that is a list, MutableList.as_mutable(JSON) does the same"."""
    changes = [
        lambda items: items.append(4),
        lambda items: items.extend([4, 5]),
        lambda items: items.insert(0, 0),
        lambda items: items.pop(),
        lambda items: items.__setitem__(0, 9),
        lambda items: items.remove(2),
        lambda items: items.sort(reverse=True),
    ]
    await assert_each_change_is_saved(sessions, "items", [1, 2, 3], changes)


# --- values -------------------------------------------------------------------------------


async def test_unicode_and_large_integers_round_trip(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    value = {
        "name": "Zoë 🐘 日本語",
        "big": 2**63 + 1,
        "huge": -(2**70),
        "small": 0.1,
        "nested": {"ключ": ["ü", "ß"]},
    }
    doc = await add(sessions, Doc(data=value))
    assert await stored(sessions, Doc.data, doc.id) == value
    async with sessions() as session:
        found = select(Doc.id).where(Doc.data["name"].as_string() == value["name"])
        assert await session.scalar(found) == doc.id


async def test_a_list_of_a_thousand_items(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    items = [{"n": n, "label": f"item {n}"} for n in range(1_000)]
    async with sessions() as session:
        doc = Doc(items=list(items))
        session.add(doc)
        await session.commit()
        assert doc.items is not None
        doc.items.append({"n": 1_000})  # MutableList: one more, saved
        await session.commit()
    saved = await stored(sessions, Doc.items, doc.id)
    assert saved == [*items, {"n": 1_000}]
    async with sessions() as session:
        length = (
            func.jsonb_array_length(Doc.items)
            if engine.dialect.name == "postgresql"
            else func.json_array_length(Doc.items)
        )
        assert await session.scalar(select(length).where(Doc.id == doc.id)) == 1_001


async def test_json_and_jsonb_read_back_the_same_dict(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    value = {"b": 1, "a": [True, None, 1.5]}
    doc = await add(sessions, Doc(data=value, raw=value))
    assert await stored(sessions, Doc.data, doc.id) == value
    assert await stored(sessions, Doc.raw, doc.id) == value


# --- NULL and 'null' ----------------------------------------------------------------------


async def nulls_found(session: AsyncSession, where: Any) -> list[str]:
    return sorted(
        await session.scalars(select(Doc.raw["name"].as_string()).where(where))
    )


async def test_none_unset_null_and_json_null_by_filter(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    async with sessions() as session:
        session.add_all(
            [
                Doc(raw={"name": "None"}, data=None, nulls=None),
                Doc(raw={"name": "unset"}),
                Doc(raw={"name": "null()"}, data=null(), nulls=null()),
                Doc(raw={"name": "JSON.NULL"}, data=JSON.NULL, nulls=JSON.NULL),
                Doc(raw={"name": "value"}, data={"a": 1}, nulls={"a": 1}),
            ]
        )
        with log_sql(engine) as statements:
            await session.commit()
    # The page: an unset attribute is left out of the INSERT.
    columns = [s.split("(", 1)[1].split(")")[0].split(", ") for s in statements]
    assert ["nulls", "raw"] in columns, statements
    assert all("data" in c for c in columns if c != ["nulls", "raw"]), statements
    async with sessions() as session:
        # The default: None is JSON null, so IS NULL misses it.
        assert await nulls_found(session, Doc.data.is_(None)) == ["null()", "unset"]
        assert await nulls_found(session, cast(Doc.data, Text) == "null") == [
            "JSON.NULL",
            "None",
        ]
        assert await nulls_found(session, Doc.data == JSON.NULL) == [
            "JSON.NULL",
            "None",
        ]
        assert await nulls_found(session, Doc.data.is_not(None)) == [
            "JSON.NULL",
            "None",
            "value",
        ]
        # none_as_null=True: None is SQL NULL; JSON.NULL still stores JSON null.
        assert await nulls_found(session, Doc.nulls.is_(None)) == [
            "None",
            "null()",
            "unset",
        ]
        assert await nulls_found(session, cast(Doc.nulls, Text) == "null") == [
            "JSON.NULL"
        ]
        # Python cannot tell the two apart: both read back as None.
        rows = await session.execute(select(Doc.raw["name"].as_string(), Doc.data))
        assert {name: data for name, data in rows if data is None} == {
            "None": None,
            "unset": None,
            "null()": None,
            "JSON.NULL": None,
        }


# --- querying -----------------------------------------------------------------------------


async def test_typed_elements_and_paths(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The page: as_float(), as_boolean(), as_numeric() and a tuple path."""
    data = {"price": 9.5, "active": True, "rate": 0.125, "size": {"width": 640}}
    doc = await add(sessions, Doc(data=data))
    async with sessions() as session:
        row = (
            await session.execute(
                select(
                    Doc.data["price"].as_float(),
                    Doc.data["active"].as_boolean(),
                    Doc.data["rate"].as_numeric(10, 3),
                    Doc.data[("size", "width")].as_integer(),
                ).where(Doc.id == doc.id)
            )
        ).one()
    assert tuple(row) == (9.5, True, Decimal("0.125"), 640)


@pytest.mark.parametrize(
    ("dialect", "rendered"),
    [
        (sqlite.dialect(), "JSON_QUOTE(JSON_EXTRACT(json_docs.data, ?)) = ?"),
        (
            postgresql.dialect(),
            "(json_docs.data -> %(data_1)s::TEXT) = %(param_1)s::VARCHAR",
        ),
    ],
    ids=["sqlite", "postgres"],
)
@pytest.mark.needs("sqlalchemy>=2.1")
def test_the_raw_element_is_json_on_both_backends(dialect: Any, rendered: str) -> None:
    where = Doc.data["kind"] == "book"
    assert str(where.compile(dialect=dialect)) == rendered


@SQLITE
async def test_sqlite_compares_the_quoted_json_text(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        quoted = await connection.scalar(
            text("""SELECT JSON_QUOTE(JSON_EXTRACT('{"kind": "book"}', '$."kind"'))""")
        )
        assert quoted == '"book"'
        # "SQLite orders every text value after every number"
        for number in ("100", "1e308", "-1"):
            assert await connection.scalar(text(f"SELECT '' > {number}")) == 1
            assert await connection.scalar(text(f"SELECT '24' > {number}")) == 1


@SQLITE
async def test_json_each_gives_overlap_on_sqlite(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    for items in (["sql", "postgres"], ["python"], [], ["go"]):
        await add(sessions, Doc(items=items))
    tag = func.json_each(Doc.items).table_valued("value").alias("tag")
    overlap = select(tag.c.value).where(tag.c.value.in_(["sql", "python"])).exists()
    async with sessions() as session:
        found = await session.scalars(select(Doc.items).where(overlap).order_by(Doc.id))
        assert found.all() == [["sql", "postgres"], ["python"]]
    # The page: "Nothing indexes it: SQLite reads every row's list."
    query = select(Doc.id).where(overlap)
    sql = query.compile(
        dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
    )
    async with engine.connect() as connection:
        plan = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
        details = [row[-1] for row in plan]
    assert "SCAN json_docs" in details, details


# --- JSON versus JSONB on PostgreSQL (the claims under the first example) ----------------


@POSTGRES
@pytest.mark.needs("sqlalchemy>=2.1")
async def test_postgres_json_has_no_equality_and_jsonb_does(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    doc = await add(sessions, Doc(data={"a": 1}, raw={"a": 1}))
    async with sessions() as session:
        assert (
            await session.scalar(select(Doc.id).where(Doc.data == {"a": 1})) == doc.id
        )
        # The portable attribute has JSON's operators; JSONB's own need a cast.
        with pytest.warns(SADeprecationWarning, match="does not include operator"):
            Doc.data.contains({"a": 1})
        jsonb_contains = cast(Doc.data, JSONB).contains({"a": 1})
        assert await session.scalar(select(Doc.id).where(jsonb_contains)) == doc.id
        with pytest.raises(DBAPIError) as raised:
            await session.scalar(select(Doc.id).where(Doc.raw == {"a": 1}))
    assert "operator does not exist: json = json" in str(raised.value.orig)


@POSTGRES
async def test_postgres_json_keeps_the_text_and_jsonb_parses_it(
    engine: AsyncEngine,
) -> None:
    sent = '{"b": 1, "a": 2, "a": 3}'
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT CAST(:v AS json)::text, CAST(:v AS jsonb)::text"),
                {"v": sent},
            )
        ).one()
    assert row == (sent, '{"a": 3, "b": 1}')  # kept as sent; deduplicated and reordered


@POSTGRES
async def test_postgres_gin_index_takes_jsonb_not_json(
    sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine
) -> None:
    # Raw DDL: an Index() on the models' columns would join their metadata for good.
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE INDEX ix_data ON json_docs USING gin (data)")
        )
    with pytest.raises(DBAPIError) as raised:
        async with engine.begin() as connection:
            await connection.execute(
                text("CREATE INDEX ix_raw ON json_docs USING gin (raw)")
            )
    message = 'data type json has no default operator class for access method "gin"'
    assert message in str(raised.value.orig)


# --- ARRAY (PostgreSQL) -------------------------------------------------------------------


@POSTGRES
async def test_empty_arrays(sessions: async_sessionmaker[AsyncSession]) -> None:
    empty = await add(sessions, Article(tags=[]))
    await add(sessions, Article(tags=["sql"]))
    async with sessions() as session:
        one = select(
            Article.tags,
            Article.tags[1],
            func.cardinality(Article.tags),
            func.array_length(Article.tags, 1),
        ).where(Article.id == empty.id)
        # [] round-trips; it has no first element; cardinality 0 but array_length NULL.
        assert tuple((await session.execute(one)).one()) == ([], None, 0, None)
        ids = select(Article.id).order_by(Article.id)
        assert (
            len((await session.scalars(ids.where(Article.tags.contains([])))).all())
            == 2
        )
        assert (await session.scalars(ids.where(Article.tags.overlap([])))).all() == []
        assert (await session.scalars(ids.where(Article.tags == []))).all() == [
            empty.id
        ]
        nothing = any_(Article.tags) == "sql"
        assert empty.id not in (await session.scalars(ids.where(nothing))).all()


@POSTGRES
async def test_a_thousand_array_items_and_mutable_list_methods(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tags = [f"tag-{n}" for n in range(1_000)]
    async with sessions() as session:
        article = Article(tags=list(tags), labels=list(tags))
        session.add(article)
        await session.commit()
        article.labels.append("new")
        article.labels.extend(["x", "y"])
        article.labels.remove("tag-0")
        await session.commit()
    assert await stored(sessions, Article.tags, article.id) == tags
    assert await stored(sessions, Article.labels, article.id) == [
        *tags[1:],
        "new",
        "x",
        "y",
    ]


@POSTGRES
async def test_flag_modified_saves_an_array_append_too(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        article = Article(tags=["sql"])
        session.add(article)
        await session.commit()
        article.tags.append("postgres")
        flag_modified(article, "tags")
        await session.commit()
    assert await stored(sessions, Article.tags, article.id) == ["sql", "postgres"]


@POSTGRES
async def test_zero_indexes_makes_python_zero_the_first_element(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    article = await add(sessions, Article(tags=["a", "b"], zero=["a", "b"]))
    async with sessions() as session:
        row = (
            await session.execute(
                select(Article.tags[0], Article.tags[1], Article.zero[0]).where(
                    Article.id == article.id
                )
            )
        ).one()
    assert tuple(row) == (None, "a", "a")


@POSTGRES
async def test_an_unsaved_append_is_gone_after_refresh(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The page: after refresh(), the list is read from the row and the append is gone."""
    async with sessions() as session:
        article = Article(tags=["sql"])
        session.add(article)
        await session.commit()
        article.tags.append("postgres")  # plain ARRAY: not saved
        await session.commit()
        await session.refresh(article)
        article.tags = [*article.tags, "python"]
        await session.commit()
    assert await stored(sessions, Article.tags, article.id) == ["sql", "python"]
