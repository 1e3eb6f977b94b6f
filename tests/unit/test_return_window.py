"""The return window, on both sides of its boundary, in the shop's time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from invekto.agents.returns.agent import within_return_window

ISTANBUL = "Europe/Istanbul"
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # 12:00 in Istanbul


@pytest.mark.parametrize(
    ("days_ago", "inside"), [(0, True), (14, True), (15, True), (16, False), (21, False)]
)
def test_a_delivery_n_days_ago(days_ago, inside):
    delivered = NOW - dt.timedelta(days=days_ago)
    assert within_return_window(delivered, NOW, days=15, timezone=ISTANBUL) is inside


def test_the_day_counts_in_the_shops_zone():
    # 22:30 UTC on Nov 15 is already Nov 16 in Istanbul: 15 days before Dec 1 there.
    delivered = dt.datetime(2026, 11, 15, 22, 30, tzinfo=dt.UTC)
    assert within_return_window(delivered, NOW, days=15, timezone=ISTANBUL)
    assert not within_return_window(delivered, NOW, days=15, timezone="UTC")
