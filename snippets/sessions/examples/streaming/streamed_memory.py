import asyncio
import tracemalloc

from sqlalchemy import insert, select

from snippets.models import User
from snippets.sample import sample_db
from snippets.sessions.streaming import user_lines


async def main() -> None:
    async with sample_db(rows=False) as (_, sessions):
        peaks: dict[str, list[int]] = {"streamed": [], "loaded at once": []}
        for first, last in [(0, 100), (100, 2000), (2000, 8000)]:
            async with sessions.begin() as session:
                rows = [
                    {"email": f"user{n}@example.com", "name": "-"}
                    for n in range(first, last)
                ]
                await session.execute(insert(User), rows)
            # --8<-- [start:pattern]
            tracemalloc.start()
            async for _ in user_lines(sessions, yield_per=100):
                pass  # what StreamingResponse does with each line
            peaks["streamed"].append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            tracemalloc.start()
            async with sessions() as session:
                await session.scalars(select(User.email).order_by(User.id))
            peaks["loaded at once"].append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            # --8<-- [end:pattern]
        for way, (_, two_thousand, eight_thousand) in peaks.items():
            ratio = eight_thousand / two_thousand
            print(f"{way}: 4x the rows, {ratio:.0f}x the peak memory")
            #> streamed: 4x the rows, 1x the peak memory
            #> loaded at once: 4x the rows, 4x the peak memory


asyncio.run(main())
