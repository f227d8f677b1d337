import asyncio
import uuid

from sqlalchemy import insert

from snippets.app import DbSession, create_app
from snippets.sample_client import sample_client
from snippets.settings import Settings
from snippets.types.keys_and_defaults import Account, AccountRead, Base

ADA = uuid.UUID("5f0c3a1e-8d2b-4c47-9a61-2b7e4d9f0c13")

# --8<-- [start:pattern]
# requests use the example's database: see main()
app = create_app(Settings(database_url="sqlite+aiosqlite://"))


@app.get("/accounts/{account_id}", response_model=AccountRead)
async def read_account(account_id: uuid.UUID, session: DbSession) -> Account:
    return await session.get_one(Account, account_id)


# --8<-- [end:pattern]


async def main() -> None:
    async with sample_client(app) as (engine, client):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Account).values(id=ADA, name="Ada"))
        async with app.state.session_factory() as session:
            account = await session.get_one(Account, ADA)
            print("session.get_one() returns", type(account.id))
        print((await client.get(f"/accounts/{ADA}")).json())
        response = await client.get("/accounts/42")
        print(response.status_code, response.json()["detail"][0]["msg"])


asyncio.run(main())
