"""What a reader does next with the shapes of docs/relationships/shapes.md, and the claims its
prose makes that the examples do not print: on SQLite and PostgreSQL (the settings fixture)."""

from __future__ import annotations

import runpy
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager

import pytest
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.exc import (
    AmbiguousForeignKeysError,
    IntegrityError,
    InvalidRequestError,
    MissingGreenlet,
    StatementError,
)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    joinedload,
    mapped_column,
    relationship,
    selectin_polymorphic,
    selectinload,
    with_polymorphic,
)

from snippets.relationships.shapes import (
    Account,
    Author,
    AuthorKeyword,
    BankTransfer,
    Base,
    Car,
    CardPayment,
    Employee,
    Engineer,
    Keyword,
    Manager,
    Member,
    Message,
    Payment,
    Profile,
    Truck,
    Vehicle,
)
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql
from tests.docs_examples import ROOT
from tests.shown_code import section_text

PAGE = ROOT / "docs" / "relationships" / "shapes.md"


def page_says(words: str) -> bool:
    """Whether the page has these words, however its lines are wrapped."""
    return " ".join(words.split()) in " ".join(PAGE.read_text().split())


@asynccontextmanager
async def empty_tables(
    base: type[DeclarativeBase] = Base,
) -> AsyncIterator[tuple[AsyncEngine, async_sessionmaker[AsyncSession]]]:
    """An empty database with the tables of `base` (the page's models unless told)."""
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as conn:
            await conn.run_sync(base.metadata.create_all)
        yield engine, sessions


async def add_and_commit(
    sessions: async_sessionmaker[AsyncSession], *objects: object
) -> None:
    """Save these objects in a session of their own."""
    async with sessions() as session:
        session.add_all(objects)
        await session.commit()


def verbs(statements: Sequence[str]) -> list[str]:
    return [" ".join(statement.split()[:3]) for statement in statements]


# --- one-to-one ------------------------------------------------------------------------------


async def one_account_with_a_profile(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_and_commit(
        sessions, Account(id=1, name="Ada", profile=Profile(bio="Analyst"))
    )


async def profile_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Profile)) or 0


async def test_deleting_an_account_deletes_its_profile(settings: Settings) -> None:
    async with empty_tables() as (engine, sessions):
        await one_account_with_a_profile(sessions)
        async with sessions() as session:
            account = await session.get(Account, 1)  # the profile is not loaded
            with log_sql(engine) as sql:
                await session.delete(account)  # the cascade loads it, then deletes it
                await session.commit()
            assert verbs(sql)[-2:] == ["DELETE FROM profiles", "DELETE FROM accounts"]
            assert await profile_count(session) == 0


async def test_joinedload_of_a_one_to_one_is_one_outer_join(settings: Settings) -> None:
    assert page_says("`joinedload` adds one `LEFT OUTER JOIN` and no duplicate rows")
    async with empty_tables() as (engine, sessions):
        await one_account_with_a_profile(sessions)
        async with sessions() as session:
            session.add(
                Account(id=2, name="Grace")
            )  # no profile: the outer join keeps it
            await session.commit()
            session.expunge_all()
            query = select(Account).options(joinedload(Account.profile))
            with log_sql(engine) as sql:
                accounts = (await session.scalars(query.order_by(Account.id))).all()
            assert [a.profile and a.profile.bio for a in accounts] == ["Analyst", None]
            assert len(sql) == 1
            assert sql[0].count("LEFT OUTER JOIN profiles") == 1


async def test_a_second_profile_by_its_key_is_rejected(settings: Settings) -> None:
    assert page_says("A second profile added by its key")
    async with empty_tables() as (_engine, sessions):
        await one_account_with_a_profile(sessions)
        async with sessions() as session:
            session.add(Profile(account_id=1, bio="Poet"))
            with pytest.raises(IntegrityError) as caught:
                await session.commit()
            message = str(caught.value.orig)
            assert (
                "profiles.account_id" in message or "profiles_account_id_key" in message
            )


async def test_changing_the_profile_in_place_is_one_update(settings: Settings) -> None:
    assert page_says("which is one UPDATE")
    async with empty_tables() as (engine, sessions):
        await one_account_with_a_profile(sessions)
        async with sessions() as session:
            query = select(Account).options(joinedload(Account.profile))
            account = (await session.scalars(query)).one()
            assert account.profile is not None
            with log_sql(engine) as sql:
                account.profile.bio = "Poet"
                await session.commit()
            assert verbs(sql) == ["UPDATE profiles SET"]


async def test_replacing_twice_keeps_one_profile(settings: Settings) -> None:
    # The page's fix, repeated: each time the old profile goes before the new one comes.
    async with empty_tables() as (_engine, sessions):
        await one_account_with_a_profile(sessions)
        async with sessions() as session:
            query = select(Account).options(joinedload(Account.profile))
            for bio in ("Poet", "Mathematician"):
                account = (await session.scalars(query)).one()
                assert account.profile is not None
                await session.delete(account.profile)
                await session.flush()
                account.profile = Profile(bio=bio)
                await session.commit()
            session.expunge_all()
            account = (await session.scalars(query)).one()
            assert account.profile is not None
            assert account.profile.bio == "Mathematician"
            assert await profile_count(session) == 1


class WithoutUnique(DeclarativeBase):
    pass


class LooseAccount(WithoutUnique):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[LooseProfile | None] = relationship()


class LooseProfile(WithoutUnique):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    bio: Mapped[str] = mapped_column(String(200))


async def test_without_unique_uselist_false_keeps_one_of_the_rows(
    settings: Settings,
) -> None:
    async with empty_tables(WithoutUnique) as (_engine, sessions):
        await add_and_commit(
            sessions,
            LooseAccount(id=1),
            LooseProfile(account_id=1, bio="Analyst"),
            LooseProfile(account_id=1, bio="Poet"),
        )
        async with sessions() as session:
            query = select(LooseAccount).options(selectinload(LooseAccount.profile))
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                account = (await session.scalars(query)).one()
            assert account.profile is not None
            assert account.profile.bio in {"Analyst", "Poet"}


# --- two foreign keys to the same table ----------------------------------------------------


@contextmanager
def ambiguous_message_mapping() -> Iterator[
    tuple[type[DeclarativeBase], type[DeclarativeBase]]
]:
    """The page's wrong way, in a registry of its own: two keys to members, and a
    relationship that does not say which. Yields the base and the message class."""

    class Broken(DeclarativeBase):
        pass

    class BrokenMember(Broken):
        __tablename__ = "members"
        id: Mapped[int] = mapped_column(primary_key=True)

    class BrokenMessage(Broken):
        __tablename__ = "messages"
        id: Mapped[int] = mapped_column(primary_key=True)
        sender_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
        recipient_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
        sender: Mapped[BrokenMember] = relationship()

    try:
        yield Broken, BrokenMessage
    finally:
        Broken.registry.dispose()  # would stop every later mapper configuration


async def test_a_message_to_oneself(settings: Settings) -> None:
    async with empty_tables() as (engine, sessions):
        ada = Member(name="Ada")
        await add_and_commit(
            sessions, Message(sender=ada, recipient=ada, body="Note to self")
        )
        async with sessions() as session:
            loaders = selectinload(Member.sent), selectinload(Member.received)
            with log_sql(engine) as sql:
                ada = (await session.scalars(select(Member).options(*loaders))).one()
            assert len(sql) == 3
            assert ada.sent == ada.received
            assert ada.sent[0].sender is ada.sent[0].recipient is ada


async def test_messages_with_both_accounts_loaded(settings: Settings) -> None:
    async with empty_tables() as (engine, sessions):
        ada, grace = Member(name="Ada"), Member(name="Grace")
        await add_and_commit(
            sessions, Message(sender=ada, recipient=grace, body="Hello, Grace")
        )
        async with sessions() as session:
            loaders = selectinload(Message.sender), selectinload(Message.recipient)
            with log_sql(engine) as sql:
                message = (
                    await session.scalars(select(Message).options(*loaders))
                ).one()
            assert (message.sender.name, message.recipient.name) == ("Ada", "Grace")
            assert len(sql) == 3


async def test_an_ambiguous_relationship_fails_at_the_first_query_then_at_every_one(
    settings: Settings,
) -> None:
    with ambiguous_message_mapping() as (Broken, BrokenMessage):
        # The tables are fine; the mapping is not.
        async with (
            empty_tables(Broken) as (_engine, sessions),
            sessions() as session,
        ):
            with pytest.raises(AmbiguousForeignKeysError):
                await session.scalars(select(BrokenMessage))
            with pytest.raises(
                InvalidRequestError,
                match="One or more mappers failed to initialize",
            ):
                await session.scalars(select(BrokenMessage))


def test_an_ambiguous_relationship_fails_when_the_first_object_is_created() -> None:
    """Not only a query: `Message(...)` in a POST handler configures the mappers too."""
    assert page_says("`Message(...)` in a POST handler raises the same error")
    with (
        ambiguous_message_mapping() as (_, BrokenMessage),
        pytest.raises(AmbiguousForeignKeysError, match=r"Message\.sender"),
    ):
        BrokenMessage(sender_id=1, recipient_id=2)  # no session, no query


# --- association proxy ---------------------------------------------------------------------


PROXY_LOADER = selectinload(Author.author_keywords).joinedload(AuthorKeyword.keyword)


async def tagged_authors(
    sessions: async_sessionmaker[AsyncSession], authors: int, words: int
) -> None:
    async with sessions() as session:
        keywords = [Keyword(word=f"word {n}") for n in range(words)]
        session.add_all([Author(keywords=list(keywords)) for _ in range(authors)])
        await session.commit()


async def test_the_proxy_supports_in_len_and_remove(settings: Settings) -> None:
    async with empty_tables() as (engine, sessions):
        await tagged_authors(sessions, authors=1, words=3)
        async with sessions() as session:
            author = (await session.scalars(select(Author).options(PROXY_LOADER))).one()
            first = author.author_keywords[0].keyword
            with log_sql(engine) as sql:
                assert first in author.keywords
                assert len(author.keywords) == 3
            assert sql == []  # read from the loaded collection
            with log_sql(engine) as sql:
                author.keywords.remove(first)  # delete-orphan: the link goes
                await session.commit()
            assert verbs(sql) == ["DELETE FROM author_keywords"]
            assert first not in author.keywords
            assert len(author.keywords) == 2
            # The keyword itself stays: only the link was an orphan.
            assert await session.scalar(select(func.count()).select_from(Keyword)) == 3


async def test_appending_through_the_proxy_inserts_the_keyword_then_the_link(
    settings: Settings,
) -> None:
    assert page_says("calls `creator=`, which wraps it in a new `AuthorKeyword`")
    async with empty_tables() as (engine, sessions):
        await tagged_authors(sessions, authors=1, words=1)
        async with sessions() as session:
            author = (await session.scalars(select(Author).options(PROXY_LOADER))).one()
            with log_sql(engine) as sql:
                author.keywords.append(Keyword(word="engines"))
                await session.commit()
            assert verbs(sql) == ["INSERT INTO keywords", "INSERT INTO author_keywords"]
            link = author.author_keywords[-1]
            assert isinstance(link, AuthorKeyword)
            assert (link.keyword.word, link.special_key) == ("engines", None)


async def test_the_proxy_with_raise_on_sql_names_the_relationship(
    settings: Settings,
) -> None:
    assert page_says('With `lazy="raise_on_sql"` on `author_keywords`')

    class Strict(DeclarativeBase):
        pass

    class StrictKeyword(Strict):
        __tablename__ = "keywords"
        id: Mapped[int] = mapped_column(primary_key=True)
        word: Mapped[str] = mapped_column(String(50))

    class StrictLink(Strict):
        __tablename__ = "author_keywords"
        author_id: Mapped[int] = mapped_column(
            ForeignKey("authors.id"), primary_key=True
        )
        keyword_id: Mapped[int] = mapped_column(
            ForeignKey("keywords.id"), primary_key=True
        )
        keyword: Mapped[StrictKeyword] = relationship()

    class StrictAuthor(Strict):
        __tablename__ = "authors"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_keywords: Mapped[list[StrictLink]] = relationship(lazy="raise_on_sql")
        keywords: AssociationProxy[list[StrictKeyword]] = association_proxy(
            "author_keywords",
            "keyword",
            creator=lambda keyword: StrictLink(keyword=keyword),
        )

    try:
        async with empty_tables(Strict) as (_engine, sessions):
            await add_and_commit(
                sessions, StrictAuthor(keywords=[StrictKeyword(word="poetry")])
            )
            async with sessions() as session:
                author = (await session.scalars(select(StrictAuthor))).one()
                with pytest.raises(
                    InvalidRequestError,
                    match=r"'StrictAuthor.author_keywords' is not available due to "
                    r"lazy='raise_on_sql'",
                ):
                    len(author.keywords)
    finally:
        Strict.registry.dispose()


def test_without_creator_the_proxy_calls_the_class_with_one_argument() -> None:
    assert page_says("Without `creator=`, the proxy calls")

    class NoCreator(DeclarativeBase):
        pass

    class Link(NoCreator):
        __tablename__ = "links"
        owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"), primary_key=True)
        word: Mapped[str] = mapped_column(String(50), primary_key=True)

    class Owner(NoCreator):
        __tablename__ = "owners"
        id: Mapped[int] = mapped_column(primary_key=True)
        links: Mapped[list[Link]] = relationship()
        words: AssociationProxy[list[str]] = association_proxy("links", "word")

    try:
        with pytest.raises(TypeError, match="1 positional argument but 2 were given"):
            Owner().words.append("poetry")
    finally:
        NoCreator.registry.dispose()


@pytest.mark.parametrize("authors", [1, 20])
async def test_loading_through_the_proxy_costs_two_statements_for_any_number(
    settings: Settings, authors: int
) -> None:
    async with empty_tables() as (engine, sessions):
        await tagged_authors(sessions, authors=authors, words=5)
        async with sessions() as session:
            with log_sql(engine) as sql:
                rows = (
                    await session.scalars(select(Author).options(PROXY_LOADER))
                ).all()
                assert sum(len(author.keywords) for author in rows) == 5 * authors
            assert len(sql) == 2


# --- inheritance ---------------------------------------------------------------------------


async def fleet(sessions: async_sessionmaker[AsyncSession], size: int) -> None:
    """`size` cars of 2 and of 5 seats, `size` trucks, and one plain vehicle."""
    async with sessions() as session:
        for n in range(size):
            session.add(Car(name=f"Coupe {n}", seats=2))
            session.add(Car(name=f"Estate {n}", seats=5))
            session.add(Truck(name=f"Truck {n}", payload_kg=1000 + n))
        session.add(Vehicle(name="Cart"))
        await session.commit()


async def test_a_query_filtered_on_a_subclass_column_with_with_polymorphic(
    settings: Settings,
) -> None:
    assert page_says("`with_polymorphic(Vehicle, [Car, Truck])` joins")
    assert page_says("its `.Car.seats` can go in a `where()`")
    async with empty_tables() as (engine, sessions):
        await fleet(sessions, size=2)
        async with sessions() as session:
            anything = with_polymorphic(Vehicle, [Car, Truck])
            query = (
                select(anything).where(anything.Car.seats == 5).order_by(anything.id)
            )
            with log_sql(engine) as sql:
                found = (await session.scalars(query)).all()
                seats = [v.seats for v in found if isinstance(v, Car)]
            assert [v.name for v in found] == ["Estate 0", "Estate 1"]
            assert seats == [5, 5]
            assert len(sql) == 1
            assert "LEFT OUTER JOIN cars" in sql[0]
            assert "LEFT OUTER JOIN trucks" in sql[0]


@pytest.mark.parametrize("size", [1, 30])
async def test_selectin_polymorphic_costs_one_statement_per_subclass_for_any_number(
    settings: Settings, size: int
) -> None:
    async with empty_tables() as (engine, sessions):
        await fleet(sessions, size=size)
        async with sessions() as session:
            loader = selectin_polymorphic(Vehicle, [Car, Truck])
            with log_sql(engine) as sql:
                found = (await session.scalars(select(Vehicle).options(loader))).all()
                seats = [v.seats for v in found if isinstance(v, Car)]
                payloads = {v.payload_kg for v in found if isinstance(v, Truck)}
            assert len(found) == 3 * size + 1
            assert len(seats) == 2 * size
            assert len(payloads) == size
            assert len(sql) == 3


async def test_a_subclass_query_needs_no_extra_statement(settings: Settings) -> None:
    async with empty_tables() as (engine, sessions):
        await fleet(sessions, size=2)
        async with sessions() as session:
            with log_sql(engine) as sql:
                cars = (await session.scalars(select(Car))).all()
                assert sorted({car.seats for car in cars}) == [2, 5]
            assert len(sql) == 1


@pytest.mark.parametrize("size", [1, 30])
async def test_polymorphic_load_selectin_costs_one_statement_per_subclass(
    settings: Settings, size: int
) -> None:
    assert page_says("every query for the base class does it without an option")
    async with empty_tables() as (engine, sessions):
        async with sessions() as session:
            for n in range(size):
                session.add(CardPayment(amount=n, last4=f"{n:04}"))
                session.add(BankTransfer(amount=n, iban=f"DE{n:020}"))
            await session.commit()
        async with sessions() as session:
            with log_sql(engine) as sql:
                found = (await session.scalars(select(Payment))).all()
                last4 = [p.last4 for p in found if isinstance(p, CardPayment)]
                ibans = [p.iban for p in found if isinstance(p, BankTransfer)]
            assert (len(last4), len(ibans)) == (size, size)
            assert len(sql) == 3
            # A query for one subclass joins its table in the same statement.
            with log_sql(engine) as sql:
                cards = (await session.scalars(select(CardPayment))).all()
            assert len(cards) == size
            assert len(sql) == 1


async def test_polymorphic_load_sends_no_statement_for_a_subclass_not_in_the_rows(
    settings: Settings,
) -> None:
    assert page_says("1 + 1 per subclass present in the rows |")
    assert not page_says("one more statement per subclass")
    async with empty_tables() as (engine, sessions):
        await add_and_commit(
            sessions,
            CardPayment(amount=20, last4="4242"),
            CardPayment(amount=5, last4="0005"),
        )
        async with sessions() as session:
            with log_sql(engine) as sql:
                found = (await session.scalars(select(Payment))).all()
                assert {p.last4 for p in found if isinstance(p, CardPayment)} == {
                    "4242",
                    "0005",
                }
            assert len(sql) == 2  # payments, then cards: no statement for transfers
            assert "card_payments" in sql[1]


async def test_selectin_polymorphic_sends_no_statement_for_a_subclass_not_in_the_rows(
    settings: Settings,
) -> None:
    assert page_says("then 1 per subclass present in the rows")
    async with empty_tables() as (engine, sessions):
        await add_and_commit(
            sessions, Car(name="Beetle", seats=4), Car(name="Mini", seats=4)
        )
        async with sessions() as session:
            loader = selectin_polymorphic(Vehicle, [Car, Truck])
            with log_sql(engine) as sql:
                found = (await session.scalars(select(Vehicle).options(loader))).all()
                assert [v.seats for v in found if isinstance(v, Car)] == [4, 4]
            assert len(sql) == 2
            assert "trucks" not in " ".join(sql)


async def test_single_table_inline_loads_both_subclasses_in_one_statement(
    settings: Settings,
) -> None:
    async with empty_tables() as (engine, sessions):
        await add_and_commit(
            sessions,
            Manager(name="Ada", team="Engines"),
            Engineer(name="Grace", language="COBOL"),
            Employee(name="Alan"),  # neither column: both stay NULL
        )
        async with sessions() as session:
            with log_sql(engine) as sql:
                staff = (await session.scalars(select(Employee))).all()
                languages = [e.language for e in staff if isinstance(e, Engineer)]
                teams = [e.team for e in staff if isinstance(e, Manager)]
            assert (teams, languages, len(sql)) == (["Engines"], ["COBOL"], 1)
            # The table has every subclass's columns; a row not of a subclass leaves them NULL.
            query = select(Employee.__table__).where(Employee.name == "Alan")
            alan = (await session.execute(query)).one()
            assert (alan.type, alan.team, alan.language) == ("employee", None, None)


class SingleTable(DeclarativeBase):
    pass


class Person(SingleTable):
    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class Lead(Person):
    team: Mapped[str | None] = mapped_column(String(50))
    __mapper_args__ = {"polymorphic_identity": "manager"}  # no "inline"


async def test_single_table_without_inline_leaves_subclass_columns_unloaded(
    settings: Settings, backend: str
) -> None:
    assert page_says(
        'fails as in the joined case, unless the subclasses say `"polymorphic_load": "inline"`'
    )
    async with empty_tables(SingleTable) as (engine, sessions):
        await add_and_commit(sessions, Lead(name="Ada", team="Engines"))
        async with sessions() as session:
            with log_sql(engine) as sql:
                lead = (await session.scalars(select(Person))).one()
            assert "team" not in sql[0]
            assert isinstance(lead, Lead)
            # SQLite wraps the MissingGreenlet in a StatementError.
            with pytest.raises((MissingGreenlet, StatementError)) as caught:
                print(lead.team)
            assert isinstance(
                getattr(caught.value, "orig", caught.value), MissingGreenlet
            )


# --- the programs ----------------------------------------------------------------------------


async def test_the_page_models_still_configure_after_the_ambiguous_program(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The broken program runs in the same process as the others (tests/test_docs.py):
    after it, the page's own models must still load."""
    program = ROOT / "snippets/relationships/examples/shapes/ambiguous_foreign_keys.py"
    runpy.run_path(str(program))
    assert "AmbiguousForeignKeysError" in capsys.readouterr().out
    async with empty_tables() as (_engine, sessions), sessions() as session:
        session.add(
            Message(
                sender=Member(name="Ada"), recipient=Member(name="Grace"), body="Hi"
            )
        )
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(Message)) == 1


def test_the_page_module_keeps_its_tables_apart_from_the_sample_models() -> None:
    assert page_says(
        "The models of each shape are in `snippets/relationships/shapes.py`"
    )
    from snippets.models import Base as SampleBase

    assert not set(Base.metadata.tables) & set(SampleBase.metadata.tables)


@pytest.mark.parametrize(
    ("program", "shown"),
    [
        (
            "one_to_one_without_unique.py",
            ["session.add_all(", "session.commit()", "select(Account)"],
        ),
        ("single_table_not_null.py", ["session.add(Manager(", "session.commit()"]),
    ],
)
def test_the_error_excerpts_show_the_statements_that_fail(
    program: str, shown: list[str]
) -> None:
    """The output after these excerpts comes from an insert and a load: the excerpt shows
    them, not only the models, and stays short."""
    excerpt = section_text(f"snippets/relationships/examples/shapes/{program}:pattern")
    assert all(words in excerpt for words in shown)
    assert len([line for line in excerpt.splitlines() if line.strip()]) <= 20
