from pydantic import ValidationError
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.settings import Settings

# --8<-- [start:pattern]
for raw in [
    "localhost:5432/app",  # host, port and database, but no scheme
    '"postgresql://app@db/app"',  # quotes kept, as some env files keep them
]:
    try:
        create_async_engine(raw)
    except ArgumentError as exc:
        print(f"{type(exc).__name__}: {exc}")
        #> ArgumentError: Could not parse SQLAlchemy URL from given URL string
        #> ArgumentError: Could not parse SQLAlchemy URL from given URL string
try:
    Settings(database_url=raw)
except ValidationError as exc:
    print(exc.errors()[0]["msg"])
    """
    Value error, DATABASE_URL is not a database URL; expected a form like postgresql://user:password@host:5432/dbname or sqlite:///./app.db
    """
# --8<-- [end:pattern]
