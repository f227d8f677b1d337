import asyncio

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError

from snippets.database import driver_error
from snippets.queries.upserts import Base, Member
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False, postgres=True) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        # --8<-- [start:pattern]
        statement = insert(Member).on_conflict_do_update(
            index_elements=[Member.tenant_id, Member.email],
            set_={"name": insert(Member).excluded.name},
        )
        ada = {"tenant_id": 1, "email": "ada@example.com"}
        rows = [{**ada, "name": "A"}, {**ada, "name": "B"}]
        try:
            async with sessions() as session:
                await session.execute(statement.values(rows))  # one statement
        except DBAPIError as exc:
            error = driver_error(exc)
            print(f"{type(error).__name__}: {error}")
            """
            CardinalityViolationError: ON CONFLICT DO UPDATE command cannot affect row a second time
            HINT:  Ensure that no rows proposed for insertion within the same command have duplicate constrained values.
            """
        # --8<-- [end:pattern]


asyncio.run(main())
