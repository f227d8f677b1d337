"""Claims on docs/types/vectors.md that the examples do not show by themselves: what a
reader meets next (wrong dimensions, NULL embeddings, k beyond what the index hands out,
the codec on every new connection), and the SQLite fallback the page suggests."""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pgvector.asyncpg import register_vector
from pgvector.sqlalchemy import Vector
from sqlalchemy import JSON, event, insert, make_url, select, text, update
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.database import close_db, create_engine
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.types.vectors import Base, Document, Item
from tests import postgres

postgres_only = pytest.mark.parametrize("backend", ["postgres"])


class NullableBase(DeclarativeBase):
    pass


class MaybeItem(NullableBase):
    """The page's `Item` declared `Mapped[list[float] | None]`, as the page suggests."""

    __tablename__ = "maybe_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    embedding: Mapped[list[float] | None] = mapped_column(Vector(3))


# The page's index on this table, created only once the test wants it.
HNSW = text(
    "CREATE INDEX maybe_items_embedding_idx ON maybe_items USING hnsw "
    "(embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)


def driver_error(exc: DBAPIError) -> str:
    """asyncpg's own exception, as the page prints it."""
    error = exc.orig.__cause__ if exc.orig is not None else exc
    return f"{type(error).__name__}: {error}"


async def raw(connection: Any) -> Any:
    """asyncpg's connection under a SQLAlchemy AsyncConnection."""
    return (await connection.get_raw_connection()).driver_connection


def random_rows(count: int, seed: int = 42) -> list[dict[str, object]]:
    rng = random.Random(seed)
    vectors = [[rng.gauss(0, 1) for _ in range(3)] for _ in range(count)]
    return [
        {"topic": "cooking" if v[0] < 0 else "databases", "embedding": v}
        for v in vectors
    ]


@pytest.fixture
async def vector_db(
    settings: Settings,
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """The page's database: the sample tables, the extension and the page's module's
    tables (`items`, and `documents` with its HNSW index)."""
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.run_sync(NullableBase.metadata.create_all)
        yield engine, sessions


def codec_engine(settings: Settings, **changes: Any) -> AsyncEngine:
    """An engine whose every new connection gets pgvector's asyncpg codec, as on the page."""
    engine = create_engine(settings.model_copy(update=changes))

    @event.listens_for(engine.sync_engine, "connect")
    def register_codec(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.run_async(register_vector)

    return engine


# --- the column -------------------------------------------------------------------------------


@postgres_only
async def test_a_wrong_dimension_is_refused_on_insert(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        session.add(Item(embedding=[1.0, 2.0]))
        with pytest.raises(DBAPIError) as caught:
            await session.commit()
    assert driver_error(caught.value) == "DataError: expected 3 dimensions, not 2"


@postgres_only
async def test_a_query_vector_of_another_dimension_is_refused(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        session.add(Item(embedding=[1.0, 2.0, 3.0]))
        await session.commit()
        with pytest.raises(DBAPIError) as caught:
            await session.scalars(
                select(Item.id).order_by(Item.embedding.cosine_distance([1, 2]))
            )
    assert driver_error(caught.value) == (
        "DataError: different vector dimensions 3 and 2"
    )


@postgres_only
async def test_values_are_stored_as_single_precision(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        session.add(Item(embedding=[0.123456789, 1.0, 2.0]))
        await session.commit()
        assert await session.scalar(select(Item.embedding)) == [0.12345679, 1.0, 2.0]
        # The codec decodes the binary float4 as it is, not its shortest decimal.
        driver = await raw(await session.connection())
        await register_vector(driver)
        value = await driver.fetchval("SELECT embedding FROM items")
        assert value.to_list()[0] == pytest.approx(0.12345679, abs=1e-8)
        assert value.to_list()[0] != 0.12345679


# --- NULL, zero and k beyond the rows ---------------------------------------------------------


@postgres_only
async def test_null_embeddings_sort_last_and_the_index_leaves_them_out(
    vector_db: Any,
) -> None:
    engine, sessions = vector_db
    async with sessions() as session:
        session.add_all(
            [
                MaybeItem(id=1, embedding=[1.0, 0.0, 0.0]),
                MaybeItem(id=2, embedding=None),
                MaybeItem(id=3, embedding=[0.0, 1.0, 0.0]),
                MaybeItem(id=4, embedding=[0.0, 0.0, 0.0]),  # cosine distance: NaN
            ]
        )
        await session.commit()
        distance = MaybeItem.embedding.cosine_distance([1, 0, 0])
        nearest = select(MaybeItem.id, distance).order_by(distance).limit(10)
        rows = (await session.execute(nearest)).all()
        # No index: every row, the zero vector (NaN sorts above every number) and
        # then NULL last.
        assert [id_ for id_, _ in rows] == [1, 3, 4, 2]
        assert math.isnan(rows[2][1])
        assert rows[3][1] is None
        assert (
            await session.scalar(select(MaybeItem.embedding).where(MaybeItem.id == 2))
            is None
        )
    async with engine.begin() as connection:
        await connection.execute(HNSW)
    async with sessions() as session:
        # Four rows are too few for the planner to choose the index by itself.
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            await session.scalars(
                text(
                    "EXPLAIN (COSTS OFF) SELECT id FROM maybe_items "
                    "ORDER BY embedding <=> '[1,0,0]' LIMIT 10"
                )
            )
        )
        assert "Index Scan using maybe_items_embedding_idx" in plan
        ids = (
            await session.scalars(select(MaybeItem.id).order_by(distance).limit(10))
        ).all()
    # The index holds neither the NULL row nor the zero vector.
    assert sorted(ids) == [1, 3]


@postgres_only
async def test_k_beyond_the_rows_returns_the_rows(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        session.add_all([Item(embedding=[1.0, n, 0.0]) for n in range(3)])
        await session.commit()
        nearest = (
            select(Item.id)
            .order_by(Item.embedding.cosine_distance([1, 0, 0]))
            .limit(10)
        )
        assert len((await session.scalars(nearest)).all()) == 3


@postgres_only
async def test_max_inner_product_is_the_negative_inner_product(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        session.add(Item(embedding=[1.0, 0.0, 0.0]))
        await session.commit()
        # [1, 0, 0] . [1, 1, 0] is 1; <#> gives -1, so ascending order puts the
        # largest inner product first.
        distance = Item.embedding.max_inner_product([1, 1, 0])
        assert await session.scalar(select(distance)) == -1.0


@postgres_only
async def test_a_tuple_query_vector_is_refused(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        nearest = select(Item.id).order_by(Item.embedding.l2_distance((1, 0, 0)))
        with pytest.raises(StatementError) as caught:
            await session.scalars(nearest)
        message = str(caught.value).split(" (Background")[0].split("\n")[0]
        assert f"{type(caught.value).__name__}: {message}" == (
            "StatementError: (builtins.ValueError) expected list or ndarray"
        )
        # A list works.
        nearest = select(Item.id).order_by(Item.embedding.l2_distance([1, 0, 0]))
        assert (await session.scalars(nearest)).all() == []


@postgres_only
async def test_an_hnsw_index_serves_l1_distance(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        await session.execute(
            text(
                "CREATE INDEX items_embedding_l1_idx ON items "
                "USING hnsw (embedding vector_l1_ops)"
            )
        )
        session.add_all([Item(embedding=[1.0, n, 0.0]) for n in range(3)])
        await session.flush()
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        nearest = (
            select(Item.embedding)
            .order_by(Item.embedding.l1_distance([1, 2, 0]))
            .limit(1)
        )
        sql = nearest.compile(session.bind, compile_kwargs={"literal_binds": True})
        plan = "\n".join(await session.scalars(text(f"EXPLAIN (COSTS OFF) {sql}")))
        assert "Index Scan using items_embedding_l1_idx" in plan
        assert (await session.scalars(nearest)).all() == [[1.0, 2.0, 0.0]]


@postgres_only
async def test_an_hnsw_scan_hands_out_at_most_ef_search_rows(vector_db: Any) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        await session.execute(insert(Document), random_rows(2000))
        await session.execute(text("ANALYZE documents"))
        nearest = (
            select(Document.id)
            .order_by(Document.embedding.cosine_distance([1, 0, 0]))
            .limit(100)
        )
        assert await session.scalar(text("SHOW hnsw.ef_search")) == "40"
        assert len((await session.scalars(nearest)).all()) == 40
        await session.execute(text("SET LOCAL hnsw.ef_search = 100"))
        assert len((await session.scalars(nearest)).all()) == 100
        await session.execute(text("SET LOCAL hnsw.ef_search = 40"))
        await session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
        assert len((await session.scalars(nearest)).all()) == 100


# --- filtering --------------------------------------------------------------------------------


@postgres_only
async def test_the_iterative_scan_finds_what_an_exact_scan_finds(
    vector_db: Any,
) -> None:
    engine, sessions = vector_db
    nearest_cooking = (
        select(Document.id)
        .where(Document.topic == "cooking")
        .order_by(Document.embedding.cosine_distance([1, 0, 0]))
        .limit(10)
    )
    async with sessions() as session:
        await session.execute(insert(Document), random_rows(2000))
        await session.execute(text("ANALYZE documents"))
        await session.commit()
        sql = nearest_cooking.compile(engine, compile_kwargs={"literal_binds": True})
        plan = (await session.scalars(text(f"EXPLAIN (COSTS OFF) {sql}"))).all()
        assert (
            plan[1].strip()
            == "->  Index Scan using documents_embedding_idx on documents"
        )
        assert plan[3].strip().startswith("Filter: ")
        await session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
        found = (await session.scalars(nearest_cooking)).all()
        await session.execute(text("SET LOCAL enable_indexscan = off"))
        exact = (await session.scalars(nearest_cooking)).all()
    assert len(found) == 10
    assert found == exact


@postgres_only
async def test_relaxed_order_then_a_materialized_cte_restores_the_order(
    vector_db: Any,
) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        await session.execute(insert(Document), random_rows(2000))
        await session.execute(text("ANALYZE documents"))
        await session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
        # pgvector's README: re-sort the relaxed rows outside a MATERIALIZED CTE
        # (`+ 0` keeps PostgreSQL 17+ from pushing the sort into the CTE).
        rows = (
            await session.execute(
                text(
                    "WITH relaxed AS MATERIALIZED ("
                    " SELECT id, embedding <=> '[1,0,0]' AS distance FROM documents"
                    " WHERE topic = 'cooking' ORDER BY distance LIMIT 10"
                    ") SELECT id, distance FROM relaxed ORDER BY distance + 0"
                )
            )
        ).all()
        await session.execute(text("SET LOCAL enable_indexscan = off"))
        exact = (
            await session.scalars(
                select(Document.id)
                .where(Document.topic == "cooking")
                .order_by(Document.embedding.cosine_distance([1, 0, 0]))
                .limit(10)
            )
        ).all()
    distances = [distance for _, distance in rows]
    assert len(rows) == 10
    assert distances == sorted(distances)
    assert sorted(id_ for id_, _ in rows) == sorted(exact)


@postgres_only
async def test_set_local_ends_with_the_transaction_and_set_does_not(
    vector_db: Any,
) -> None:
    _, sessions = vector_db
    show = text("SHOW hnsw.iterative_scan")
    async with sessions() as session:
        await session.execute(text("SELECT '[1,2,3]'::vector"))  # loads the extension
        await session.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
        assert await session.scalar(show) == "strict_order"
        await session.commit()
        assert await session.scalar(show) == "off"
        # A plain SET outlives the transaction: the pooled connection keeps it.
        await session.execute(text("SET hnsw.iterative_scan = strict_order"))
        await session.commit()
    async with sessions() as session:
        assert await session.scalar(show) == "strict_order"


# --- the extension needs a privileged role ----------------------------------------------------


@postgres_only
async def test_creating_the_extension_needs_a_privileged_role(
    settings: Settings, database_url: str
) -> None:
    url = make_url(database_url)
    role = "guide_vector_app"
    await postgres.admin_execute(
        f"DO $$ BEGIN CREATE ROLE {role} LOGIN PASSWORD 'app-password'; "
        f"EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    await postgres.execute_in(
        url,
        "DROP EXTENSION IF EXISTS vector",
        f"GRANT CREATE ON SCHEMA public TO {role}",
    )
    app_settings = Settings(
        database_url=url.set(username=role, password="app-password")
    )
    app = create_engine(app_settings)
    try:
        async with app.connect() as connection:
            with pytest.raises(DBAPIError) as caught:
                await connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        error = caught.value.orig.__cause__  # type: ignore[union-attr]
        # asyncpg adds the server's hint on a second line.
        assert f"{type(error).__name__}: {str(error).splitlines()[0]}" == (
            'InsufficientPrivilegeError: permission denied to create extension "vector"'
        )
        assert error.hint == "Must be superuser to create this extension."  # type: ignore[union-attr]
        # An administrator enables it once; the app's create_all then passes.
        await postgres.execute_in(url, "CREATE EXTENSION vector")
        async with app.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Item), {"embedding": [1, 2, 3]})
    finally:
        await close_db(app)
        await postgres.execute_in(
            url,
            "DROP TABLE IF EXISTS items, documents",
            f"REVOKE ALL ON SCHEMA public FROM {role}",
        )
        await postgres.admin_execute(f"DROP ROLE IF EXISTS {role}")


# --- the codec --------------------------------------------------------------------------------


@postgres_only
async def test_every_new_connection_gets_the_codec_after_a_recycle(
    vector_db: Any, settings: Settings
) -> None:
    engine = codec_engine(settings, db_pool_recycle=1)
    connects = []
    event.listen(engine.sync_engine, "connect", lambda *_: connects.append(1))
    try:
        pids = []
        for _ in range(2):
            async with engine.connect() as connection:
                driver = await raw(connection)
                pids.append(driver.get_server_pid())
                value = await driver.fetchval("SELECT '[1,2,3]'::vector")
                assert value.to_list() == [1.0, 2.0, 3.0]
            await asyncio.sleep(1.2)  # older than pool_recycle: replaced at checkout
        assert len(set(pids)) == 2
        assert len(connects) == 2
        # A connection invalidated after an error is replaced, codec and all.
        async with engine.connect() as connection:
            await connection.invalidate()
        async with engine.connect() as connection:
            driver = await raw(connection)
            assert driver.get_server_pid() not in pids
            assert type(await driver.fetchval("SELECT '[1,2,3]'::vector")).__name__ == (
                "Vector"
            )
    finally:
        await close_db(engine)


@postgres_only
async def test_the_codec_engine_copies_and_reads_but_the_orm_cannot_write(
    vector_db: Any, settings: Settings
) -> None:
    engine, sessions = vector_db
    raw_engine = codec_engine(settings)
    refused = "(expected list or ndarray)"
    try:
        async with raw_engine.begin() as connection:
            await connection.execute(text("SELECT 1"))  # COPY joins this transaction
            driver = await raw(connection)
            await driver.copy_records_to_table(
                "items",
                records=[([float(n), 1.0, 0.0],) for n in range(1, 4)],
                columns=["embedding"],
            )
        codec_sessions = async_sessionmaker(raw_engine)
        async with codec_sessions() as session:
            # Reading through the ORM still gives lists: the type accepts a Vector too.
            embeddings = (await session.scalars(select(Item.embedding))).all()
            assert embeddings == [[1.0, 1.0, 0.0], [2.0, 1.0, 0.0], [3.0, 1.0, 0.0]]
            with pytest.raises(DBAPIError) as caught:
                await session.scalars(
                    select(Item.id).order_by(Item.embedding.cosine_distance([1, 0, 0]))
                )
            assert driver_error(caught.value) == (
                "DataError: invalid input for query argument $1: '[1.0,0.0,0.0]' "
                f"{refused}"
            )

        async def one_object(session: AsyncSession) -> None:
            session.add(Item(embedding=[1.0, 2.0, 3.0]))
            await session.commit()

        async def bulk_insert(session: AsyncSession) -> None:
            await session.execute(insert(Item), [{"embedding": [1.0, 2.0, 3.0]}] * 3)

        async def update_all(session: AsyncSession) -> None:
            await session.execute(update(Item).values(embedding=[1.0, 2.0, 3.0]))

        for write in (one_object, bulk_insert, update_all):
            async with codec_sessions() as session:
                with pytest.raises(DBAPIError) as caught:
                    await write(session)
                assert refused in str(caught.value), write.__name__
        # Several new objects in one flush pass: SQLAlchemy sends those values as
        # text in a VALUES list, which the codec never sees.
        async with codec_sessions() as session:
            session.add_all([Item(embedding=[1.0, 2.0, 3.0]) for _ in range(2)])
            await session.commit()
        # The engine without the codec writes and queries as before.
        async with sessions() as session:
            session.add(Item(id=10, embedding=[4.0, 1.0, 0.0]))
            await session.commit()
            nearest = select(Item.id).order_by(
                Item.embedding.cosine_distance([1, 0, 0])
            )
            assert (await session.scalars(nearest)).all()[0] == 10
    finally:
        await close_db(raw_engine)
        await close_db(engine)


@postgres_only
async def test_a_bulk_insert_is_one_executemany_call(vector_db: Any) -> None:
    engine, sessions = vector_db
    calls = []

    def record(
        _c: Any, _cursor: Any, statement: str, _p: Any, _x: Any, many: bool
    ) -> None:
        calls.append((statement, many))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with sessions() as session:
            await session.execute(insert(Document), random_rows(2000))
            await session.commit()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    inserts = [(statement, many) for statement, many in calls if "INSERT" in statement]
    assert inserts == [
        ("INSERT INTO documents (topic, embedding) VALUES ($1::VARCHAR, $2)", True)
    ]


@postgres_only
async def test_a_codec_registered_in_a_session_stays_on_its_pooled_connection(
    vector_db: Any,
) -> None:
    _, sessions = vector_db
    async with sessions() as session:
        # This INSERT is prepared, and cached by the dialect, before the codec exists.
        session.add(Item(embedding=[1.0, 2.0, 3.0]))
        await session.commit()
        driver = await raw(await session.connection())
        await register_vector(driver)
        first = driver.get_server_pid()
    async with sessions() as session:
        driver = await raw(await session.connection())
        assert driver.get_server_pid() == first
        value = await driver.fetchval("SELECT '[1,2,3]'::vector")
        assert type(value).__name__ == "Vector"
        # The cached statement still sends text and passes; an UPDATE, new on this
        # connection, is prepared with the codec and fails.
        session.add(Item(embedding=[4.0, 5.0, 6.0]))
        await session.commit()
        with pytest.raises(DBAPIError) as caught:
            await session.execute(update(Item).values(embedding=[7.0, 8.0, 9.0]))
    assert "(expected list or ndarray)" in str(caught.value)


# --- SQLite: JSON and ranking in Python -------------------------------------------------------


class JsonBase(DeclarativeBase):
    pass


class JsonItem(JsonBase):
    __tablename__ = "json_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(JSON)


def cosine_distance(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return 1 - dot / (math.hypot(*a) * math.hypot(*b))


async def test_sqlite_fallback_json_ranked_in_python(
    settings: Settings, backend: str
) -> None:
    rows = [row["embedding"] for row in random_rows(200, seed=7)]
    query = [1.0, 0.5, 0.0]
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(JsonBase.metadata.create_all)
        async with sessions() as session:
            session.add_all(JsonItem(embedding=v) for v in rows)  # type: ignore[arg-type]
            await session.commit()
            stored = (
                await session.execute(select(JsonItem.id, JsonItem.embedding))
            ).all()
            ranked = sorted(stored, key=lambda row: cosine_distance(row[1], query))
            in_python = [id_ for id_, _ in ranked[:5]]
            assert json.loads(json.dumps(stored[0][1])) == stored[0][1]
            if backend == "postgres":
                # The same order as pgvector's cosine distance on the same vectors.
                await session.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
                by_pgvector = await session.scalars(
                    text(
                        "SELECT id FROM json_items ORDER BY "
                        "(embedding::text)::vector <=> CAST(:q AS vector) LIMIT 5"
                    ),
                    {"q": json.dumps(query)},
                )
                assert by_pgvector.all() == in_python
