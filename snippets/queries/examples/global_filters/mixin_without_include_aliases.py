import asyncio

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from snippets.queries.global_filters import Book, SoftDeleteMixin, create_tables
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)  # "Notes" is live, "Old draft" deleted

        class ForgetfulSession(Session):
            pass

        # --8<-- [start:pattern]
        @event.listens_for(ForgetfulSession, "do_orm_execute")
        def hide_deleted(state: ORMExecuteState) -> None:
            state.statement = state.statement.options(
                with_loader_criteria(
                    SoftDeleteMixin, lambda cls: cls.deleted_at.is_(None)
                )  # include_aliases left at False
            )

        sessions = async_sessionmaker(engine, sync_session_class=ForgetfulSession)
        async with sessions() as session:
            with log_sql(engine) as sql:
                found = await session.scalars(select(Book.title).order_by(Book.id))
            print(found.all())
            #> ['Notes', 'Old draft']
            print(sql[0])
            """
            SELECT sd_books.title
            FROM sd_books ORDER BY sd_books.id
            """
            # --8<-- [end:pattern]


asyncio.run(main())
