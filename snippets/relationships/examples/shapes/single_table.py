import asyncio

from sqlalchemy import select

from snippets.relationships.shapes import Base, Employee, Engineer, Manager
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add(Manager(name="Ada", team="Engines"))
        session.add(Engineer(name="Grace", language="COBOL"))
        await session.commit()
        session.expunge_all()  # load them afresh
        # --8<-- [start:pattern]
        query = select(Employee).order_by(Employee.id)
        with log_sql(engine) as sql:
            staff = (await session.scalars(query)).all()
        print([(type(e).__name__, e.name) for e in staff])
        #> [('Manager', 'Ada'), ('Engineer', 'Grace')]
        print([e.team for e in staff if isinstance(e, Manager)], len(sql))
        #> ['Engines'] 1
        print(sql[0])
        """
        SELECT employees.id, employees.name, employees.type, employees.team, employees.language
        FROM employees ORDER BY employees.id
        """
        # --8<-- [end:pattern]


asyncio.run(main())
