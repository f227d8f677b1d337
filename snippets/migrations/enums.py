"""PostgreSQL enums in migrations: the type outlives its table, and a new value needs a
transaction of its own. Each function is the body of an upgrade() or downgrade()."""

from __future__ import annotations

# --8<-- [start:create_and_drop]
import sqlalchemy as sa
from alembic.operations import Operations
from sqlalchemy.dialects.postgresql import ENUM


def create_articles(op: Operations) -> None:
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "status",
            sa.Enum("draft", "published", name="article_status"),
            server_default="draft",
            nullable=False,
        ),
    )


def drop_articles(op: Operations) -> None:
    op.drop_table("articles")
    # DROP TABLE leaves the type behind, and the next upgrade would fail with
    # 'type "article_status" already exists'.
    sa.Enum(name="article_status").drop(op.get_bind(), checkfirst=True)


# --8<-- [end:create_and_drop]


# --8<-- [start:add_value]
# A data migration describes the table as it is at this revision, not as the models
# describe it today: sa.table() with just the columns it touches. The enum column needs
# its type (create_type=False: it exists already); untyped, it compares as VARCHAR.
status = ENUM(
    "draft", "published", "archived", name="article_status", create_type=False
)
articles = sa.table(
    "articles", sa.column("id", sa.Integer), sa.column("status", status)
)


def archive_old_drafts(op: Operations) -> None:
    # PostgreSQL refuses to use an enum value in the transaction that added it.
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE article_status ADD VALUE IF NOT EXISTS 'archived'")
    op.execute(
        articles.update()
        .where(articles.c.status == "draft", articles.c.id <= 2)
        .values(status="archived")
    )


# --8<-- [end:add_value]
