import asyncio

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from snippets.sample import sample_db


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
        session.add(Account(keywords=[Keyword(word="engines")]))
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
        # --8<-- [end:pattern]


asyncio.run(main())
