import asyncio

from sqlalchemy import event
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import ORMExecuteState

from snippets.database import create_session_factory
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, _):
        sessions = create_session_factory(engine)
        # --8<-- [start:pattern]
        try:

            @event.listens_for(sessions.class_, "do_orm_execute")  # AsyncSession
            def hide_deleted(state: ORMExecuteState) -> None: ...

        except InvalidRequestError as exc:
            print(f"InvalidRequestError: {exc}")
            """
            InvalidRequestError: No such event 'do_orm_execute' for target '<class 'sqlalchemy.ext.asyncio.session.AsyncSession'>'
            """
        # --8<-- [end:pattern]


asyncio.run(main())
