from sqlalchemy import ForeignKey, String
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


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(String(200))
    sender: Mapped[Account] = relationship()  # which of the two keys?
    recipient: Mapped[Account] = relationship()


for _ in range(2):  # what the first query raises, then every later one
    try:
        configure_mappers()
    except Exception as exc:
        print(f"{type(exc).__name__}: {str(exc).split(' (Background')[0]}")
# --8<-- [end:pattern]

# A mapper that failed stops every later configure_mappers() in the process, the
# programs of other pages included when they run in the same one.
Base.registry.dispose()
