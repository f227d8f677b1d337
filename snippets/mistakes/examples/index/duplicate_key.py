import asyncio

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from snippets.database import driver_error
from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        email = await session.scalar(select(User.email).where(User.id == 1))
        assert email is not None
        session.add(User(email=email, name="Ada again"))
        try:
            await session.commit()
        except IntegrityError as exc:
            await session.rollback()  # the session is unusable until then
            reason = driver_error(exc)
            print(f"{type(reason).__name__}: {reason}")
        # --8<-- [end:pattern]


asyncio.run(main())
