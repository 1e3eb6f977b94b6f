"""The prompt editor in a real browser: a prompt owner opens a draft, writes the shipped-order
text with a variable from the autocompletion, sees an unknown variable refused, saves, reads the
diff and the preview on a real conversation, publishes through the eval gate, and the customer
simulator shows the new wording."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import DEMO_SHOP
from invekto.simulate import turn_result
from tests.e2e.conftest import log_in, screenshot

NEW_WORDING = "{order_number} numaralı siparişiniz yolda! {cargo} takip no: "


async def _customer_asks(stack, text: str) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        wa_id, response = await post_customer_text(
            client,
            base_url=stack.base_url,
            app_secret=stack.settings.whatsapp_app_secret,
            phone_number_id=DEMO_SHOP.phone_number_id,
            display_phone_number=DEMO_SHOP.display_phone_number,
            phone="905321112233",
            text=text,
        )
    assert response.status_code == 200
    return await turn_result(stack.services, wa_id, timeout_s=60)


async def test_edit_preview_publish_and_the_simulator_shows_the_new_wording(page, stack):
    # A real conversation for the preview: the shipped text answered it.
    sent = await _customer_asks(stack, "10654400001 numaralı siparişim nerede?")
    assert "Kargo takip no" in sent["reply"]

    await log_in(page)
    await page.get_by_role("link", name="Yanıt metinleri").click()
    await page.wait_for_url("**/prompts")
    await expect(page.get_by_test_id("prompt-active")).to_contain_text("v0")

    await page.get_by_test_id("prompt-new-draft").click()
    await page.get_by_test_id("prompt-note").fill("Kargo mesajı daha sıcak")
    await page.get_by_test_id("prompt-create").click()
    await expect(page.get_by_test_id("prompt-status")).to_contain_text("Taslak")

    await page.get_by_test_id("prompt-search").fill("order_shipped")
    await page.get_by_test_id("prompt-key-order_shipped").click()
    await page.get_by_test_id("prompt-lang-tr").click()
    text = page.get_by_test_id("prompt-text")

    # An unknown variable is an error before saving.
    await text.fill("{order_number} siparişiniz {kargo_firmasi} ile yolda")
    await expect(page.get_by_test_id("prompt-problems")).to_contain_text("kargo_firmasi")
    await expect(page.get_by_test_id("prompt-save")).to_be_disabled()
    await screenshot(page, "prompts-problem")

    # The variable list completes what is typed after "{".
    await text.fill(NEW_WORDING)
    await text.press("End")
    await text.press_sequentially("{track")
    await expect(page.get_by_test_id("prompt-autocomplete")).to_be_visible()
    await expect(page.get_by_test_id("prompt-autocomplete-tracking_link")).to_be_visible()
    await screenshot(page, "prompts-autocomplete")
    await text.press_sequentially("ing_n")  # narrows the list to one
    await expect(page.get_by_test_id("prompt-autocomplete-tracking_link")).to_have_count(0)
    await text.press("Enter")
    await text.press_sequentially(". Tahmini teslimat: {eta}")
    await text.press("Escape")
    await text.press_sequentially(".")
    await expect(text).to_have_value(NEW_WORDING + "{tracking_number}. Tahmini teslimat: {eta}.")
    await expect(page.get_by_test_id("prompt-problems")).to_have_count(0)
    await expect(page.get_by_test_id("prompt-save")).to_be_enabled()
    await page.get_by_test_id("prompt-save").click()
    await expect(page.get_by_test_id("prompt-unsaved")).to_have_count(0)
    await screenshot(page, "prompts-editor")

    await page.get_by_test_id("prompt-tab-diff").click()
    await expect(page.get_by_test_id("prompt-diff")).to_contain_text("yolda!")
    await screenshot(page, "prompts-diff")

    await page.get_by_test_id("prompt-tab-preview").click()
    row = page.get_by_test_id("prompt-preview-row").first
    await expect(row).to_contain_text("yolda!")
    await expect(row).to_contain_text("Kargo takip no")  # what was sent, beside it
    await screenshot(page, "prompts-preview")

    await page.get_by_test_id("prompt-publish").click()
    await page.get_by_test_id("prompt-publish-confirm").click()
    status = page.get_by_test_id("prompt-gate-status")
    await expect(status).to_have_attribute("data-status", "active", timeout=240_000)
    await screenshot(page, "prompts-published")
    await expect(page.get_by_test_id("prompt-active")).to_contain_text("v1")

    simulator = await page.context.new_page()
    await simulator.goto("/sandbox/simulator")
    await expect(simulator.locator("#tenant")).to_have_value("demo-shop")
    await simulator.locator("#text").fill("kargom nerede")
    await simulator.locator("#text").press("Enter")
    await expect(simulator.locator(".bubble.out").last).to_contain_text("yolda!", timeout=30_000)
    await screenshot(simulator, "prompts-simulator")
