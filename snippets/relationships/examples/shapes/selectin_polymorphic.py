import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectin_polymorphic

from snippets.relationships.shapes import Base, Car, Truck, Vehicle
from snippets.sample import sample_db
from snippets.sql_log import log_sql


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        session.add_all(
            [Car(name="Beetle", seats=4), Truck(name="Unimog", payload_kg=1500)]
        )
        session.add(Car(name="Mini", seats=4))
        await session.commit()
        session.expunge_all()  # load them afresh
        # --8<-- [start:pattern]
        loader = selectin_polymorphic(Vehicle, [Car, Truck])
        query = select(Vehicle).options(loader).order_by(Vehicle.id)
        with log_sql(engine) as sql:
            vehicles = (await session.scalars(query)).all()
        print([car.seats for car in vehicles if isinstance(car, Car)])
        print([truck.payload_kg for truck in vehicles if isinstance(truck, Truck)])
        print(len(sql))  # 1 for the vehicles, then 1 per subclass in the rows
        print(*sql, sep="\n")
        # --8<-- [end:pattern]


asyncio.run(main())
