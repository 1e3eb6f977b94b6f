"""Sign up a new business (lands on the onboarding, resumable step by step) and accept an
invite from its link (the new person is logged in with the invited role)."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import expect

from tests.e2e.conftest import screenshot
from tests.integration.test_inbox_api import api, owner_token


async def test_sign_up_then_the_onboarding_steps(stack, page):
    await page.goto("/login")
    await page.get_by_role("link", name="Yeni hesap oluştur").click()
    await page.wait_for_url("**/signup")
    await page.get_by_label("İşletme adı").fill("Kuzey Tekstil")
    await page.get_by_label("Ad", exact=True).fill("Selin Kuzey")
    await page.get_by_label("E-posta").fill("selin@kuzey.test")
    await page.get_by_label("Şifre").fill("kuzey-tekstil-2026")
    await page.get_by_role("button", name="Hesap oluştur").click()
    await page.wait_for_url("**/onboarding")
    await expect(page.get_by_test_id("who")).to_contain_text("Kuzey Tekstil")
    steps = page.get_by_test_id("steps")
    await expect(steps.locator("li")).to_have_count(5)
    await expect(steps.locator("li.next")).to_have_attribute("data-step", "trendyol")

    cargo = steps.locator("li[data-step=cargo_automation]")
    await expect(cargo).not_to_have_class("step done")
    await cargo.get_by_role("button", name="Aç").click()
    await expect(cargo).to_have_class("step done")
    await screenshot(page, "onboarding")

    # Resumable: a reload shows the same state.
    await page.reload()
    await expect(steps.locator("li[data-step=cargo_automation]")).to_have_class("step done")


async def test_an_invite_link_opens_the_app_and_logs_the_new_person_in(stack, page):
    token = await owner_token(stack)
    invited = await api(
        stack,
        "POST",
        "/api/team/invites",
        token,
        json={"email": "ekin@demo-shop.test", "role": "agent"},
    )
    assert invited.status_code in (200, 201), invited.text
    link = urlsplit(invited.json()["link"])
    await page.goto(f"{link.path}?{link.query}")
    await expect(page.get_by_test_id("invite-info")).to_contain_text("ekin@demo-shop.test")
    await page.get_by_label("Ad", exact=True).fill("Ekin Ay")
    await page.get_by_label("Şifre").fill("ekin-ay-2026")
    await page.get_by_role("button", name="Kabul et ve giriş yap").click()
    await page.wait_for_url("**/inbox")
    await expect(page.get_by_test_id("who")).to_contain_text("agent")

    await page.goto("/invite?token=not-a-real-invite-token")
    await expect(page.get_by_role("alert")).to_contain_text("geçersiz")


async def test_forgotten_password_reset_from_the_login_page(stack, page):
    await page.goto("/login")
    await page.get_by_role("link", name="Şifremi unuttum").click()
    await page.get_by_label("E-posta").fill("owner@demo-shop.test")
    await page.get_by_role("button", name="Sıfırlama bağlantısı gönder").click()
    status = page.get_by_role("status")
    await expect(status).to_contain_text("/reset-password?token=")
    link = urlsplit((await status.inner_text()).split()[-2])
    await page.goto(f"{link.path}?{link.query}")
    await page.get_by_label("Yeni şifre").fill("a-brand-new-secret-2026")
    await page.get_by_role("button", name="Şifreyi değiştir").click()
    await expect(page.get_by_role("status")).to_contain_text("Şifreniz değişti")
    await page.get_by_role("link", name="Giriş").click()
    await page.get_by_label("E-posta").fill("owner@demo-shop.test")
    await page.get_by_label("Şifre").fill("a-brand-new-secret-2026")
    await page.get_by_role("button", name="Giriş", exact=True).click()
    await page.wait_for_url("**/inbox")
