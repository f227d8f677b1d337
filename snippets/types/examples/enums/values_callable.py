import asyncio
import enum

from sqlalchemy import Enum, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.sample import sample_db


# --8<-- [start:pattern]
class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Base(DeclarativeBase):
    pass


class Article(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[Status] = mapped_column(
        Enum(Status, values_callable=lambda members: [m.value for m in members])
    )


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions), sessions() as session:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        session.add(Article(status=Status.DRAFT))
        await session.commit()
        insert = "INSERT INTO articles (status) VALUES ('published')"
        await session.execute(text(insert))  # as another program would
        stored = await session.scalars(text("SELECT status FROM articles ORDER BY id"))
        print(stored.all())
        #> ['draft', 'published']
        read = await session.scalars(select(Article.status).order_by(Article.id))
        print(read.all())
        #> [<Status.DRAFT: 'draft'>, <Status.PUBLISHED: 'published'>]
        # --8<-- [end:pattern]


asyncio.run(main())
