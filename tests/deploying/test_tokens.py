"""snippets/deploying/tokens.py, shown on docs/deploying/logins.md: token logins on a real
server whose role password the test rotates, as a cloud's token service would."""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy
from sqlalchemy import URL, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from snippets.database import create_engine, driver_error, sqlstate
from snippets.deploying.tokens import (
    Token,
    TokenCache,
    TokenUnavailable,
    is_login_refused,
    with_token_logins,
)
from snippets.pgbouncer import create_pgbouncer_engine
from snippets.settings import ASYNCPG_URL_OPTIONS, Settings
from tests import versions
from tests.pages import page, shown_output
from tests.postgres import PASSWORD_ROLE, EmbeddedServer, private_server

PAGE = "deploying/logins.md"


class Issuer:
    """Stands in for a cloud's token service: each token it issues becomes the role's
    password, valid for `lifetime` seconds. Stricter than a cloud, where an older token
    stays valid until it expires: here a new token ends the previous one."""

    def __init__(self, server: EmbeddedServer, lifetime: float) -> None:
        self.admin_dsn = server.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self.lifetime = lifetime
        self.issued: list[str] = []

    async def issue(self) -> Token:
        value = secrets.token_urlsafe(24)
        await self.set_password(value)
        self.issued.append(value)
        return Token(value, expires_at=time.time() + self.lifetime)

    async def revoke(self) -> None:
        """The server stops accepting the current token before the cache expects it to."""
        await self.set_password(secrets.token_urlsafe(24))

    async def set_password(self, value: str) -> None:
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(f"ALTER ROLE {PASSWORD_ROLE} PASSWORD '{value}'")
        finally:
            await admin.close()


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    """A server of this module's own, so rotating the role's password harms no other test."""
    with private_server(PASSWORD_ROLE) as own:
        yield own


@pytest.fixture
def login_url(server: EmbeddedServer) -> URL:
    return server.url.set(username=PASSWORD_ROLE, password=None)


@pytest.fixture
def issuer(server: EmbeddedServer) -> Issuer:
    return Issuer(server, lifetime=3)


def settings_for(url: URL, **overrides: object) -> Settings:
    return Settings(database_url=url, **overrides)  # type: ignore[arg-type]


def token_engine(settings: Settings, tokens: TokenCache) -> AsyncEngine:
    return with_token_logins(create_engine(settings), tokens)


async def current_user(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        return str(await conn.scalar(text("SELECT current_user")))


async def refused(engine: AsyncEngine) -> BaseException:
    with pytest.raises((DBAPIError, asyncpg.PostgresError)) as raised:
        await current_user(engine)
    return raised.value


def log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """SQLAlchemy's and asyncpg's loggers at every level (SQLAlchemy's own default is WARN)."""
    for name in ("sqlalchemy", "asyncpg", None):
        caplog.set_level(logging.DEBUG, logger=name)


def described(exc: BaseException) -> str:
    reason = driver_error(exc)
    return f"{type(reason).__name__}: {reason}"


async def test_the_cache_calls_the_provider_once_until_close_to_expiry() -> None:
    calls = 0
    lifetime = 3600.0

    async def fetch() -> Token:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)  # a provider answers over the network
        return Token(f"token-{calls}", expires_at=time.time() + lifetime)

    cache = TokenCache(fetch)
    # Twenty connections opening at once, then twenty more: one fetch.
    assert set(await asyncio.gather(*(cache.password() for _ in range(20)))) == {
        "token-1"
    }
    assert [await cache.password() for _ in range(20)] == ["token-1"] * 20
    assert calls == 1
    # A token within refresh_before of its expiry is fetched again, on every call.
    lifetime = 200.0
    cache = TokenCache(fetch, refresh_before=300)
    assert [await cache.password() for _ in range(3)] == [
        "token-2",
        "token-3",
        "token-4",
    ]


def test_the_default_refresh_margin_is_what_the_page_says() -> None:
    default = inspect.signature(TokenCache).parameters["refresh_before"].default
    assert default == 300
    text = " ".join(page(PAGE).split())
    assert "five minutes before it expires (`refresh_before=300`)" in text
    recycle = Settings.model_fields["db_pool_recycle"].default
    assert f"The guide's `pool_recycle` ({recycle} s)" in text


def test_a_token_is_not_in_its_repr() -> None:
    assert "s3cret" not in repr(Token("s3cret", expires_at=0))


async def test_rotation_new_logins_use_the_fresh_token_old_connections_keep_working(
    login_url: URL, issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    log_everything(caplog)
    cache = TokenCache(issuer.issue, refresh_before=1)
    engine = token_engine(settings_for(login_url), cache)
    lines = []

    async def connect() -> AsyncConnection:
        conn = await engine.connect()
        await conn.execute(text("SELECT 1"))
        return conn

    first = await asyncio.gather(*(connect() for _ in range(5)))
    assert len(issuer.issued) == 1
    lines.append("five connections opened at once:           1 token fetched")
    # Past the cache's refresh point (expiry minus refresh_before), a new connection:
    await asyncio.sleep(issuer.lifetime - 1 + 0.2)
    sixth = await connect()
    assert len(issuer.issued) == 2
    lines.append("a new connection after the refresh point:   2 tokens fetched")
    answers = [await conn.scalar(text("SELECT current_user")) for conn in first]
    assert answers == [PASSWORD_ROLE] * 5
    lines.append("the five opened with the first token:       still answer")
    for conn in [*first, sixth]:
        await conn.close()

    await issuer.revoke()
    await engine.dispose()  # no pooled connection left: the next checkout logs in
    failure = await refused(engine)
    lines.append(f"a new login with a token no longer valid:   {described(failure)}")
    assert is_login_refused(failure)
    shown = "".join(traceback.format_exception(failure)) + repr(failure) + caplog.text
    assert not any(token in shown for token in issuer.issued)
    assert "password authentication failed" in caplog.text  # the log was captured
    lines.append("the token in the error or in the log:       no")
    await engine.dispose()
    assert "\n".join(lines) == shown_output(PAGE, "token-rotation")
    assert "valid for 3 seconds, and the cache refreshes 1 second before expiry" in (
        " ".join(page(PAGE).split())
    )


async def test_a_token_put_in_the_url_fails_once_it_is_replaced(
    login_url: URL, issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    log_everything(caplog)
    token = await issuer.issue()
    engine = create_engine(settings_for(login_url.set(password=token.value)))
    assert await current_user(engine) == PASSWORD_ROLE
    await engine.dispose()
    await issuer.issue()  # the next token: the one in the URL no longer logs in
    failure = await refused(engine)
    await engine.dispose()
    assert is_login_refused(failure)
    lines = [described(failure), f"SQLSTATE {sqlstate(failure)}"]
    assert "\n".join(lines) == shown_output(PAGE, "token-in-url")
    # As the page says: 2.1 wraps the driver's error, 2.0 lets it out as it is.
    wrapper = asyncpg.PostgresError if sqlalchemy.__version__ < "2.1" else DBAPIError
    assert isinstance(failure, wrapper)
    shown = "".join(traceback.format_exception(failure)) + caplog.text
    assert token.value not in shown


async def test_pool_recycle_replaces_a_connection_and_its_login(
    login_url: URL, server: EmbeddedServer
) -> None:
    issuer = Issuer(server, lifetime=1.5)
    cache = TokenCache(issuer.issue, refresh_before=0.5)
    engine = token_engine(settings_for(login_url, db_pool_recycle=1), cache)
    pid = "SELECT pg_backend_pid()"
    async with engine.connect() as conn:
        before = await conn.scalar(text(pid))
    await asyncio.sleep(1.2)  # older than pool_recycle, and its token past refresh
    async with engine.connect() as conn:
        after = await conn.scalar(text(pid))
    await engine.dispose()
    assert before != after
    assert len(issuer.issued) == 2


async def test_url_options_the_settings_accept_reach_a_token_login(
    login_url: URL, issuer: Issuer
) -> None:
    """?prepared_statement_cache_size=0 is SQLAlchemy's own option, which asyncpg refuses
    (TypeError) when a creator passes it on; the token engine leaves it to SQLAlchemy."""
    options = {"prepared_statement_cache_size": "0", "command_timeout": "5"}
    assert set(options) <= ASYNCPG_URL_OPTIONS
    settings = settings_for(login_url.update_query_dict(options))
    engine = token_engine(settings, TokenCache(issuer.issue))
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT current_user")) == PASSWORD_ROLE
            raw = await conn.get_raw_connection()
            # SQLAlchemy's statement cache is off, as the URL asked.
            assert raw.dbapi_connection._prepared_statement_cache is None  # type: ignore[union-attr]
            assert raw.driver_connection._config.command_timeout == 5  # type: ignore[union-attr]
    finally:
        await engine.dispose()
    assert len(issuer.issued) == 1


async def test_the_token_login_keeps_the_pgbouncer_engines_connect_args(
    login_url: URL, issuer: Issuer
) -> None:
    engine = with_token_logins(
        create_pgbouncer_engine(settings_for(login_url)), TokenCache(issuer.issue)
    )
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT current_user")) == PASSWORD_ROLE
            raw = await conn.get_raw_connection()
            assert raw.dbapi_connection._prepared_statement_cache is None  # type: ignore[union-attr]
            assert raw.driver_connection._stmt_cache.get_max_size() == 0  # type: ignore[union-attr]
    finally:
        await engine.dispose()
    text_ = " ".join(page(PAGE).split())
    assert "with_token_logins(create_pgbouncer_engine(settings), tokens)" in text_


async def test_connect_args_do_not_apply_with_async_creator(
    server: EmbeddedServer,
) -> None:
    """Why the page does not use SQLAlchemy's async_creator: the URL's query and
    connect_args are left out; the creator must pass everything itself."""
    url = server.url
    own = {"server_settings": {"application_name": "from-connect-args"}}

    async def creator() -> object:
        _, params = engine.dialect.create_connect_args(url)
        return await asyncpg.connect(**params)

    async def any_token() -> Token:  # the admin role logs in without a password
        return Token("unused", expires_at=time.time() + 900)

    engine = create_async_engine(url, async_creator=creator, connect_args=own)
    hooked = with_token_logins(
        create_async_engine(url, connect_args=own), TokenCache(any_token)
    )
    names = []
    try:
        for each in (engine, hooked):
            async with each.connect() as conn:
                names.append(await conn.scalar(text("SHOW application_name")))
    finally:
        await engine.dispose()
        await hooked.dispose()
    assert names == ["", "from-connect-args"]
    assert (
        "with `async_creator`, the URL's options and `connect_args` do not apply"
        in (" ".join(page(PAGE).split()))
    )


async def test_a_provider_that_hangs_fails_the_login_and_frees_the_lock(
    login_url: URL, issuer: Issuer
) -> None:
    hang = True

    async def fetch() -> Token:
        if hang:
            await asyncio.Event().wait()  # a token endpoint that never answers
        return await issuer.issue()

    cache = TokenCache(fetch, fetch_timeout=0.3)
    engine = token_engine(settings_for(login_url), cache)
    try:
        started = time.monotonic()
        with pytest.raises(TokenUnavailable) as raised:
            await current_user(engine)
        assert isinstance(raised.value.__cause__, TimeoutError)
        assert (
            time.monotonic() - started < 10
        )  # the fetch's timeout, not asyncpg's 10 s
        hang = False
        assert await current_user(engine) == PASSWORD_ROLE  # the lock was released
    finally:
        await engine.dispose()
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(TokenCache).parameters.items()
    }
    text_ = " ".join(page(PAGE).split())
    assert defaults["fetch_timeout"] == 5
    assert "gives up on a fetch after 5 s (`fetch_timeout=5`)" in text_
    assert defaults["retry_after"] == 30
    assert "asks again 30 s later (`retry_after=30`)" in text_


# Debian's PostgreSQL is built with PAM (the embedded server is not); CI installs it.
DEBIAN_15 = Path("/usr/lib/postgresql/15/bin")
PAM_ROLE = "guide_pam"


@pytest.mark.skipif(
    not (DEBIAN_15 / "postgres").is_file(),
    reason="needs Debian's postgresql-15 (built with PAM), which .ci/run installs",
)
async def test_a_refused_pam_login_is_28000_not_28p01() -> None:
    """RDS IAM logins go through PAM. A role whose pg_hba.conf line says `pam`, on a
    server built with PAM: the machine's PAM knows no such user and refuses it, as
    RDS's PAM module refuses an expired token."""
    with versions.server(DEBIAN_15) as admin_dsn:
        admin_url = make_url(admin_dsn).set(drivername="postgresql+asyncpg")
        socket = Path(str(admin_url.query["host"]))
        hba = socket.parent / "data" / "pg_hba.conf"
        hba.write_text(f"local all {PAM_ROLE} pam\n" + hba.read_text())
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f"CREATE ROLE {PAM_ROLE} LOGIN")
            await admin.execute("SELECT pg_reload_conf()")
        finally:
            await admin.close()

        async def token() -> Token:
            return Token("expired-token", expires_at=time.time() + 900)

        url = admin_url.set(username=PAM_ROLE)
        engine = token_engine(settings_for(url), TokenCache(token))
        failure = await refused(engine)
        await engine.dispose()
    assert is_login_refused(failure)
    lines = [described(failure), f"SQLSTATE {sqlstate(failure)}"]
    assert "\n".join(lines) == shown_output(PAGE, "token-refused-pam")


async def test_a_provider_that_fails_near_expiry_leaves_the_current_token_in_use(
    login_url: URL, issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    """Inside the refresh window the cached token is still valid: a provider that
    fails, or hangs, costs no login, and is not asked again at once."""
    caplog.set_level(logging.WARNING, logger="snippets.deploying.tokens")
    issuer.lifetime = 60
    for outage in ("fails", "hangs"):
        asked = 0

        async def fetch(outage: str = outage) -> Token:
            nonlocal asked
            asked += 1
            if asked > 1 and outage == "fails":
                raise OSError("token endpoint unreachable")
            if asked > 1 and outage == "hangs":
                await asyncio.Event().wait()
            return await issuer.issue()

        # refresh_before longer than the token's life: every login is in the window.
        cache = TokenCache(fetch, refresh_before=120, fetch_timeout=0.3)
        engine = token_engine(settings_for(login_url), cache)
        try:
            for _ in range(3):
                assert await current_user(engine) == PASSWORD_ROLE
                await engine.dispose()  # the next checkout logs in again
        finally:
            await engine.dispose()
        assert asked == 2, outage  # the first token, one failed try, then a pause
    assert len(issuer.issued) == 2
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2
    assert all("keeping the current token" in w for w in warnings), warnings
    assert "OSError: token endpoint unreachable" in warnings[0]
    assert "TimeoutError" in warnings[1]


async def test_a_refused_token_is_dropped_and_the_next_login_fetches_one(
    login_url: URL, issuer: Issuer
) -> None:
    issuer.lifetime = 60
    cache = TokenCache(issuer.issue, refresh_before=1)
    engine = token_engine(settings_for(login_url), cache)
    try:
        assert await current_user(engine) == PASSWORD_ROLE
        await issuer.revoke()  # the server no longer takes it, long before it expires
        await engine.dispose()
        failure = await refused(engine)
        assert is_login_refused(failure)
        # The cache dropped the refused token: the next login asks for a new one.
        assert await current_user(engine) == PASSWORD_ROLE
    finally:
        await engine.dispose()
    assert len(issuer.issued) == 2


async def test_asyncpgs_connect_timeout_covers_the_password_function(
    login_url: URL, issuer: Issuer
) -> None:
    hang = True

    async def fetch() -> Token:
        if hang:
            await asyncio.Event().wait()
        return await issuer.issue()

    # A fetch timeout far beyond the connect timeout: asyncpg's bounds the login.
    cache = TokenCache(fetch, fetch_timeout=1000)
    dsn = login_url.set(drivername="postgresql").render_as_string()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncpg.connect(dsn, password=cache.password, timeout=0.5)
    assert time.monotonic() - started < 30
    hang = False
    # The cancelled fetch released the lock: the next login gets a token.
    connection = await asyncio.wait_for(
        asyncpg.connect(dsn, password=cache.password, timeout=10), 30
    )
    await connection.close()


class ProviderDown(Exception):
    """As botocore's NoCredentialsError, azure-identity's ClientAuthenticationError or
    google-auth's RefreshError: an Exception, not an OSError."""


async def test_a_failed_fetch_without_a_valid_token_fails_the_login_as_a_connection_error(
    login_url: URL, issuer: Issuer
) -> None:
    """With no token to keep, the login fails with an error that code retrying a lost
    connection (the listener's LOST) retries too; the provider's error is its cause."""
    issuer.lifetime = 60
    asked = 0

    async def fetch() -> Token:
        nonlocal asked
        asked += 1
        if asked == 1:
            raise ProviderDown("the provider is briefly unavailable")
        return await issuer.issue()

    engine = token_engine(settings_for(login_url), TokenCache(fetch))
    try:
        with pytest.raises(ConnectionError) as raised:
            await current_user(engine)
        assert isinstance(raised.value.__cause__, ProviderDown)
        # Nothing was cached: the next login asks the provider again, and logs in.
        assert await current_user(engine) == PASSWORD_ROLE
    finally:
        await engine.dispose()
    assert asked == 2
    shown = f"{type(raised.value).__name__}: {raised.value}"
    assert shown == shown_output(PAGE, "token-unavailable")


async def test_a_failed_fetch_never_keeps_a_token_past_its_expiry() -> None:
    """The pause after a failed fetch (retry_after) ends at the token's expiry at the
    latest: an expired token is never handed to a login."""
    asked = 0

    async def fetch() -> Token:
        nonlocal asked
        asked += 1
        if asked == 2:
            raise ProviderDown("the provider is briefly unavailable")
        return Token(f"token-{asked}", expires_at=time.time() + 0.5)

    cache = TokenCache(fetch, refresh_before=10, retry_after=30)
    assert await cache.password() == "token-1"
    assert await cache.password() == "token-1"  # the fetch failed; still valid
    await asyncio.sleep(0.6)
    assert await cache.password() == "token-3"
