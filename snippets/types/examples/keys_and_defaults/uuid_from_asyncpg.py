import asyncio
import json
import uuid

from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db

ADA = uuid.UUID("5f0c3a1e-8d2b-4c47-9a61-2b7e4d9f0c13")


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str]


class AccountRead(BaseModel):
    id: uuid.UUID
    name: str


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, _):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Account).values(id=ADA, name="Ada"))
        # --8<-- [start:pattern]
        async with engine.connect() as connection:
            through_sqlalchemy = await connection.scalar(select(Account.id))
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None  # asyncpg's connection
            through_driver = await raw.fetchval("SELECT id FROM accounts")
        print(type(through_sqlalchemy), type(through_driver))
        print(isinstance(through_driver, uuid.UUID))
        try:
            json.dumps({"id": through_driver})
        except TypeError as exc:
            print(f"{type(exc).__name__}: {exc}")
        encoders = {uuid.UUID: str}  # looked up by exact class, as some encoders do
        try:
            encoders[type(through_driver)]
        except KeyError as exc:
            print(f"{type(exc).__name__}: {exc}")
        print(AccountRead(id=through_driver, name="Ada").model_dump_json())
        print(json.dumps({"id": str(through_driver)}))
        # --8<-- [end:pattern]


asyncio.run(main())
