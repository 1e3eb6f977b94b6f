"""Log in, and a customer's message shows up in the inbox live, without a reload."""

from __future__ import annotations

from playwright.async_api import expect

from invekto.sandbox.demo import AYSE_PHONE, MEHMET_PHONE
from tests.e2e.conftest import log_in, screenshot
from tests.integration.test_message_kinds import fixture, send, wamid
from tests.integration.test_webhook import post
from tests.support.chat import post_text, say

NEW_PHONE = "905441230099"

ORDER_STATUS_TR = {
    "Awaiting": "Ödeme bekleniyor",
    "Created": "Hazırlanıyor",
    "Picking": "Hazırlanıyor",
    "Invoiced": "Faturalandı",
    "Shipped": "Kargoda",
    "AtCollectionPoint": "Teslimat noktasında",
    "Delivered": "Teslim edildi",
    "UnDelivered": "Teslim edilemedi",
    "Returned": "İade edildi",
    "Cancelled": "İptal edildi",
}
"""What the customer card shows for Trendyol's statuses (frontend/src/i18n.tsx)."""


async def test_log_in_and_a_customer_message_appears_live(stack, page):
    await page.goto("/inbox")
    await page.wait_for_url("**/login")
    await expect(page.get_by_role("heading", name="Giriş yap")).to_be_visible()
    await screenshot(page, "login")
    await page.get_by_label("E-posta").fill("owner@demo-shop.test")
    await page.get_by_label("Şifre").fill("wrong-password")
    await page.get_by_role("button", name="Giriş", exact=True).click()
    await expect(page.get_by_role("alert")).to_have_text("E-posta veya şifre yanlış")

    await log_in(page)
    await expect(page.get_by_test_id("who")).to_contain_text("owner")
    await expect(page.get_by_test_id("live")).to_have_class("live on")

    await post_text(
        stack, "Merhaba, kargom nerede? Sipariş no 10654400001", phone=NEW_PHONE, name="Zeynep Kaya"
    )
    item = page.get_by_test_id("conversation-item").filter(has_text="Zeynep Kaya")
    await expect(item).to_be_visible()
    await item.click()
    await page.wait_for_url("**/inbox/*")
    messages = page.get_by_test_id("message")
    await expect(messages.filter(has_text="kargom nerede")).to_be_visible()
    # The AI's answer arrives live too.
    await expect(page.locator(".msg.author-ai")).not_to_have_count(0)

    # English UI.
    await page.get_by_role("button", name="EN", exact=True).click()
    await expect(page.get_by_role("link", name="Inbox")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("link", name="Inbox")).to_be_visible()
    await expect(page.get_by_test_id("conv-status")).to_have_text("AI handling")
    await expect(page.get_by_test_id("customer-card")).to_contain_text("Zeynep")
    await screenshot(page, "inbox-en")
    await page.get_by_role("button", name="TR", exact=True).click()
    await expect(page.get_by_role("link", name="Gelen kutusu")).to_be_visible()

    await say(stack, "مرحبا، أين طلبي؟", phone="905441230098", name="Layla")
    arabic = page.get_by_test_id("conversation-item").filter(has_text="Layla")
    await expect(arabic).to_be_visible()
    await arabic.click()
    bubble = page.locator(".bubble", has_text="أين طلبي")
    await expect(bubble).to_have_attribute("dir", "auto")
    await expect(arabic.get_by_test_id("unread")).to_have_count(0)  # opened: read
    await screenshot(page, "inbox")


async def test_filters_search_the_customer_card_and_why(stack, page):
    await say(stack, "kargom nerede", phone=MEHMET_PHONE)
    handoff = await say(stack, "insanla konuşmak istiyorum", phone=AYSE_PHONE)
    assert handoff["outcome"] == "handoff"
    await log_in(page)
    items = page.get_by_test_id("conversation-item")
    await expect(items).to_have_count(2)
    # Unread: nobody opened them yet.
    await expect(items.first.get_by_test_id("unread")).to_be_visible()

    await page.get_by_role("tab", name="İnsan bekliyor").click()
    await expect(items).to_have_count(1)
    await items.first.click()
    await expect(page.get_by_test_id("conv-status")).to_have_text("İnsan bekliyor")
    await expect(page.get_by_test_id("escalation")).to_be_visible()
    await expect(items.first.get_by_test_id("unread")).to_have_count(0)  # opened: read
    await screenshot(page, "conversation-handoff")

    await page.get_by_role("tab", name="Tümü").click()
    await page.get_by_role("searchbox").fill("Mehmet")
    await expect(items).to_have_count(1)
    await items.first.click()
    card = page.get_by_test_id("customer-card")
    await expect(card).to_contain_text("Mehmet")
    await expect(card).to_contain_text("+90 533 *** ** 77")
    # Order statuses in Turkish, the raw Trendyol status kept as the badge's title.
    badge = card.locator(".order .badge").first
    await expect(badge).to_be_visible()
    raw = await badge.get_attribute("title")
    assert raw in ORDER_STATUS_TR, raw
    await expect(badge).to_have_text(ORDER_STATUS_TR[raw])
    await screenshot(page, "conversation-card")
    await page.get_by_role("tab", name="Neden?").click()
    turns = page.get_by_test_id("turns")
    # Intent, outcome and agent read in Turkish, not as the API's codes.
    await expect(turns).to_contain_text("Sipariş / kargo durumu")
    await expect(turns).to_contain_text("Otomatik yanıt")
    await expect(turns).to_contain_text("Ajan: Destek asistanı")
    await expect(turns).not_to_contain_text("auto_reply")
    await screenshot(page, "conversation-why")

    # j/k move between conversations (not while typing in the search box).
    await page.get_by_role("searchbox").fill("")
    await expect(items).to_have_count(2)
    await page.locator("body").click()
    mehmet = page.url  # the older of the two: last in the list
    await page.keyboard.press("k")
    await expect(page).not_to_have_url(mehmet)
    await expect(page.get_by_test_id("conv-status")).to_have_text("İnsan bekliyor")
    await page.keyboard.press("j")
    await expect(page).to_have_url(mehmet)
    # Not while typing.
    await page.get_by_role("searchbox").press("k")
    await expect(page).to_have_url(mehmet)

    # Both read now: the list still loads (and shows no unread badge).
    await page.reload()
    await expect(items).to_have_count(2)
    await expect(page.get_by_test_id("unread")).to_have_count(0)


async def test_masked_values_and_revealing_one(stack, page):
    await say(
        stack, "beni 0532 765 43 21 numarasından arayın lütfen", phone=NEW_PHONE, name="Zeynep"
    )
    await log_in(page)
    await page.get_by_test_id("conversation-item").first.click()
    bubble = page.locator(".msg.in .bubble").first
    await expect(bubble).not_to_contain_text("765 43 21")
    chip = bubble.locator(".pii")
    await expect(chip).to_contain_text("phone number")
    await chip.get_by_role("button", name="Göster").click()
    await expect(bubble).to_contain_text("0532 765 43 21")


async def test_a_shared_location_and_a_cart_show_as_cards(stack, page):
    """Meta-shaped location and order webhooks (tests/data/whatsapp_webhooks.json) show as a
    place card and a cart table, not as empty bubbles; a reaction lands on its message."""
    await send(stack, "location")
    await send(stack, "order")
    await log_in(page)

    await page.get_by_test_id("conversation-item").filter(has_text="Mert Çelik").click()
    place = page.get_by_test_id("location-card")
    await expect(place).to_contain_text("Moda Sahili")
    await expect(place).to_contain_text("40.990742, 29.028513")
    osm = place.get_by_role("link", name="OpenStreetMap'te aç")
    await expect(osm).to_have_attribute(
        "href",
        "https://www.openstreetmap.org/?mlat=40.990742&mlon=29.028513#map=17/40.990742/29.028513",
    )
    await expect(osm).to_have_attribute("rel", "noopener noreferrer")
    # A place is a hand-over: the AI's reply says a person will answer.
    await expect(page.get_by_test_id("conv-status")).to_have_text("İnsan bekliyor")
    await expect(page.locator(".msg.author-ai")).not_to_have_count(0)
    await screenshot(page, "inbox-location")

    await page.get_by_test_id("conversation-item").filter(has_text="Umut Sarı").click()
    cart = page.get_by_test_id("order-card")
    rows = cart.locator("tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("KTN-GML-BYZ-M")
    await expect(rows.nth(0)).to_contain_text("× 2")
    await expect(rows.nth(0)).to_contain_text("499,95 TRY")
    await expect(rows.nth(1)).to_contain_text("DRI-CZD-SYH")
    await expect(cart.get_by_test_id("order-total")).to_have_text("1.249,80 TRY")
    await expect(cart).to_contain_text("Hediye paketi olsun")
    await expect(cart).to_contain_text("Katalog: 1462753324505678")

    # The customer reacts to their cart: the emoji shows on it, live, not as a bubble.
    reaction = fixture("reaction")
    value = reaction["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = "905550000117"
    value["messages"][0]["reaction"]["message_id"] = wamid("order")
    assert (await post(stack, reaction)).status_code == 200
    order = page.get_by_test_id("message").filter(has=page.get_by_test_id("order-card"))
    await expect(order.get_by_test_id("reaction")).to_have_text("\U0001f44d")
    await expect(page.locator('[data-testid="message"][data-kind="reaction"]')).to_have_count(0)
    await screenshot(page, "inbox-cart")
