"""The models of the Vectors (pgvector) page: `Item`, a row with an embedding, and
`Document`, a row with a topic whose embeddings have an HNSW index for cosine distance;
`enable_pgvector` creates the extension before `create_all` creates their tables.

They have their own `Base` and their own tables (`items`, `documents`), apart from the
guide's models and sample rows. PostgreSQL only: the `vector` type needs the pgvector
extension.
"""

# --8<-- [start:item]
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import Connection, Index, MetaData, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The page's own tables, apart from the guide's sample data."""


@event.listens_for(Base.metadata, "before_create")
def enable_pgvector(_metadata: MetaData, connection: Connection, **_: Any) -> None:
    """Create the extension in the transaction of `create_all`, before its tables."""
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))


class Item(Base):
    """A row with an embedding of 3 floats (an embedding model gives hundreds)."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(3))


# --8<-- [end:item]


# --8<-- [start:document]
class Document(Base):
    """A row with a topic to filter on and an embedding that an HNSW index serves."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str]
    embedding: Mapped[list[float]] = mapped_column(Vector(3))


# For ORDER BY cosine_distance (<=>) only; m and ef_construction: pgvector's defaults.
Index(
    "documents_embedding_idx",
    Document.embedding,
    postgresql_using="hnsw",
    postgresql_with={"m": 16, "ef_construction": 64},
    postgresql_ops={"embedding": "vector_cosine_ops"},
)
# --8<-- [end:document]
