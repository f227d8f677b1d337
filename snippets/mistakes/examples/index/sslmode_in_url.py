import asyncio

from sqlalchemy.ext.asyncio import create_async_engine

from snippets.sample import examples_url


async def main() -> None:
    # --8<-- [start:pattern]
    url = examples_url(postgres=True).update_query_dict({"sslmode": "disable"})
    engine = create_async_engine(url)
    try:
        async with engine.connect():
            pass
    except TypeError as exc:
        print(exc)
        #> connect() got an unexpected keyword argument 'sslmode'
    await engine.dispose()
    # --8<-- [end:pattern]


asyncio.run(main())
