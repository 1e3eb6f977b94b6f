"""The dashboard shows what ``GET /api/metrics/summary`` returns for the range, and moves."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playwright.async_api import expect

from invekto.sandbox.demo import AYSE_PHONE, MEHMET_PHONE
from tests.e2e.conftest import log_in, screenshot
from tests.integration.test_inbox_api import api, owner_token
from tests.support.chat import say


def _percent(value: float | None) -> str:
    """As the web app writes it (frontend/src/lib/format.ts)."""
    if value is None:
        return "–"
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


async def _shown(page) -> dict[str, str]:
    return {
        name: (await page.get_by_test_id(f"value-{name}").inner_text()).strip()
        for name in ("questions", "auto", "handed", "suggestions", "acceptance", "deflection")
    }


async def _expected(stack, token: str, start: str, end: str) -> tuple[dict[str, str], int]:
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
    await screenshot(page, "dashboard", full_page=True)

    # CSV export of the daily rows.
    async with page.expect_download() as download_info:
        await page.get_by_role("button", name="CSV indir").click()
    download = await download_info.value
    content = await asyncio.to_thread(Path(await download.path()).read_text, encoding="utf-8")
    lines = content.strip().splitlines()
    assert lines[0] == "date,questions_received,answered_automatically,handed_over,suggestions"
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == int(expected["questions"])

    # The numbers move: another automated answer, a reload.
    await say(stack, "kargom ne zaman gelir", phone=MEHMET_PHONE)
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
