from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "blog_posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    published: Mapped[bool]
    hidden: Mapped[bool]

    @hybrid_property
    def is_visible(self) -> bool:
        return self.published and not self.hidden


try:
    select(Post).where(Post.is_visible)
except InvalidRequestError as exc:
    print(f"{type(exc).__name__}: {exc}")
    """
    InvalidRequestError: When interpreting attribute "Post.is_visible" as a SQL expression, expected __clause_element__() to return a ClauseElement object, got: False
    """
# --8<-- [end:pattern]
