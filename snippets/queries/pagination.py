"""A page of results with the total a paginated API reports next to it."""

# --8<-- [start:imports]
import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import NullType, TypeDecorator

# --8<-- [end:imports]

# --8<-- [start:paginate]
T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int


async def paginate(
    session: AsyncSession, query: Select[T], page: int, size: int
) -> Page[T]:
    """Page `page` (from 1) of `query`, and how many rows the whole query matches.

    `query` selects one entity or one column (the page comes from session.scalars);
    load collections with selectinload, which adds no rows to the page.
    """
    if page < 1 or size < 1:
        raise ValueError(f"page and size start at 1, got page={page}, size={size}")
    # Count before LIMIT/OFFSET, or the total is the page's length. The order
    # changes no count, so the database need not sort for it.
    unpaged = query.limit(None).offset(None).order_by(None)
    total = await session.scalar(select(func.count()).select_from(unpaged.subquery()))
    items = await session.scalars(query.limit(size).offset((page - 1) * size))
    return Page(list(items), total or 0)


# --8<-- [end:paginate]


# --8<-- [start:cursor]
Scalar = str | int | float | bool | None
SIGNATURE_BYTES = 16


class InvalidCursor(ValueError):
    """A cursor this server did not issue for this order: the API answers 400."""


def to_json(value: object) -> Scalar:
    """A sort-key value as JSON: datetimes in ISO 8601, Decimal and UUID as text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"a {type(value).__name__} sort key cannot go in a cursor")


def encode_cursor(values: Sequence[object], secret: bytes, scope: str) -> str:
    """The sort-key values of the last row, as an opaque, signed, URL-safe string.

    `scope` (the order's keys and directions) is signed too, so a cursor is refused
    by another order. A cursor never expires: it holds no time.
    """
    # ensure_ascii=False: UTF-8 is 4 bytes an emoji where a \ud83d\ude00 escape is 12.
    payload = json.dumps(
        [scope, *map(to_json, values)], ensure_ascii=False, separators=(",", ":")
    ).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(signature + payload).rstrip(b"=").decode()


def decode_cursor(cursor: str, secret: bytes, scope: str) -> list[Scalar]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:  # binascii.Error, or a non-ASCII character
        raise InvalidCursor("invalid cursor: not base64url") from None
    # The decoder skips stray characters and spare bits: accept one spelling only.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != cursor:
        raise InvalidCursor("invalid cursor: not base64url")
    signature, payload = raw[:SIGNATURE_BYTES], raw[SIGNATURE_BYTES:]
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    if not hmac.compare_digest(signature, expected):
        raise InvalidCursor(
            "invalid cursor: altered, or issued by another server or secret"
        )
    # Signed by us, so it is the JSON encode_cursor wrote.
    decoded: list[Scalar] = json.loads(payload)
    issued_for, *values = decoded
    if issued_for != scope:
        raise InvalidCursor("invalid cursor: issued for another order")
    return values


# --8<-- [end:cursor]


# --8<-- [start:keyset]
@dataclass(frozen=True)
class SortKey:
    column: InstrumentedAttribute[Any]
    descending: bool = False

    @property
    def nullable(self) -> bool:
        return bool(getattr(self.column.expression, "nullable", True))

    def order(self) -> ColumnElement[Any]:
        ordered = self.column.desc() if self.descending else self.column.asc()
        # One NULL placement on both backends (SQLite and PostgreSQL defaults differ).
        return ordered.nulls_last() if self.nullable else ordered

    def from_json(self, value: Scalar) -> object:
        """The cursor's JSON value back as the column's Python type (see to_json)."""
        kind = self.column.type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        # An untyped expression (func.lower(...)) has no Python type (2.1 says `object`,
        # 2.0 raises): keep the JSON value.
        if not isinstance(value, str) or isinstance(kind, NullType):
            return value
        python_type = kind.python_type
        if python_type in (str, object):
            return value
        if issubclass(python_type, datetime | date | time):
            return python_type.fromisoformat(value)
        return python_type(value)  # Decimal, UUID


def after(keys: Sequence[SortKey], values: Sequence[object]) -> ColumnElement[bool]:
    """Rows strictly after the row whose sort-key values are `values`."""
    if len({key.descending for key in keys}) == 1 and not any(
        key.nullable for key in keys
    ):
        # One direction and no NULLs: a row-value comparison, which an index serves.
        columns, bound = tuple_(*(k.column for k in keys)), tuple_(*values)
        return columns < bound if keys[0].descending else columns > bound
    # Otherwise: (k1 beyond v1) OR (k1 = v1 AND k2 beyond v2) OR ...
    branches: list[ColumnElement[bool]] = []
    equal_so_far: list[ColumnElement[bool]] = []
    for key, value in zip(keys, values, strict=True):
        column = key.column
        if value is not None:
            beyond = column < value if key.descending else column > value
            if key.nullable:  # NULLs sort last, so they come after every value
                beyond = or_(beyond, column.is_(None))
            branches.append(and_(*equal_so_far, beyond))
        # After a NULL nothing is beyond it in this key; only later keys can be.
        equal_so_far.append(column.is_(None) if value is None else column == value)
    return or_(*branches)


@dataclass
class KeysetPage(Generic[T]):
    items: list[T]
    next_cursor: str | None  # None: this is the last page


async def keyset_page(
    session: AsyncSession,
    query: Select[T],
    keys: Sequence[SortKey],
    limit: int,
    cursor: str | None,
    secret: bytes,
) -> KeysetPage[T]:
    """Up to `limit` rows of `query` (one entity) after `cursor`, ordered by `keys`.

    The last key must be unique and not null (the primary key): ties in the others
    are broken by it, so the order is total and no row is skipped or repeated.
    """
    if limit < 1:
        raise ValueError(f"limit starts at 1, got limit={limit}")
    scope = ",".join(f"{k.column} {'desc' if k.descending else 'asc'}" for k in keys)
    if cursor is not None:
        # The scope names every key, so a decoded cursor has one value per key.
        values = decode_cursor(cursor, secret, scope)
        bound = [key.from_json(value) for key, value in zip(keys, values, strict=True)]
        query = query.where(after(keys, bound))
    # One row more than asked: its presence says whether a next page exists.
    ordered = query.order_by(None).order_by(*(key.order() for key in keys))
    rows = list(await session.scalars(ordered.limit(limit + 1)))
    items = rows[:limit]
    if len(rows) <= limit:
        return KeysetPage(items, None)
    last = [getattr(items[-1], key.column.key) for key in keys]
    return KeysetPage(items, encode_cursor(last, secret, scope))


# --8<-- [end:keyset]


# --8<-- [start:estimate]
async def estimated_count(session: AsyncSession, table: str) -> int | None:
    """PostgreSQL's estimate of a whole table's rows, from its statistics: no scan.

    As of the last VACUUM, ANALYZE or CREATE INDEX on the table (autovacuum runs the
    first two); None before any of them.
    """
    estimate = await session.scalar(
        text("SELECT reltuples::bigint FROM pg_class WHERE oid = CAST(:t AS regclass)"),
        {"t": table},
    )
    return None if estimate is None or estimate < 0 else int(estimate)


# --8<-- [end:estimate]
