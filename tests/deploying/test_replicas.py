"""snippets/deploying/replicas.py, shown on docs/deploying/replicas.md."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from snippets.deploying.replicas import names_in_order
from snippets.testing.factories import new_user


async def test_names_come_back_sorted(db_session: AsyncSession) -> None:
    db_session.add_all([new_user(name="Zoe"), new_user(name="Ann")])
    await db_session.flush()
    assert await names_in_order(db_session) == ["Ann", "Zoe"]
