"""snippets/relationships/api.py on both backends: nested responses in a constant number of
statements, however many posts and tags there are."""

from __future__ import annotations

from httpx import ASGITransport, AsyncClient

from snippets.app import create_app
from snippets.models import Post, Tag, User
from snippets.relationships.api import router
from snippets.sample import sample_db
from snippets.settings import Settings
from snippets.sql_log import log_sql


async def test_author_with_posts_and_tags_in_three_statements(
    settings: Settings,
) -> None:
    app = create_app(settings)
    app.include_router(router)
    async with (
        sample_db() as (_, sessions),
        app.router.lifespan_context(app),
        AsyncClient(transport=ASGITransport(app=app), base_url="http://app") as client,
    ):
        async with sessions() as session:
            ada = await session.get(User, 1)
            assert ada is not None
            session.add_all(
                Post(title=f"Post {n}", author=ada, tags=[Tag(name=f"tag {n}")])
                for n in range(20)
            )
            await session.commit()
        with log_sql(app.state.engine) as sql:
            response = await client.get("/authors/1")
    body = response.json()
    assert response.status_code == 200
    assert len(body["posts"]) == 22
    assert all(len(post["tags"]) == 1 for post in body["posts"])
    assert len(sql) == 3  # user, posts, tags: not one per post
