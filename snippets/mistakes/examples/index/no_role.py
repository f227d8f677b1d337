import asyncio

from snippets.mistakes.connecting import why_not
from snippets.sample import examples_url


async def main() -> None:
    # --8<-- [start:pattern]
    print(await why_not(examples_url(postgres=True).set(username="no_such_role")))
    #> InvalidAuthorizationSpecificationError: role "no_such_role" does not exist
    # --8<-- [end:pattern]


asyncio.run(main())
