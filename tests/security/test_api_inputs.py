"""Query parameters at the edges get a 4xx with a reason, never a 500 (issue 20, item 6)."""

from __future__ import annotations

import pytest

from tests.integration.test_inbox_api import api, owner_token


@pytest.mark.parametrize(
    "params",
    [
        {"from": "9999-12-30", "to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "1999-12-31", "to": "2000-01-01"},
        {"to": "9999-12-31"},
    ],
)
async def test_metrics_dates_out_of_range_are_422(stack, params):
    token = await owner_token(stack)
    response = await api(stack, "GET", "/api/metrics/summary", token, params=params)
    assert response.status_code == 422, response.text
    assert "between" in response.text or "after" in response.text
