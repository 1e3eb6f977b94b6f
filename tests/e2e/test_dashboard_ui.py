"""The dashboard shows what ``GET /api/metrics/summary`` returns for the range, and moves."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

from playwright.async_api import expect
from sqlalchemy import func, select

from invekto.sandbox.demo import AYSE_PHONE, MEHMET_PHONE
from invekto.storage.models import Message
from tests.e2e.conftest import log_in, screenshot
from tests.integration.test_inbox_api import api, owner_token
from tests.support.chat import say
from tests.support.waiting import wait_for


def _seconds(value: float | None) -> str:
    """As the web app writes it (frontend/src/lib/format.ts)."""
    if value is None:
        return "–"
    if value < 60:
        return f"{value:.1f}".removesuffix(".0") + " s"
    return f"{value / 60:.1f}".removesuffix(".0") + " min"


def _duration(minutes: float) -> str:
    """Minutes saved as the web app writes them in Turkish (dashboard/Breakdowns.tsx)."""
    if minutes < 60:
        return f"{minutes:.1f}".removesuffix(".0").replace(".", ",") + " dk"
    whole = round(minutes)
    return f"{whole // 60} sa {whole % 60} dk"


def _percent(value: float | None) -> str:
    """As the web app writes it (frontend/src/lib/format.ts)."""
    if value is None:
        return "–"
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


CARDS = ("questions", "auto", "handed", "suggestions", "acceptance", "deflection", "ttfr", "saved")


async def _table(page, test_id: str) -> list[dict[str, str]]:
    """The rows of a breakdown table, in order: key and the figures of each column."""
    rows = page.get_by_test_id(test_id).locator("tbody tr")
    return [
        {
            "key": await row.get_attribute("data-key"),
            **{
                column: (await row.locator(f"td[data-col={column}]").inner_text()).strip()
                for column in ("questions", "auto", "handed", "suggestions", "share")
            },
        }
        for row in await rows.all()
    ]


async def _hours(page) -> list[dict[str, str]]:
    columns = page.get_by_test_id("hourly").locator(".hour")
    out = []
    for column in await columns.all():
        figures = {
            name: await column.get_attribute(f"data-{name}")
            for name in ("hour", "questions", "auto", "handed", "suggestions")
        }
        label = column.locator(".hour-n")
        figures["label"] = (await label.inner_text()).strip() if await label.count() else ""
        out.append(figures)
    return out


async def _replies_read(stack) -> None:
    """Wait until every reply sent has had all of its status callbacks (sent, delivered, read)."""

    async def all_read() -> bool:
        async with stack.services.db.session() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(Message)
                .where(
                    Message.direction == "out",
                    Message.status.in_(("queued", "sending", "sent", "delivered")),
                )
            )
        return pending == 0

    await wait_for(all_read, timeout_s=30)


async def _shown(page) -> dict[str, object]:
    """Every figure the dashboard shows for its range."""
    return {
        **{
            name: (await page.get_by_test_id(f"value-{name}").inner_text()).strip()
            for name in CARDS
        },
        "hourly": await _hours(page),
        "by_intent": await _table(page, "by-intent"),
        "by_agent": await _table(page, "by-agent"),
    }


def _group_rows(groups: list[dict]) -> list[dict[str, str]]:
    return [
        {
            "key": g["key"],
            "questions": str(g["questions"]),
            "auto": str(g["answered_automatically"]),
            "handed": str(g["handed_over"]),
            "suggestions": str(g["suggestions"]),
            "share": _percent(g["answered_automatically"] / g["questions"]),
        }
        for g in groups
    ]


async def _expected(stack, token: str, start: str, end: str) -> tuple[dict[str, object], int]:
    response = await api(stack, "GET", f"/api/metrics/summary?from={start}&to={end}", token)
    assert response.status_code == 200, response.text
    figures = response.json()
    today = (await api(stack, "GET", "/api/metrics/summary", token)).json()
    shown = {
        "questions": str(figures["questions_received"]),
        "auto": str(figures["answered_automatically"]),
        "handed": str(figures["handed_over"]),
        "suggestions": str(figures["suggestions"]),
        "acceptance": _percent(figures["suggestion_decisions"]["acceptance_rate"]),
        "deflection": _percent(figures["deflection_rate"]),
        "ttfr": _seconds(figures["time_to_first_automated_reply_s"]["p50"]),
        "saved": _duration(figures["minutes_saved"]["minutes"]),
        "hourly": [
            {
                "hour": str(h["hour"]),
                "questions": str(h["questions_received"]),
                "auto": str(h["answered_automatically"]),
                "handed": str(h["handed_over"]),
                "suggestions": str(h["suggestions"]),
                "label": str(h["questions_received"]) if h["questions_received"] else "",
            }
            for h in figures["hourly"]
        ],
        "by_intent": _group_rows(figures["by_intent"]),
        "by_agent": _group_rows(figures["by_agent"]),
    }
    return shown, today["daily"][-1]["answered_automatically"]


async def _range(page) -> tuple[str, str]:
    await expect(page.locator("input[name=from]")).not_to_have_value("")
    return (
        await page.locator("input[name=from]").input_value(),
        await page.locator("input[name=to]").input_value(),
    )


async def test_dashboard_numbers_equal_the_api_and_move(stack, page):
    assert (await say(stack, "kargom nerede", phone=MEHMET_PHONE))["outcome"] == "auto_reply"
    await say(stack, "insanla konuşmak istiyorum", phone=AYSE_PHONE)
    await _replies_read(stack)
    token = await owner_token(stack)

    await log_in(page)
    await page.get_by_role("link", name="Gösterge paneli").click()
    await page.wait_for_url("**/dashboard")
    start, end = await _range(page)
    expected, today_auto = await _expected(stack, token, start, end)
    assert expected["questions"] == "2" and today_auto >= 1
    await expect(page.get_by_test_id("value-questions")).to_have_text(expected["questions"])
    assert await _shown(page) == expected
    await expect(page.get_by_test_id("headline")).to_have_text(
        f"Bugün {today_auto} mesaj otomatik cevaplandı"
    )
    await expect(page.locator(".recharts-bar-rectangle").first).to_be_visible()
    weeks = page.get_by_test_id("weekly").locator("tbody tr")
    await expect(weeks).not_to_have_count(0)
    week_questions = [int(x) for x in await weeks.locator("td:nth-child(2)").all_inner_texts()]
    assert sum(week_questions) == int(expected["questions"])
    # The breakdowns: Mehmet's cargo question answered by the support agent, Ayşe handed over.
    assert [row["key"] for row in expected["by_intent"]] == ["human_request", "order_status"]
    assert expected["saved"] == "3 dk"
    await expect(page.get_by_test_id("by-intent")).to_contain_text("Sipariş / kargo durumu")
    await expect(page.get_by_test_id("by-agent")).to_contain_text("Destek asistanı")
    # The page scrolls inside its frame: a taller window shows all of it in the screenshot.
    await page.set_viewport_size({"width": 1366, "height": 1500})
    await screenshot(page, "dashboard", full_page=True)
    await page.set_viewport_size({"width": 1366, "height": 800})

    # CSV export: the days, hours, intents and agents of the range, and the total.
    figures = (await api(stack, "GET", f"/api/metrics/summary?from={start}&to={end}", token)).json()
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="CSV indir").click()
    download = await download_info.value
    content = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert list(rows[0]) == [
        "section",
        "key",
        "label",
        "questions",
        "answered_automatically",
        "handed_over",
        "suggestions",
        "minutes_saved",
        "minutes_per_reply",
    ]
    by_section: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_section.setdefault(row["section"], []).append(row)
    assert [r["key"] for r in by_section["day"]] == [d["date"] for d in figures["daily"]]
    assert [int(r["questions"]) for r in by_section["day"]] == [
        d["questions_received"] for d in figures["daily"]
    ]
    assert [int(r["questions"]) for r in by_section["hour"]] == [
        h["questions_received"] for h in figures["hourly"]
    ]
    for section, groups in (("intent", figures["by_intent"]), ("agent", figures["by_agent"])):
        assert [
            (r["key"], int(r["questions"]), int(r["answered_automatically"]), int(r["handed_over"]))
            for r in by_section[section]
        ] == [
            (g["key"], g["questions"], g["answered_automatically"], g["handed_over"])
            for g in groups
        ]
    (total,) = by_section["total"]
    assert int(total["questions"]) == figures["questions_received"]
    assert float(total["minutes_saved"]) == figures["minutes_saved"]["minutes"]
    assert float(total["minutes_per_reply"]) == figures["minutes_saved"]["minutes_per_reply"]

    # The numbers move: another automated answer, a reload (once the reply's status callbacks
    # are in: "sent" moves its sending time, so the page and the API would see two moments).
    await say(stack, "kargom ne zaman gelir", phone=MEHMET_PHONE)
    await _replies_read(stack)
    await page.reload()
    moved, today_after = await _expected(stack, token, start, end)
    assert int(moved["questions"]) == int(expected["questions"]) + 1
    await expect(page.get_by_test_id("value-questions")).to_have_text(moved["questions"])
    assert await _shown(page) == moved
    await expect(page.get_by_test_id("headline")).to_have_text(
        f"Bugün {today_after} mesaj otomatik cevaplandı"
    )

    # A one-day range ("Bugün") asks the API for that range.
    await page.get_by_role("button", name="Bugün", exact=True).click()
    end = await page.locator("input[name=to]").input_value()
    await expect(page.locator("input[name=from]")).to_have_value(end)
    start = end
    today_only, _ = await _expected(stack, token, start, end)
    await expect(page.get_by_test_id("value-questions")).to_have_text(today_only["questions"])
    assert await _shown(page) == today_only
