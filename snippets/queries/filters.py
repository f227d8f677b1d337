"""Filters and sorting from a request's query parameters, without building strings."""

# --8<-- [start:params]
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute

from snippets.app import DbSession
from snippets.models import Post, User
from snippets.schemas import UserRead
from snippets.setup.validation import NO_NUL

# The only names a client may sort by, each mapped to a column: a request names a
# column, it never supplies SQL.
SortName = Literal["name", "email", "created_at"]
SORT_COLUMNS: dict[SortName, InstrumentedAttribute[Any]] = {
    "name": User.name,
    "email": User.email,
    "created_at": User.created_at,
}


class UserFilters(BaseModel):
    # A misspelt parameter (?nme=ada) is a 422, not a filter silently ignored; so is
    # any parameter that is not a field here, paging included.
    model_config = ConfigDict(extra="forbid")

    # min_length: ?name= is a 422, not a search that matches every row.
    name: str | None = Field(default=None, min_length=1, max_length=100, pattern=NO_NUL)
    has_published: bool | None = None
    sort: SortName = "name"
    order: Literal["asc", "desc"] = "asc"
    limit: int = Field(default=20, ge=1, le=100)
    # Bounded: the server produces every row it skips (pagination.md, deep pages).
    offset: int = Field(default=0, ge=0, le=10_000)


# --8<-- [end:params]


# --8<-- [start:conditions]
def user_conditions(filters: UserFilters) -> list[ColumnElement[bool]]:
    """One condition per filter the request set; none when it set none."""
    conditions: list[ColumnElement[bool]] = []
    if filters.name is not None:
        # autoescape: a %, _ or \ the user typed matches itself. icontains ignores the
        # case of ASCII letters only on SQLite, and on PostgreSQL as the database's
        # locale says (docs/queries/reading.md, "LIKE and ILIKE differ").
        conditions.append(User.name.icontains(filters.name, autoescape=True))
    if filters.has_published is not None:
        published = User.posts.any(Post.published)
        conditions.append(published if filters.has_published else ~published)
    return conditions


# --8<-- [end:conditions]


# --8<-- [start:route]
router = APIRouter()


@router.get("/search/users", response_model=list[UserRead])
async def search_users(
    filters: Annotated[UserFilters, Query()], session: DbSession
) -> Sequence[User]:
    column = SORT_COLUMNS[filters.sort]
    descending = filters.order == "desc"
    # The primary key breaks ties, so equal names come back in the same order on every
    # request, and consecutive offsets never show a row twice or skip one.
    order = [column.desc(), User.id.desc()] if descending else [column, User.id]
    query = (
        select(User)
        .where(*user_conditions(filters))
        .order_by(*order)
        .limit(filters.limit)
        .offset(filters.offset)
    )
    return (await session.scalars(query)).all()


# --8<-- [end:route]
