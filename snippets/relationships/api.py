"""A route that returns an object with its relationships through a response model."""

# --8<-- [start:schemas]
from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.app import NOT_FOUND, DbSession
from snippets.models import Post, User
from snippets.setup.validation import UserId


class TagRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str


class PostRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    published: bool
    tags: list[TagRead]


class AuthorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    posts: list[PostRead]


# --8<-- [end:schemas]


# --8<-- [start:route]
router = APIRouter(prefix="/authors", tags=["authors"])


@router.get("/{user_id}", response_model=AuthorRead, responses=NOT_FOUND)
async def read_author(user_id: UserId, session: DbSession) -> User:
    # Load everything AuthorRead reads, in the query: the response model is filled after
    # the route returns, where no attribute can run a query.
    query = (
        select(User)
        .where(User.id == user_id)
        .options(selectinload(User.posts).selectinload(Post.tags))
    )
    user = await session.scalar(query)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"user {user_id} not found")
    return user


# --8<-- [end:route]
