"""snippets/pooling/sizing.py: the peak a deployment may open, and the average it uses."""

from __future__ import annotations

import pytest

from snippets.pooling.sizing import connections_in_use, fits, peak_connections


def test_peak_counts_every_process_pool_and_overflow() -> None:
    assert peak_connections(4, 5, 10) == 60
    assert fits(4, 5, 10, max_connections=63, reserved=3)
    assert not fits(4, 5, 10, max_connections=63, reserved=3, others=1)


def test_connections_in_use_grow_with_the_hold_time_not_the_query_time() -> None:
    queries_only = connections_in_use(200, 0.015)
    held_while_sending = connections_in_use(200, 0.015 + 0.1)
    assert queries_only == pytest.approx(3)
    assert held_while_sending == pytest.approx(23)
