import asyncio

from sqlalchemy import select, text

from snippets.models import User
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(postgres=True) as (_, sessions), sessions() as session:
        # --8<-- [start:pattern]
        await session.execute(
            text(
                "INSERT INTO users (email, name) "
                "SELECT 'user' || n || '@example.com', 'User ' || n FROM generate_series(1, 10000) AS n"
            )
        )
        await session.commit()
        deep_offset = select(User.id).order_by(User.id).limit(10).offset(9990)
        keyset = select(User.id).where(User.id > 9990).order_by(User.id).limit(10)
        offset_ids = (await session.scalars(deep_offset)).all()
        print(offset_ids == (await session.scalars(keyset)).all())
        #> True
        for query in (deep_offset, keyset):
            # Literal values are safe here: they are this program's own integers.
            compiled = query.compile(
                session.bind, compile_kwargs={"literal_binds": True}
            )
            plan = await session.scalar(
                text(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}")
            )
            first_step = plan[0]["Plan"]["Plans"][0]
            print(int(first_step["Actual Rows"]))
            #> 10000
            #> 10
        # --8<-- [end:pattern]


asyncio.run(main())
