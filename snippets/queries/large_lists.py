"""Long lists of values in one statement: the driver's limit, and batches below it."""

# --8<-- [start:chunks]
from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# asyncpg's own limit: it writes the parameter count as a signed 16-bit integer,
# so at most 32,767 parameters in all in one statement, the list's and the others.
MAX_PARAMETERS = 32767


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most `size` items, in order; none for no items."""
    if size < 1:
        raise ValueError(f"size must be at least 1, not {size}")
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --8<-- [end:chunks]
