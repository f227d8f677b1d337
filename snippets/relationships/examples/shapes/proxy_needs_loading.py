import asyncio

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
)

from snippets.sample import sample_db
from snippets.sql_log import log_sql


# --8<-- [start:pattern]
class Base(DeclarativeBase):
    pass


class Keyword(Base):
    __tablename__ = "keywords"
    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(50), unique=True)


class AccountKeyword(Base):
    __tablename__ = "account_keywords"
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    keyword_id: Mapped[int] = mapped_column(ForeignKey("keywords.id"), primary_key=True)
    special_key: Mapped[str | None] = mapped_column(String(50))
    keyword: Mapped[Keyword] = relationship()


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_keywords: Mapped[list[AccountKeyword]] = relationship(
        cascade="all, delete-orphan"
    )
    # The Keyword of each AccountKeyword, read and appended as one list.
    keywords: AssociationProxy[list[Keyword]] = association_proxy(
        "account_keywords",
        "keyword",
        creator=lambda keyword: AccountKeyword(keyword=keyword),
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        poetry = AccountKeyword(
            keyword=Keyword(word="poetry"), special_key="since 1843"
        )
        session.add(Account(account_keywords=[poetry]))
        await session.commit()
        session.expunge_all()  # load the account afresh
        account = (await session.scalars(select(Account))).one()
        try:
            print([keyword.word for keyword in account.keywords])
        except Exception as exc:
            error = getattr(exc, "orig", exc)  # SQLite wraps it in StatementError
            print(f"{type(error).__name__}: {str(error).split(' (Background')[0]}")
            """
            MissingGreenlet: greenlet_spawn has not been called; can't call await_() here. Was IO attempted in an unexpected place?
            """
        session.expunge_all()
        # The fix: load both hops the proxy reads, the links and each link's Keyword.
        loader = selectinload(Account.account_keywords).joinedload(
            AccountKeyword.keyword
        )
        with log_sql(engine) as sql:
            account = (await session.scalars(select(Account).options(loader))).one()
            print([keyword.word for keyword in account.keywords], len(sql))
            #> ['poetry'] 2
        with log_sql(engine) as sql:
            account.keywords.append(Keyword(word="engines"))  # creator= makes the link
            await session.commit()
        print([" ".join(statement.split()[:3]) for statement in sql])
        #> ['INSERT INTO keywords', 'INSERT INTO account_keywords']
        print(
            [(link.keyword.word, link.special_key) for link in account.account_keywords]
        )
        #> [('poetry', 'since 1843'), ('engines', None)]
        # --8<-- [end:pattern]


asyncio.run(main())
