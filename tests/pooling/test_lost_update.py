"""snippets/pooling/lost_update.py beyond the page: the retry gives up after three tries."""

from __future__ import annotations

import pytest

from snippets.pooling.lost_update import run_sales


@pytest.mark.parametrize("backend", ["postgres"])
async def test_four_sellers_exhaust_three_attempts(settings: object) -> None:
    # Each round one of the sellers wins; the fourth is still losing on its third try.
    with pytest.raises(RuntimeError, match="still conflicting after 3 attempts"):
        await run_sales("version counter, retry", sales=4)
