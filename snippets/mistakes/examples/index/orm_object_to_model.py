import asyncio

from pydantic import BaseModel, ConfigDict, ValidationError

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db() as (_, sessions), sessions() as session:
        user = await session.get_one(User, 1)

        # --8<-- [start:pattern]
        class UserOut(BaseModel):
            id: int
            name: str

        try:
            UserOut.model_validate(user)
        except ValidationError as exc:
            print(exc.errors()[0]["msg"])
            #> Input should be a valid dictionary or instance of UserOut

        class UserRead(BaseModel):
            model_config = ConfigDict(from_attributes=True)  # read attributes
            id: int
            name: str

        print(UserRead.model_validate(user))
        #> id=1 name='Ada Lovelace'
        # --8<-- [end:pattern]


asyncio.run(main())
