"""docs/pooling/faults.md#tls-to-the-server: a TLS endpoint with a throwaway CA (trustme).

The embedded PostgreSQL is built without SSL, so Debian's PgBouncer (built with OpenSSL)
terminates TLS in front of it; it speaks PostgreSQL's own TLS negotiation, as a server does.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from snippets.database import driver_error
from snippets.pooling.tls import create_tls_engine
from snippets.settings import Settings
from tests import pgbouncer
from tests.pages import shown_output

pytestmark = pytest.mark.parametrize("backend", ["postgres"])


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def endpoint(
    ca: trustme.CA, database_url: str, tmp_path: Path, name: str
) -> Iterator[URL]:
    """TLS on 127.0.0.1 with a certificate for `name`, signed by `ca`."""
    cert = ca.issue_cert(name)
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / f"{name}.crt"))
    cert.private_key_pem.write_to_path(str(tmp_path / f"{name}.key"))
    tls = (tmp_path / f"{name}.crt", tmp_path / f"{name}.key")
    with pgbouncer.pooler(make_url(database_url), "session", tls=tls) as url:
        yield url


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    return tmp_path / "ca.pem"


@pytest.fixture
def for_this_host(ca: trustme.CA, database_url: str, tmp_path: Path) -> Iterator[URL]:
    yield from endpoint(ca, database_url, tmp_path, "127.0.0.1")


@pytest.fixture
def for_another_host(
    ca: trustme.CA, database_url: str, tmp_path: Path
) -> Iterator[URL]:
    yield from endpoint(ca, database_url, tmp_path, "db.example.com")


async def outcome(engine: AsyncEngine) -> str:
    try:
        async with engine.connect() as conn:
            return f"TLS: {await conn.scalar(text('SELECT 1')) == 1}"
    except Exception as exc:
        reason = driver_error(exc)
        return f"{type(reason).__name__}: {reason}".split(" (_ssl.c")[0]
    finally:
        await engine.dispose()


async def test_tls_cases_print_what_the_page_shows(
    for_this_host: URL,
    for_another_host: URL,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [
        "verified:      " + await outcome(create_tls_engine(for_this_host, ca_file)),
        "no TLS:        "
        + await outcome(
            create_async_engine(for_this_host, connect_args={"ssl": False})
        ),
        "unknown CA:    "
        + await outcome(
            create_async_engine(
                for_this_host, connect_args={"ssl": ssl.create_default_context()}
            )
        ),
        "wrong name:    " + await outcome(create_tls_engine(for_another_host, ca_file)),
    ]
    # A libpq-style URL through the guide's settings: sslmode becomes asyncpg's ssl, and
    # asyncpg finds the CA where libpq would, in PGSSLROOTCERT.
    monkeypatch.setenv("PGSSLROOTCERT", str(ca_file))
    url = for_this_host.set(drivername="postgresql", query={"sslmode": "verify-full"})
    settings = Settings(database_url=url.render_as_string(hide_password=False))
    lines.append(
        "sslmode URL:   " + await outcome(create_async_engine(settings.database_url))
    )
    assert "\n".join(lines) == shown_output("pooling/faults.md", "tls")
    # And it does verify: without the CA, the same URL is refused.
    monkeypatch.delenv("PGSSLROOTCERT")
    monkeypatch.setenv("HOME", str(ca_file.parent))  # no ~/.postgresql/root.crt either
    refused = await outcome(create_async_engine(settings.database_url))
    assert not refused.startswith("TLS"), refused
