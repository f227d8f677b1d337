"""index users by name for keyset pagination

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 14:56:40.302431
"""

# --8<-- [start:migration]
from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("ix_users_name_id", ["name", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_name_id")


# --8<-- [end:migration]
