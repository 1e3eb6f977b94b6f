"""What customers write is shown as text on every page, never run as HTML (issue 20): a
message and a profile name made of markup appear literally in the inbox, and no script of
theirs runs on any page of the web app."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import log_in, screenshot
from tests.support.chat import say

PHONE = "905441239911"
NAME = '<img src=x onerror="window.__xss=1">Kötü'
TEXT = (
    "<script>window.__xss=2</script><b>kalın</b> <img src=x onerror=window.__xss=3> kargom nerede"
)
PAGES = ["/inbox", "/dashboard", "/team", "/settings", "/outbound", "/onboarding"]


async def test_markup_from_customers_is_text_everywhere(stack, page):
    await say(stack, TEXT, phone=PHONE, name=NAME)
    await log_in(page)

    item = page.get_by_test_id("conversation-item").filter(has_text="Kötü")
    await expect(item).to_be_visible()
    await item.click()
    await page.wait_for_url("**/inbox/*")
    shown = page.get_by_test_id("message").filter(has_text="<b>kalın</b>")
    await expect(shown).to_be_visible()  # the tags as written, not bold text
    assert await shown.locator("b, img, script").count() == 0
    await screenshot(page, "security/markup-as-text")

    for path in PAGES:
        await page.goto(path)
        await page.wait_for_load_state("networkidle")
        assert await page.evaluate("window.__xss") is None, path
        assert await page.locator("img[src='x']").count() == 0, path
