import asyncio

from sqlalchemy import any_, select, text

from snippets.sample import sample_db
from snippets.types.enums import Account, ArrayBase, Role


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(ArrayBase.metadata.create_all)
        async with sessions() as session:
            # --8<-- [start:pattern]
            session.add(Account(roles=[Role.READER, Role.EDITOR]))
            await session.commit()
            print(await session.scalar(text("SELECT roles::text FROM accounts")))
            #> {reader,editor}
            print(await session.scalar(select(Account.roles)))
            #> [<Role.READER: 'reader'>, <Role.EDITOR: 'editor'>]
            editors = select(Account.id).where(Account.roles.contains([Role.EDITOR]))
            print((await session.scalars(editors)).all())
            #> [1]
            readers = select(Account.id).where(any_(Account.roles) == Role.READER)
            print((await session.scalars(readers)).all())
            #> [1]
            # --8<-- [end:pattern]


asyncio.run(main())
