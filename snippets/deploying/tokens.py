"""Logins with short-lived tokens: a cache in front of the token provider, and an engine
that takes a password from it for each new connection (docs/deploying/logins.md)."""

# --8<-- [start:tokens]
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.settings import Settings


@dataclass(frozen=True)
class Token:
    # A token is a password: kept out of repr(), and so out of logs and tracebacks.
    value: str = field(repr=False)
    expires_at: float  # seconds since the epoch, as the providers state it


class TokenCache:
    """The provider's token, fetched again only when it is close to expiry."""

    def __init__(
        self, fetch: Callable[[], Awaitable[Token]], *, refresh_before: float = 300
    ) -> None:
        self._fetch = fetch
        self._refresh_before = refresh_before
        self._token: Token | None = None
        self._lock = asyncio.Lock()

    async def password(self) -> str:
        # The lock makes connections opened at the same moment share one fetch.
        async with self._lock:
            token = self._token
            if token is None or time.time() >= token.expires_at - self._refresh_before:
                token = self._token = await self._fetch()
            return token.value


def create_token_engine(settings: Settings, tokens: TokenCache) -> AsyncEngine:
    url = settings.database_url

    async def connect() -> Any:
        # Runs for each new connection only; a pooled one keeps the login it has.
        _, params = engine.dialect.create_connect_args(url)
        password = await tokens.password()
        return await asyncpg.connect(**{**params, "password": password, "timeout": 10})

    engine = create_async_engine(
        url,  # host, port, user and database; any password in it is ignored
        async_creator=connect,
        echo=settings.db_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=True,
    )
    return engine


# --8<-- [end:tokens]
