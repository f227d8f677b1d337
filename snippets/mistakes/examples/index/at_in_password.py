import asyncio
from urllib.parse import quote, quote_plus

from sqlalchemy import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine


async def main() -> None:
    # --8<-- [start:pattern]
    url = make_url("postgresql+asyncpg://app:p@ss/100%25@localhost/app")
    print(url.password, url.host, url.database)  # split at the first "@"
    engine = create_async_engine(url)
    try:
        async with engine.connect():
            pass
    except OSError as exc:
        print(f"{type(exc).__name__}: {exc}")
    await engine.dispose()

    safe = URL.create(
        "postgresql+asyncpg", "app", "p@ss/100%", "localhost", database="app"
    )
    print(safe.render_as_string(hide_password=False))
    print(make_url(safe.render_as_string(hide_password=False)).password)
    typed = f"postgresql+asyncpg://app:{quote('p@ss word', safe='')}@localhost/app"
    print(typed, make_url(typed).password)
    plus = f"postgresql+asyncpg://app:{quote_plus('p@ss word')}@localhost/app"
    print(make_url(plus).password)  # quote_plus writes a space as "+", which stays "+"
    # --8<-- [end:pattern]


asyncio.run(main())
