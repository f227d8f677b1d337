"""Request and response bodies of the reference app."""

# --8<-- [start:schemas]
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from snippets.setup.validation import EMAIL, NO_NUL


class UserCreate(BaseModel):
    # A light check; real address validation is the job of a confirmation email.
    email: str = Field(pattern=EMAIL, max_length=320)
    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)


class UserUpdate(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=NO_NUL)


class UserRead(BaseModel):
    # Built straight from the ORM object, so no hand-written copy of each column.
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    created_at: datetime
    updated_at: datetime


# --8<-- [end:schemas]


# --8<-- [start:page]
class UserPage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    items: list[UserRead]
    # Pass it back as ?cursor= for the next page; null on the last page.
    next_cursor: str | None


class ErrorDetail(BaseModel):
    detail: str


# --8<-- [end:page]
