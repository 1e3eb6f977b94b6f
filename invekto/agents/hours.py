"""Business hours: is the tenant open now, and when does it open next."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

ALL_DAYS = [0, 1, 2, 3, 4, 5, 6]


def _window(hours: dict[str, Any]) -> tuple[dt.time, dt.time, list[int]]:
    start = dt.time.fromisoformat(hours.get("start", "00:00"))
    end = dt.time.fromisoformat(hours.get("end", "23:59"))
    return start, end, list(hours.get("days", ALL_DAYS))


def is_open(hours: dict[str, Any], timezone: str, moment: dt.datetime) -> bool:
    if not hours:
        return True
    start, end, days = _window(hours)
    local = moment.astimezone(ZoneInfo(timezone))
    return local.weekday() in days and start <= local.time() < end


def next_opening(hours: dict[str, Any], timezone: str, moment: dt.datetime) -> dt.datetime:
    """The next moment the tenant opens (``moment`` itself when open)."""
    if is_open(hours, timezone, moment):
        return moment
    start, _end, days = _window(hours)
    local = moment.astimezone(ZoneInfo(timezone))
    for offset in range(0, 8):
        day = local.date() + dt.timedelta(days=offset)
        candidate = dt.datetime.combine(day, start, tzinfo=ZoneInfo(timezone))
        if day.weekday() in days and candidate > local:
            return candidate
    return local
