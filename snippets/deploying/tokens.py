"""Logins with short-lived tokens: a cache in front of the token provider, and an engine
whose new connections each log in with its current token (docs/deploying/logins.md)."""

# --8<-- [start:tokens]
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass(frozen=True)
class Token:
    # A token is a password: kept out of repr(), and so out of logs and tracebacks.
    value: str = field(repr=False)
    expires_at: float  # seconds since the epoch, as the providers state it


class TokenCache:
    """The provider's token, fetched again only when it is close to expiry."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Token]],
        *,
        refresh_before: float = 300,
        fetch_timeout: float = 10,
    ) -> None:
        self._fetch = fetch
        self._refresh_before = refresh_before
        self._fetch_timeout = fetch_timeout
        self._token: Token | None = None
        self._lock = asyncio.Lock()

    async def password(self) -> str:
        # The lock makes connections opened at the same moment share one fetch.
        async with self._lock:
            token = self._token
            if token is None or time.time() >= token.expires_at - self._refresh_before:
                # A provider that hangs would hold the lock, and every new connection.
                async with asyncio.timeout(self._fetch_timeout):
                    token = self._token = await self._fetch()
            return token.value


def with_token_logins(engine: AsyncEngine, tokens: TokenCache) -> AsyncEngine:
    """Each new connection of `engine` logs in with the cache's current token; the
    URL's options and the engine's connect_args apply as they would without it."""

    def use_token(_dialect: Any, _record: Any, _args: Any, kwargs: Any) -> None:
        # asyncpg calls, and awaits, a password function at each login.
        kwargs["password"] = tokens.password

    event.listen(engine.sync_engine, "do_connect", use_token)
    return engine


# --8<-- [end:tokens]


# --8<-- [start:refused]
from snippets.database import sqlstate  # noqa: E402

# 28P01: a password or SCRAM login refused. 28000: any other refused login, among them
# PAM's, which RDS IAM logins use.
LOGIN_REFUSED = {"28P01", "28000"}


def is_login_refused(exc: BaseException) -> bool:
    return sqlstate(exc) in LOGIN_REFUSED


# --8<-- [end:refused]
