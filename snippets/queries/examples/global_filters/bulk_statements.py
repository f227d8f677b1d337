import asyncio
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update

from snippets.queries.global_filters import Book, create_tables, soft_delete_sessions
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # "Old draft" was deleted on 2026-01-01
        sessions = soft_delete_sessions(engine)
        async with sessions() as session:
            # --8<-- [start:pattern]
            cutoff = datetime(2026, 6, 1, tzinfo=UTC)
            purge = delete(Book).where(Book.deleted_at < cutoff)
            opt_out = {"include_deleted": True}
            with log_sql(engine) as sql:
                for statement, options in [
                    (update(Book).values(title="Renamed"), {}),
                    (purge, {}),
                    (purge, opt_out),
                ]:
                    result = await session.execute(statement, execution_options=options)
                    rows = cast(CursorResult[Any], result).rowcount
                    print(f"{rows} row(s):", sql[-1])
            # --8<-- [end:pattern]


asyncio.run(main())
