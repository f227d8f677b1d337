import asyncio

from sqlalchemy import select

from snippets.relationships.shapes import Base, Car, Truck, Vehicle
from snippets.sample import sample_db


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add_all(
            [Car(name="Beetle", seats=4), Truck(name="Unimog", payload_kg=1500)]
        )
        await session.commit()
        session.expunge_all()  # load them afresh
        # --8<-- [start:pattern]
        query = select(Vehicle).order_by(Vehicle.id)
        vehicles = (await session.scalars(query)).all()
        print([type(vehicle).__name__ for vehicle in vehicles])
        try:
            print([car.seats for car in vehicles if isinstance(car, Car)])
        except Exception as exc:
            error = getattr(exc, "orig", exc)  # SQLite wraps it in StatementError
            print(f"{type(error).__name__}: {str(error).split(' (Background')[0]}")
        # --8<-- [end:pattern]


asyncio.run(main())
