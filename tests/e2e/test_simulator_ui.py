"""The customer simulator at the URL `make run` prints works as the README's walk-through says:
it lists the businesses, starts on the demo shop, and a message written there is answered and
appears in the inbox live."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import log_in, screenshot


async def test_the_simulator_starts_on_the_demo_shop_and_its_message_reaches_the_inbox(
    page, browser, stack
):
    await log_in(page)
    simulator = await page.context.new_page()
    await simulator.goto("/sandbox/simulator")
    await expect(simulator.locator("#tenant")).to_have_value("demo-shop")
    assert await simulator.locator("#tenant option").count() >= 3
    await simulator.locator("#text").fill("kargom nerede")
    await simulator.locator("#text").press("Enter")
    await expect(simulator.locator(".bubble.out").first).to_contain_text(
        "10654400001", timeout=30_000
    )
    await screenshot(simulator, "simulator")
    await expect(page.get_by_test_id("conversation-item").first).to_contain_text(
        "Ayşe Yılmaz", timeout=30_000
    )

    other = await page.context.new_page()
    await other.goto("/sandbox/simulator?tenant=demo-copilot")
    await expect(other.locator("#tenant")).to_have_value("demo-copilot")
