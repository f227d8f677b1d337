import asyncio

from sqlalchemy.exc import IntegrityError

from snippets.database import driver_error, sqlstate
from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        ada = await session.get_one(User, 1)
        try:
            async with session.begin_nested():  # a savepoint around the insert
                session.add(User(email=ada.email, name="Ada again"))
        except IntegrityError as exc:
            print(str(exc).splitlines()[0])
            reason = driver_error(exc)
            print(f"{type(reason).__name__}: {reason}")
            print("SQLSTATE", sqlstate(exc))  # 23505: unique; 23503: foreign key
        print(ada.name)  # only the savepoint was rolled back: ada is still loaded
        # --8<-- [end:pattern]


asyncio.run(main())
