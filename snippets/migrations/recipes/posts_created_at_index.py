"""index posts by creation time, built without blocking writes

A recipe: copy it into versions/ as the next revision (its ids are 0003 after 0002).

Revision ID: 0003
Revises: 0002
"""

# --8<-- [start:migration]
from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # CREATE INDEX CONCURRENTLY refuses to run inside a transaction block; the
    # block commits the migration so far and runs it outside any transaction.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_posts_created_at",
            "posts",
            ["created_at"],
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_posts_created_at", table_name="posts", postgresql_concurrently=True
        )


# --8<-- [end:migration]
