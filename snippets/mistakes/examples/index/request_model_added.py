import asyncio

from sqlalchemy.orm.exc import UnmappedInstanceError

from snippets.models import User
from snippets.sample import sample_db
from snippets.schemas import UserCreate, UserRead


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        body = UserCreate(email="alan@example.com", name="Alan Turing")
        try:
            session.add(body)  # a request model, not a mapped object
        except UnmappedInstanceError as exc:
            print(f"{type(exc).__name__}: {exc}")
            #> UnmappedInstanceError: Class 'snippets.schemas.UserCreate' is not mapped
        user = User(email=body.email, name=body.name)  # request model -> ORM object
        session.add(user)
        await session.commit()
        print(UserRead.model_validate(user).name)  # ORM object -> response model
        #> Alan Turing
        # --8<-- [end:pattern]


asyncio.run(main())
