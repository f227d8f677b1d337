"""The models of More relationship shapes: an account's one profile, two foreign keys to
one table, an association proxy over an association object, and joined-table and
single-table inheritance.

They have their own `Base` and their own tables (`accounts`, `profiles`, `members`,
`messages`, `authors`, `keywords`, `author_keywords`, `vehicles`, `cars`, `trucks`,
`payments`, `card_payments`, `bank_transfers`, `employees`), apart from the guide's
models and sample rows.
"""

# --8<-- [start:one_to_one]
from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """The page's own tables, apart from the guide's sample data."""


class Account(Base):
    """An account with at most one `Profile`."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # Not a list in the annotation, so uselist=False: one Profile, or None.
    profile: Mapped["Profile | None"] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class Profile(Base):
    """The profile of one `Account`."""

    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    # unique: the database itself allows one profile per account.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    bio: Mapped[str] = mapped_column(String(200))
    account: Mapped[Account] = relationship(back_populates="profile")


# --8<-- [end:one_to_one]


# --8<-- [start:two_foreign_keys]
class Member(Base):
    """A member, with the messages it sent and the ones it received."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    # Message is not defined yet: name its column in a string.
    sent: Mapped[list["Message"]] = relationship(
        foreign_keys="Message.sender_id", back_populates="sender"
    )
    received: Mapped[list["Message"]] = relationship(
        foreign_keys="Message.recipient_id", back_populates="recipient"
    )


class Message(Base):
    """A message from one `Member` to another: two foreign keys to `members`."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    body: Mapped[str] = mapped_column(String(200))
    sender: Mapped[Member] = relationship(
        foreign_keys=[sender_id], back_populates="sent"
    )
    recipient: Mapped[Member] = relationship(
        foreign_keys=[recipient_id], back_populates="received"
    )


# --8<-- [end:two_foreign_keys]


# --8<-- [start:association_proxy]
class Keyword(Base):
    """A keyword, shared by authors."""

    __tablename__ = "keywords"
    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(50), unique=True)


class AuthorKeyword(Base):
    """The association object: an `Author`'s `Keyword`, with data of its own."""

    __tablename__ = "author_keywords"
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), primary_key=True)
    keyword_id: Mapped[int] = mapped_column(ForeignKey("keywords.id"), primary_key=True)
    special_key: Mapped[str | None] = mapped_column(String(50))
    keyword: Mapped[Keyword] = relationship()


class Author(Base):
    """An author whose `keywords` proxy steps over the `AuthorKeyword` links."""

    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_keywords: Mapped[list[AuthorKeyword]] = relationship(
        cascade="all, delete-orphan"
    )
    # The Keyword of each AuthorKeyword, read and appended as one list.
    keywords: AssociationProxy[list[Keyword]] = association_proxy(
        "author_keywords",
        "keyword",
        creator=lambda keyword: AuthorKeyword(keyword=keyword),
    )


# --8<-- [end:association_proxy]


# --8<-- [start:joined]
class Vehicle(Base):
    """A vehicle; `type` says which subclass a row is."""

    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "vehicle"}


class Car(Vehicle):
    """A vehicle with seats, in a table of its own joined by the primary key."""

    __tablename__ = "cars"
    id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), primary_key=True)
    seats: Mapped[int]
    __mapper_args__ = {"polymorphic_identity": "car"}


class Truck(Vehicle):
    """A vehicle with a payload, in a table of its own."""

    __tablename__ = "trucks"
    id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), primary_key=True)
    payload_kg: Mapped[int]
    __mapper_args__ = {"polymorphic_identity": "truck"}


# --8<-- [end:joined]


# --8<-- [start:polymorphic_load]
class Payment(Base):
    """A payment; a query for it loads each subclass's columns by itself."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[int]
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "payment"}


class CardPayment(Payment):
    """A payment by card."""

    __tablename__ = "card_payments"
    id: Mapped[int] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    last4: Mapped[str] = mapped_column(String(4))
    # selectin: a query for Payment that finds cards loads these in one more statement.
    __mapper_args__ = {"polymorphic_identity": "card", "polymorphic_load": "selectin"}


class BankTransfer(Payment):
    """A payment by bank transfer."""

    __tablename__ = "bank_transfers"
    id: Mapped[int] = mapped_column(ForeignKey("payments.id"), primary_key=True)
    iban: Mapped[str] = mapped_column(String(34))
    __mapper_args__ = {"polymorphic_identity": "bank", "polymorphic_load": "selectin"}


# --8<-- [end:polymorphic_load]


# --8<-- [start:single_table]
class Employee(Base):
    """An employee; managers and engineers share its table, `employees`."""

    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class Manager(Employee):
    """An employee with a team: a nullable column of `employees`."""

    team: Mapped[str | None] = mapped_column(String(50))  # NULL for the others
    # inline: a query for Employee selects this column too.
    __mapper_args__ = {"polymorphic_identity": "manager", "polymorphic_load": "inline"}


class Engineer(Employee):
    """An employee with a language: a nullable column of `employees`."""

    language: Mapped[str | None] = mapped_column(String(50))
    __mapper_args__ = {"polymorphic_identity": "engineer", "polymorphic_load": "inline"}


# --8<-- [end:single_table]
