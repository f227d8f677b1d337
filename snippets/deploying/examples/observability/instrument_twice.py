import asyncio

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.deploying.observability import stop_tracing_statements, trace_statements
from snippets.sample import examples_url


async def main() -> None:
    first, second = (create_async_engine(examples_url()) for _ in range(2))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    # --8<-- [start:pattern]
    async def statement_spans(engine: AsyncEngine) -> int:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return len([s for s in exporter.get_finished_spans() if s.name != "connect"])

    trace_statements(first, provider)
    trace_statements(second, provider)  # logs a warning, instruments nothing
    print(await statement_spans(second))
    #> 0
    stop_tracing_statements()
    trace_statements(second, provider)
    print(await statement_spans(second))
    #> 1
    # --8<-- [end:pattern]
    stop_tracing_statements()
    await first.dispose()
    await second.dispose()


asyncio.run(main())
