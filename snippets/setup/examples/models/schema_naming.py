import asyncio

from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.schema import CreateSchema

from snippets.database import close_db, create_engine
from snippets.models import NAMING_CONVENTION
from snippets.sample import examples_url
from snippets.settings import Settings

# --8<-- [start:pattern]
billing = MetaData(schema="billing", naming_convention=NAMING_CONVENTION)
invoices = Table("invoices", billing, Column("id", Integer, primary_key=True))
where = (
    "SELECT table_schema FROM information_schema.tables WHERE table_name = 'invoices'"
)


async def main() -> None:
    engine = create_engine(Settings(database_url=examples_url(postgres=True)))
    async with engine.begin() as connection:
        await connection.execute(CreateSchema("billing", if_not_exists=True))
        await connection.run_sync(billing.create_all)
        print(await connection.scalar(text(where)))
        #> billing
    await close_db(engine)


# --8<-- [end:pattern]


asyncio.run(main())
