"""A change SQLite's ALTER TABLE cannot make, written for batch mode."""

from __future__ import annotations

# --8<-- [start:batch]
import sqlalchemy as sa
from alembic.operations import Operations


def make_user_name_optional(op: Operations) -> None:
    # On SQLite: create a new users table, copy the rows, drop the old one, rename.
    # On PostgreSQL: ALTER TABLE users ALTER COLUMN name DROP NOT NULL.
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("name", existing_type=sa.String(100), nullable=True)


# --8<-- [end:batch]
