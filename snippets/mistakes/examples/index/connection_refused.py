import asyncio

from sqlalchemy import make_url

from snippets.mistakes.connecting import why_not


async def main() -> None:
    # --8<-- [start:pattern]
    print(await why_not(make_url("postgresql+asyncpg://app:secret@127.0.0.1:1/app")))
    #> ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 1)
    # --8<-- [end:pattern]


asyncio.run(main())
