"""The models of the Keys and defaults page: `Account`, a table keyed by a UUID that
Python makes (`default=uuid.uuid4`), and `AccountRead`, its response model.

They have their own base and table (`accounts`), apart from the guide's models and
sample rows.
"""

# --8<-- [start:account]
import uuid

from pydantic import BaseModel
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """The page's tables, apart from the guide's."""


class Account(Base):
    """An account keyed by a UUID that Python makes at the `INSERT`."""

    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str]


# --8<-- [end:account]


# --8<-- [start:account_read]
class AccountRead(BaseModel):
    """An account in a response: the key is a `uuid.UUID`, written as a string."""

    id: uuid.UUID
    name: str


# --8<-- [end:account_read]
