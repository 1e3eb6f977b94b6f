"""Dates and lists the way a Turkish or English customer reads them, in the tenant's zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from invekto.core.locale import MONTH_NAMES
from invekto.prompts import template
from invekto.prompts.content import PromptSet

_MONTHS = MONTH_NAMES


def local_date(moment: dt.datetime, timezone: str) -> dt.date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def day_text(
    day: dt.date, *, language: str, today: dt.date, prompts: PromptSet | None = None
) -> str:
    if day == today:
        return str(template("today", language, prompts))
    if day == today + dt.timedelta(days=1):
        return str(template("tomorrow", language, prompts))
    months = _MONTHS.get(language, _MONTHS["en"])
    if language in ("tr", "ar"):
        return f"{day.day} {months[day.month - 1]}"
    return f"{months[day.month - 1]} {day.day}"


def date_range_text(
    start: dt.datetime | None,
    end: dt.datetime | None,
    *,
    language: str,
    timezone: str,
    now: dt.datetime,
    prompts: PromptSet | None = None,
) -> str:
    """'yarın', '27 Kasım – 28 Kasım', or the tenant's 'not known yet' text."""
    if start is None and end is None:
        return str(template("eta_unknown", language, prompts))
    today = local_date(now, timezone)
    days = sorted({local_date(m, timezone) for m in (start, end) if m is not None})
    texts = [day_text(d, language=language, today=today, prompts=prompts) for d in days]
    return " – ".join(texts)
