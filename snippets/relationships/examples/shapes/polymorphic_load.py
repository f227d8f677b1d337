import asyncio

from sqlalchemy import select

from snippets.relationships.shapes import BankTransfer, Base, CardPayment, Payment
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add(CardPayment(amount=20, last4="4242"))
        session.add(BankTransfer(amount=500, iban="DE89370400440532013000"))
        await session.commit()
        session.expunge_all()  # load them afresh
        # --8<-- [start:pattern]
        query = select(Payment).order_by(Payment.id)  # no loader option
        with log_sql(engine) as sql:
            payments = (await session.scalars(query)).all()
        print([card.last4 for card in payments if isinstance(card, CardPayment)])
        #> ['4242']
        print([bank.iban for bank in payments if isinstance(bank, BankTransfer)])
        #> ['DE89370400440532013000']
        print(len(sql))
        #> 3
        # --8<-- [end:pattern]


asyncio.run(main())
