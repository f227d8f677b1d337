import asyncio
import enum

from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Enum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from snippets.app import DbSession
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


class ArticleBody(BaseModel):  # the request and the response
    model_config = ConfigDict(from_attributes=True)
    status: Status


app = FastAPI()


@app.post("/articles", status_code=201, response_model=ArticleBody)
async def create_article(body: ArticleBody, session: DbSession) -> Article:
    article = Article(status=body.status)  # a Status member, not a string
    session.add(article)
    await session.commit()
    return article


async def main() -> None:
    async with sample_db(rows=False) as (engine, sessions):
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        app.state.session_factory = sessions  # what DbSession opens a session from
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://app") as client:
            created = await client.post("/articles", json={"status": "published"})
            print(created.status_code, created.json())
            #> 201 {'status': 'published'}
            refused = await client.post("/articles", json={"status": "PUBLISHED"})
            print(refused.status_code, refused.json()["detail"][0]["msg"])
            #> 422 Input should be 'draft' or 'published'
            # --8<-- [end:pattern]


asyncio.run(main())
