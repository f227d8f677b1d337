import asyncio
from datetime import datetime

from sqlalchemy import select

from snippets.queries.upserts import Base, Subscriber, insert_for
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        deleted = datetime(2026, 1, 1)
        session.add(Subscriber(email="ada@example.com", name="Old", deleted_at=deleted))
        session.add(Subscriber(email="ada@example.com", name="Ada"))
        await session.commit()
        # --8<-- [start:pattern]
        insert = insert_for(engine.dialect.name, Subscriber)
        statement = insert.values(email="ada@example.com", name="Ada Lovelace")
        statement = statement.on_conflict_do_update(
            index_elements=[Subscriber.email],
            index_where=Subscriber.deleted_at.is_(None),  # the index's own WHERE
            set_={"name": statement.excluded.name},
        )
        await session.execute(statement)
        await session.commit()
        query = select(Subscriber.name, Subscriber.deleted_at.is_not(None))
        print((await session.execute(query.order_by(Subscriber.id))).all())
        #> [('Old', True), ('Ada Lovelace', False)]
        # --8<-- [end:pattern]


asyncio.run(main())
