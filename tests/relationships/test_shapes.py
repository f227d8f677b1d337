"""What a reader does next with the shapes of docs/relationships/shapes.md, and the claims its
prose makes that the examples do not print: on SQLite and PostgreSQL (the settings fixture)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

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

from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql
from tests.docs_examples import ROOT

PAGE = ROOT / "docs" / "relationships" / "shapes.md"


def page_says(words: str) -> bool:
    """Whether the page has these words, however its lines are wrapped."""
    return " ".join(words.split()) in " ".join(PAGE.read_text().split())


async def create_tables(engine: AsyncEngine, base: type[DeclarativeBase]) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(base.metadata.create_all)


def verbs(statements: Sequence[str]) -> list[str]:
    return [" ".join(statement.split()[:3]) for statement in statements]


# --- one-to-one ------------------------------------------------------------------------------


class OneToOne(DeclarativeBase):
    pass


class Account(OneToOne):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[Profile | None] = relationship(
        back_populates="account", cascade="all, delete-orphan"
    )


class Profile(OneToOne):
    __tablename__ = "profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    bio: Mapped[str] = mapped_column(String(200))
    account: Mapped[Account] = relationship(back_populates="profile")


async def one_account_with_a_profile(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await create_tables(engine, OneToOne)
    async with sessions() as session:
        session.add(Account(id=1, profile=Profile(bio="Analyst")))
        await session.commit()


async def profile_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Profile)) or 0


async def test_deleting_an_account_deletes_its_profile(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        await one_account_with_a_profile(engine, sessions)
        async with sessions() as session:
            account = await session.get(Account, 1)  # the profile is not loaded
            with log_sql(engine) as sql:
                await session.delete(account)  # the cascade loads it, then deletes it
                await session.commit()
            assert verbs(sql)[-2:] == ["DELETE FROM profiles", "DELETE FROM accounts"]
            assert await profile_count(session) == 0


async def test_joinedload_of_a_one_to_one_is_one_outer_join(settings: Settings) -> None:
    assert page_says("`joinedload` adds one `LEFT OUTER JOIN` and no duplicate rows")
    async with sample_db(rows=False) as (engine, sessions):
        await one_account_with_a_profile(engine, sessions)
        async with sessions() as session:
            session.add(Account(id=2))  # no profile: the outer join keeps it
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
    async with sample_db(rows=False) as (engine, sessions):
        await one_account_with_a_profile(engine, sessions)
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
    async with sample_db(rows=False) as (engine, sessions):
        await one_account_with_a_profile(engine, sessions)
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
    async with sample_db(rows=False) as (engine, sessions):
        await one_account_with_a_profile(engine, sessions)
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
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, WithoutUnique)
        async with sessions() as session:
            session.add(LooseAccount(id=1))
            session.add_all(
                [
                    LooseProfile(account_id=1, bio="Analyst"),
                    LooseProfile(account_id=1, bio="Poet"),
                ]
            )
            await session.commit()
        async with sessions() as session:
            query = select(LooseAccount).options(selectinload(LooseAccount.profile))
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                account = (await session.scalars(query)).one()
            assert account.profile is not None
            assert account.profile.bio in {"Analyst", "Poet"}


# --- two foreign keys to the same table ----------------------------------------------------


class Messaging(DeclarativeBase):
    pass


class Member(Messaging):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    sent: Mapped[list[Message]] = relationship(
        foreign_keys="Message.sender_id", back_populates="sender"
    )
    received: Mapped[list[Message]] = relationship(
        foreign_keys="Message.recipient_id", back_populates="recipient"
    )


class Message(Messaging):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(String(200))
    sender: Mapped[Member] = relationship(
        foreign_keys=[sender_id], back_populates="sent"
    )
    recipient: Mapped[Member] = relationship(
        foreign_keys=[recipient_id], back_populates="received"
    )


async def test_a_message_to_oneself(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Messaging)
        async with sessions() as session:
            ada = Member(name="Ada")
            session.add(Message(sender=ada, recipient=ada, body="Note to self"))
            await session.commit()
        async with sessions() as session:
            loaders = selectinload(Member.sent), selectinload(Member.received)
            with log_sql(engine) as sql:
                ada = (await session.scalars(select(Member).options(*loaders))).one()
            assert len(sql) == 3
            assert ada.sent == ada.received
            assert ada.sent[0].sender is ada.sent[0].recipient is ada


async def test_messages_with_both_accounts_loaded(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Messaging)
        async with sessions() as session:
            ada, grace = Member(name="Ada"), Member(name="Grace")
            session.add(Message(sender=ada, recipient=grace, body="Hello, Grace"))
            await session.commit()
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
    class Broken(DeclarativeBase):
        pass

    class BrokenAccount(Broken):
        __tablename__ = "accounts"
        id: Mapped[int] = mapped_column(primary_key=True)

    class BrokenMessage(Broken):
        __tablename__ = "messages"
        id: Mapped[int] = mapped_column(primary_key=True)
        sender_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
        recipient_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
        sender: Mapped[BrokenAccount] = relationship()

    try:
        async with sample_db(rows=False) as (engine, sessions):
            await create_tables(
                engine, Broken
            )  # the tables are fine; the mapping is not
            async with sessions() as session:
                with pytest.raises(AmbiguousForeignKeysError):
                    await session.scalars(select(BrokenMessage))
                with pytest.raises(
                    InvalidRequestError,
                    match="One or more mappers failed to initialize",
                ):
                    await session.scalars(select(BrokenMessage))
    finally:
        Broken.registry.dispose()  # would stop every later mapper configuration


# --- association proxy ---------------------------------------------------------------------


class Tagging(DeclarativeBase):
    pass


class Keyword(Tagging):
    __tablename__ = "keywords"
    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(50), unique=True)


class AccountKeyword(Tagging):
    __tablename__ = "account_keywords"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    keyword_id: Mapped[int] = mapped_column(ForeignKey("keywords.id"), primary_key=True)
    special_key: Mapped[str | None] = mapped_column(String(50))
    keyword: Mapped[Keyword] = relationship()


class Tagged(Tagging):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_keywords: Mapped[list[AccountKeyword]] = relationship(
        cascade="all, delete-orphan", lazy="raise_on_sql"
    )
    keywords: AssociationProxy[list[Keyword]] = association_proxy(
        "account_keywords",
        "keyword",
        creator=lambda keyword: AccountKeyword(keyword=keyword),
    )


PROXY_LOADER = selectinload(Tagged.account_keywords).joinedload(AccountKeyword.keyword)


async def tagged_accounts(
    sessions: async_sessionmaker[AsyncSession], accounts: int, words: int
) -> None:
    async with sessions() as session:
        keywords = [Keyword(word=f"word {n}") for n in range(words)]
        session.add_all([Tagged(keywords=list(keywords)) for _ in range(accounts)])
        await session.commit()


async def test_the_proxy_supports_in_len_and_remove(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Tagging)
        await tagged_accounts(sessions, accounts=1, words=3)
        async with sessions() as session:
            account = (
                await session.scalars(select(Tagged).options(PROXY_LOADER))
            ).one()
            first = account.account_keywords[0].keyword
            with log_sql(engine) as sql:
                assert first in account.keywords
                assert len(account.keywords) == 3
            assert sql == []  # read from the loaded collection
            with log_sql(engine) as sql:
                account.keywords.remove(first)  # delete-orphan: the link goes
                await session.commit()
            assert verbs(sql) == ["DELETE FROM account_keywords"]
            assert first not in account.keywords
            assert len(account.keywords) == 2


async def test_the_proxy_with_raise_on_sql_names_the_relationship(
    settings: Settings,
) -> None:
    assert page_says('With `lazy="raise_on_sql"` on `account_keywords`')
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Tagging)
        await tagged_accounts(sessions, accounts=1, words=1)
        async with sessions() as session:
            account = (await session.scalars(select(Tagged))).one()
            with pytest.raises(
                InvalidRequestError,
                match=r"'Tagged.account_keywords' is not available due to lazy='raise_on_sql'",
            ):
                len(account.keywords)


def test_without_creator_the_proxy_calls_the_class_with_one_argument() -> None:
    assert page_says("Without `creator=`, the proxy calls")

    class NoCreator(DeclarativeBase):
        pass

    class Link(NoCreator):
        __tablename__ = "links"
        account_id: Mapped[int] = mapped_column(
            ForeignKey("owners.id"), primary_key=True
        )
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


@pytest.mark.parametrize("accounts", [1, 20])
async def test_loading_through_the_proxy_costs_two_statements_for_any_number(
    settings: Settings, accounts: int
) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Tagging)
        await tagged_accounts(sessions, accounts=accounts, words=5)
        async with sessions() as session:
            with log_sql(engine) as sql:
                rows = (
                    await session.scalars(select(Tagged).options(PROXY_LOADER))
                ).all()
                assert sum(len(account.keywords) for account in rows) == 5 * accounts
            assert len(sql) == 2


# --- inheritance ---------------------------------------------------------------------------


class Joined(DeclarativeBase):
    pass


class Employee(Joined):
    __tablename__ = "employees"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": "type", "polymorphic_identity": "employee"}


class Manager(Employee):
    __tablename__ = "managers"
    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    team: Mapped[str] = mapped_column(String(50))
    __mapper_args__ = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    __tablename__ = "engineers"
    id: Mapped[int] = mapped_column(ForeignKey("employees.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(50))
    __mapper_args__ = {"polymorphic_identity": "engineer"}


async def staff(sessions: async_sessionmaker[AsyncSession], teams: int) -> None:
    """`teams` managers, each with two engineers, and one plain employee."""
    async with sessions() as session:
        for n in range(teams):
            session.add(Manager(name=f"Manager {n}", team=f"Team {n}"))
            session.add(Engineer(name=f"C {n}", language="C"))
            session.add(Engineer(name=f"COBOL {n}", language="COBOL"))
        session.add(Employee(name="Alan"))
        await session.commit()


async def test_a_query_filtered_on_a_subclass_column_with_with_polymorphic(
    settings: Settings,
) -> None:
    assert page_says("`with_polymorphic(Employee, [Manager, Engineer])` joins")
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Joined)
        await staff(sessions, teams=2)
        async with sessions() as session:
            anyone = with_polymorphic(Employee, [Manager, Engineer])
            query = (
                select(anyone)
                .where(anyone.Engineer.language == "COBOL")
                .order_by(anyone.id)
            )
            with log_sql(engine) as sql:
                found = (await session.scalars(query)).all()
                languages = [e.language for e in found if isinstance(e, Engineer)]
            assert [e.name for e in found] == ["COBOL 0", "COBOL 1"]
            assert languages == ["COBOL", "COBOL"]
            assert len(sql) == 1
            assert "LEFT OUTER JOIN managers" in sql[0]
            assert "LEFT OUTER JOIN engineers" in sql[0]


@pytest.mark.parametrize("teams", [1, 30])
async def test_selectin_polymorphic_costs_one_statement_per_subclass_for_any_number(
    settings: Settings, teams: int
) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Joined)
        await staff(sessions, teams=teams)
        async with sessions() as session:
            loader = selectin_polymorphic(Employee, [Manager, Engineer])
            with log_sql(engine) as sql:
                found = (await session.scalars(select(Employee).options(loader))).all()
                teams_seen = {e.team for e in found if isinstance(e, Manager)}
                languages = [e.language for e in found if isinstance(e, Engineer)]
            assert len(found) == 3 * teams + 1
            assert len(teams_seen) == teams
            assert len(languages) == 2 * teams
            assert len(sql) == 3


async def test_a_subclass_query_needs_no_extra_statement(settings: Settings) -> None:
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, Joined)
        await staff(sessions, teams=2)
        async with sessions() as session:
            with log_sql(engine) as sql:
                engineers = (await session.scalars(select(Engineer))).all()
                assert sorted({e.language for e in engineers}) == ["C", "COBOL"]
            assert len(sql) == 1


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
    async with sample_db(rows=False) as (engine, sessions):
        await create_tables(engine, SingleTable)
        async with sessions() as session:
            session.add(Lead(name="Ada", team="Engines"))
            await session.commit()
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
