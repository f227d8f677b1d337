import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from snippets.relationships.shapes import Base, Member, Message
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        ada, grace = Member(name="Ada"), Member(name="Grace")
        session.add(Message(sender=ada, recipient=grace, body="Hello, Grace"))
        session.add(Message(sender=grace, recipient=ada, body="Hello, Ada"))
        await session.commit()
        session.expunge_all()  # load them afresh
        # --8<-- [start:pattern]
        loaders = selectinload(Member.sent), selectinload(Member.received)
        query = select(Member).options(*loaders).order_by(Member.id)
        with log_sql(engine) as sql:
            members = (await session.scalars(query)).all()
        print(len(sql))
        #> 3
        for member in members:
            sent = [message.body for message in member.sent]
            print(member.name, sent, [message.body for message in member.received])
            #> Ada ['Hello, Grace'] ['Hello, Ada']
            #> Grace ['Hello, Ada'] ['Hello, Grace']
        # --8<-- [end:pattern]


asyncio.run(main())
