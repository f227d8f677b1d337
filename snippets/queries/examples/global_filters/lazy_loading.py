import asyncio

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from snippets.queries.global_filters import (
    Author,
    create_tables,
    hide_deleted,
    soft_delete_sessions,
)
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # Ada: "Notes" is live, "Old draft" deleted

        # --8<-- [start:pattern]
        class QueriesOnlySession(Session):
            """The other choice: the hook leaves relationship loads alone."""

        @event.listens_for(QueriesOnlySession, "do_orm_execute")
        def hide_deleted_in_queries(state: ORMExecuteState) -> None:
            if not state.is_relationship_load:
                hide_deleted(state)

        queries_only = async_sessionmaker(engine, sync_session_class=QueriesOnlySession)
        for sessions in soft_delete_sessions(engine), queries_only:
            async with sessions() as session:
                every = select(Author).execution_options(include_deleted=True)
                ada = (await session.scalars(every)).one()  # an admin view, say
                with log_sql(engine) as sql:
                    books = await ada.awaitable_attrs.books  # a lazy load
                print([book.title for book in books], *sql, sep="\n")
        # --8<-- [end:pattern]


asyncio.run(main())
