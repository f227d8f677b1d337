import asyncio

from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from snippets.sample import examples_url


async def main() -> None:
    engine = create_async_engine(examples_url())
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # --8<-- [start:pattern]
    # No skip_dep_check=True: on SQLAlchemy 2.1 this logs an error and does nothing.
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=provider
    )
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    print(exporter.get_finished_spans())
    #> ()
    # --8<-- [end:pattern]
    await engine.dispose()


asyncio.run(main())
