"""Logins with short-lived tokens: a cache in front of the token provider, and an engine
whose new connections each log in with its current token (docs/deploying/logins.md)."""

# --8<-- [start:tokens]
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Token:
    # A token is a password: kept out of repr(), and so out of logs and tracebacks.
    value: str = field(repr=False)
    expires_at: float  # seconds since the epoch, as the providers state it


class TokenUnavailable(ConnectionError):
    """No valid token to log in with. A ConnectionError, so that what retries a lost
    connection retries this too: the providers' own errors (botocore's,
    azure-identity's, google-auth's) are no OSError."""


class TokenCache:
    """The provider's token, fetched again only when it is close to expiry."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Token]],
        *,
        refresh_before: float = 300,
        fetch_timeout: float = 5,
        retry_after: float = 30,
    ) -> None:
        self._fetch = fetch
        self._refresh_before = refresh_before
        self._fetch_timeout = fetch_timeout
        self._retry_after = retry_after
        self._token: Token | None = None
        self._next_fetch = 0.0
        self._lock = asyncio.Lock()

    async def password(self) -> str:
        # The lock makes connections opened at the same moment share one fetch.
        async with self._lock:
            token = self._token
            if token is None or time.time() >= self._next_fetch:
                token = self._token = await self._fetch_or_keep(token)
            return token.value

    async def _fetch_or_keep(self, token: Token | None) -> Token:
        try:
            # Below the connect timeout, so that a login can go on with the current
            # token when the provider hangs.
            async with asyncio.timeout(self._fetch_timeout):
                fresh = await self._fetch()
        except Exception as exc:
            if token is None or time.time() >= token.expires_at:
                raise TokenUnavailable(
                    f"no valid token: {type(exc).__name__}: {exc}"
                ) from exc
            # Still valid: an outage of the provider costs no login until it expires.
            logger.warning(
                "token fetch failed (%s: %s); keeping the current token, valid for "
                "%.0f s more",
                type(exc).__name__,
                exc,
                token.expires_at - time.time(),
            )
            # Never past its expiry, so an expired token is never handed out.
            self._next_fetch = min(time.time() + self._retry_after, token.expires_at)
            return token
        self._next_fetch = fresh.expires_at - self._refresh_before
        return fresh

    def invalidate(self) -> None:
        """Forget the token: the server refused it, so the next login fetches one."""
        self._token = None


def with_token_logins(engine: AsyncEngine, tokens: TokenCache) -> AsyncEngine:
    """Each new connection of `engine` logs in with the cache's current token; the
    URL's options and the engine's connect_args apply as they would without it."""

    def connect_with_token(dialect: Any, _record: Any, args: Any, kwargs: Any) -> Any:
        # asyncpg calls, and awaits, a password function at each login.
        kwargs["password"] = tokens.password
        try:
            return dialect.connect(*args, **kwargs)
        except Exception as exc:
            # Refused before it expired (revoked, or the provider's clock ahead):
            # the next login asks for a new token rather than repeat this one.
            if is_login_refused(exc):  # below
                tokens.invalidate()
            raise

    event.listen(engine.sync_engine, "do_connect", connect_with_token)
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
