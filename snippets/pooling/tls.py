"""TLS to the database with the server's certificate verified."""

# --8<-- [start:tls]
from __future__ import annotations

import ssl
from pathlib import Path

from sqlalchemy import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def verifying_context(ca_file: Path) -> ssl.SSLContext:
    # Trust only the CA that signed the server's certificate, and check the host name:
    # what libpq calls sslmode=verify-full.
    return ssl.create_default_context(cafile=str(ca_file))


def create_tls_engine(url: URL, ca_file: Path) -> AsyncEngine:
    return create_async_engine(url, connect_args={"ssl": verifying_context(ca_file)})


# --8<-- [end:tls]
