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

# The only names a client may sort by, each mapped to a column: a request names a
# column, it never supplies SQL.
SortName = Literal["name", "email", "created_at"]
SORT_COLUMNS: dict[SortName, InstrumentedAttribute[Any]] = {
    "name": User.name,
    "email": User.email,
    "created_at": User.created_at,
}


class UserFilters(BaseModel):
    # A misspelt parameter (?nme=ada) is a 422, not a filter silently ignored.
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    has_published: bool | None = None
    sort: SortName = "name"
    order: Literal["asc", "desc"] = "asc"
    limit: int = Field(default=20, ge=1, le=100)


# --8<-- [end:params]


# --8<-- [start:conditions]
def user_conditions(filters: UserFilters) -> list[ColumnElement[bool]]:
    """One condition per filter the request set; none when it set none."""
    conditions: list[ColumnElement[bool]] = []
    if filters.name is not None:
        # autoescape: a % or _ the user typed matches itself, not any characters;
        # icontains ignores case on both backends.
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
    # request (and a page boundary never splits them differently).
    order = [column.desc(), User.id.desc()] if descending else [column, User.id]
    query = (
        select(User)
        .where(*user_conditions(filters))
        .order_by(*order)
        .limit(filters.limit)
    )
    return (await session.scalars(query)).all()


# --8<-- [end:route]
