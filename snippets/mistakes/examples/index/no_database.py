import asyncio

from snippets.mistakes.connecting import why_not
from snippets.sample import examples_url


async def main() -> None:
    # --8<-- [start:pattern]
    print(await why_not(examples_url(postgres=True).set(database="no_such_database")))
    #> InvalidCatalogNameError: database "no_such_database" does not exist
    # --8<-- [end:pattern]


asyncio.run(main())
