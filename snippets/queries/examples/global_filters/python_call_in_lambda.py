import asyncio
from datetime import datetime

from sqlalchemy import event, or_, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from snippets.queries.global_filters import Book, SoftDeleteMixin, create_tables
from snippets.sample import sample_db


class RecentSession(Session):
    """Live rows, or rows deleted in the future: the time is computed in the lambda."""


@event.listens_for(RecentSession, "do_orm_execute")
def hide_deleted(state: ORMExecuteState) -> None:
    # --8<-- [start:pattern]
    state.statement = state.statement.options(
        with_loader_criteria(
            SoftDeleteMixin,
            lambda cls: or_(cls.deleted_at.is_(None), cls.deleted_at > datetime.now()),
            include_aliases=True,
        )
    )
    # --8<-- [end:pattern]


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        await create_tables(engine)
        async with async_sessionmaker(engine, sync_session_class=RecentSession)() as s:
            try:
                await s.scalars(select(Book))
            except InvalidRequestError as exc:
                # The rest of the message names the lambda's code object and file.
                message = str(exc).partition("<code object")[0]
                print(f"{type(exc).__name__}: {message}...")
                """
                InvalidRequestError: Can't invoke Python callable now() inside of lambda expression argument at ...
                """


asyncio.run(main())
