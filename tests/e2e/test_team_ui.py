"""The team screen: the owner invites someone (the link is shown), changes a role, deactivates."""

from __future__ import annotations

from playwright.async_api import expect

from tests.e2e.conftest import log_in, screenshot


async def test_owner_invites_and_manages_the_team(stack, page):
    await log_in(page)
    await page.get_by_role("link", name="Ekip").click()
    await page.wait_for_url("**/team")
    team = page.get_by_test_id("team")
    await expect(team).to_contain_text("owner@demo-shop.test")

    await page.get_by_role("textbox", name="E-posta").fill("deniz@demo-shop.test")
    await page.get_by_role("combobox", name="Rol", exact=True).select_option("supervisor")
    await page.get_by_role("button", name="Davet gönder").click()
    await expect(page.get_by_test_id("invite-link")).to_contain_text("http")
    invites = page.get_by_test_id("invites")
    await expect(invites).to_contain_text("deniz@demo-shop.test")
    await expect(invites).to_contain_text("Süpervizör")
    await screenshot(page, "team")

    await invites.get_by_role("button", name="Geri çek").click()
    await expect(page.get_by_test_id("invites")).to_have_count(0)
