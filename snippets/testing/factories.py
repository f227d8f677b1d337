"""Test data with only the fields a test cares about; the rest filled in, unique."""

# --8<-- [start:factories]
from __future__ import annotations

import itertools

from snippets.models import Post, User

_numbers = itertools.count(1)


def new_user(*, name: str | None = None, email: str | None = None) -> User:
    n = next(_numbers)
    return User(email=email or f"user{n}@example.com", name=name or f"User {n}")


def new_post(
    author: User, *, title: str | None = None, published: bool = False
) -> Post:
    return Post(
        title=title or f"Post {next(_numbers)}", author=author, published=published
    )


# A test states what it checks and nothing else:
#     db_session.add_all([new_user(name="Ada"), new_user(name="Bea")])
#     ada = new_user(name="Ada"); db_session.add(new_post(ada, published=True))
# --8<-- [end:factories]
