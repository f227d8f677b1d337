from sqlalchemy import ForeignKey
from sqlalchemy.exc import AmbiguousForeignKeysError, InvalidRequestError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    configure_mappers,
    mapped_column,
    relationship,
)


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    sender: Mapped[Member] = relationship()  # which of the two keys?


try:
    configure_mappers()  # what the app's first query does
except AmbiguousForeignKeysError as exc:
    print(f"{type(exc).__name__}: {exc}")
    """
    AmbiguousForeignKeysError: Could not determine join condition between parent/child tables on relationship Message.sender - there are multiple foreign key paths linking the tables.  Specify the 'foreign_keys' argument, providing a list of those columns which should be counted as containing a foreign key reference to the parent table.
    """
# --8<-- [end:pattern]
try:
    configure_mappers()  # and every query after it
except InvalidRequestError as exc:
    print(f"{type(exc).__name__}: {str(exc).split(' Original exception')[0]}")
    """
    InvalidRequestError: One or more mappers failed to initialize - can't proceed with initialization of other mappers. Triggering mapper: 'Mapper[Message(messages)]'.
    """

# A mapper that failed stops every later configure_mappers() in the process, the
# programs of other pages included when they run in the same one.
Base.registry.dispose()
