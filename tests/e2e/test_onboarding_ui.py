"""Sign up a new business (lands on the onboarding, resumable step by step) and go from there to
its first automated reply on the dashboard; accept an invite from its link (the new person is
logged in with the invited role)."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_dashboard_ui import _seconds
from tests.integration.test_inbox_api import api, owner_token


async def _sign_up(page, business: str, name: str, email: str) -> None:
    await page.goto("/login")
    await page.get_by_role("link", name="Yeni hesap oluştur").click()
    await page.wait_for_url("**/signup")
    await page.get_by_label("İşletme adı").fill(business)
    await page.get_by_label("Ad", exact=True).fill(name)
    await page.get_by_label("E-posta").fill(email)
    await page.get_by_label("Şifre").fill(f"{email}-2026")
    await page.get_by_role("button", name="Hesap oluştur").click()
    await page.wait_for_url("**/onboarding")


async def test_from_sign_up_to_the_first_automated_reply(stack, page):
    await _sign_up(page, "Deniz Butik", "Deniz Ak", "deniz@deniz-butik.test")
    steps = page.get_by_test_id("steps")
    await expect(steps.locator("li.next")).to_have_attribute("data-step", "trendyol")

    # Trendyol: the sandbox offers this business's own test store; a wrong key is explained.
    trendyol = steps.locator("li[data-step=trendyol]")
    await trendyol.get_by_role("button", name="Deneme bilgilerini doldur").click()
    await expect(trendyol.get_by_label("Satıcı ID", exact=True)).not_to_have_value("")
    await trendyol.get_by_label("API anahtarı", exact=True).fill("yanlis-anahtar")
    await trendyol.get_by_role("button", name="Dene", exact=True).click()
    result = trendyol.get_by_test_id("trendyol-result")
    await expect(result).to_have_class("error full")
    await expect(result).to_contain_text("API anahtarı veya gizli anahtar hatalı")
    await screenshot(page, "onboarding-trendyol-error")
    await trendyol.get_by_role("button", name="Bağla").click()  # refused the same way
    await expect(result).to_contain_text("API anahtarı veya gizli anahtar hatalı")
    await expect(steps.locator("li.next")).to_have_attribute("data-step", "trendyol")
    await trendyol.get_by_role("button", name="Deneme bilgilerini doldur").click()
    await trendyol.get_by_role("button", name="Dene", exact=True).click()
    await expect(result).to_have_text("Bağlantı başarılı: Trendyol mağazanıza erişildi.")
    await trendyol.get_by_role("button", name="Bağla").click()
    await expect(steps.locator("li[data-step=trendyol]")).to_have_class("step done")

    # WhatsApp: the number, then what to paste into Meta, then the check.
    whatsapp = steps.locator("li[data-step=whatsapp]")
    await expect(steps.locator("li.next")).to_have_attribute("data-step", "whatsapp")
    await whatsapp.get_by_label("Telefon numarası ID").fill("1099887766")
    await whatsapp.get_by_label("Görünen numara").fill("+90 555 010 20 30")
    await whatsapp.get_by_label("Erişim anahtarı (token)").fill("EAAG-deniz-butik-sandbox-token")
    await whatsapp.get_by_role("button", name="Bağla").click()
    await expect(whatsapp).to_have_class("step done")
    await expect(whatsapp).to_contain_text("/webhooks/whatsapp")
    await expect(steps.locator("li[data-step=test_message]")).to_contain_text(
        "+90 532 111 22 33 numarasından"
    )
    await whatsapp.get_by_role("button", name="Kontrol et").click()
    await expect(whatsapp).to_contain_text("Numara bağlı ve çalışıyor")
    await expect(whatsapp).not_to_contain_text("The number")  # Turkish UI, Turkish only

    # "Kargo soruları otomasyonu" on.
    cargo = steps.locator("li[data-step=cargo_automation]")
    await expect(steps.locator("li.next")).to_have_attribute("data-step", "cargo_automation")
    await cargo.get_by_role("button", name="Aç").click()
    await expect(cargo).to_have_class("step done")
    await expect(steps.locator("li.next")).to_have_attribute("data-step", "test_message")
    await screenshot(page, "onboarding-test-message")

    # "Send a test message" opens the simulator for this business; a cargo question.
    test_message = steps.locator("li[data-step=test_message]")
    async with page.context.expect_page() as opened:
        await test_message.get_by_role("link", name="Simülatörü aç").click()
    simulator = await opened.value
    await expect(simulator.locator("#tenant")).to_have_value("deniz-butik")
    await simulator.locator("#text").fill("kargom nerede")
    await simulator.locator("#text").press("Enter")
    # Answered on its own with the demo customer's order from the sandbox store.
    await expect(simulator.locator(".bubble.out").first).to_contain_text(
        "10654400001", timeout=30_000
    )
    await expect(simulator.locator(".bubble.in .turn").first).to_contain_text("auto_reply")
    await screenshot(simulator, "onboarding-simulator")
    await simulator.close()

    # Back in the set-up: every step done, with the time to the first automated reply.
    await page.reload()
    for step in ("trendyol", "whatsapp", "cargo_automation", "test_message", "first_auto_reply"):
        await expect(steps.locator(f"li[data-step={step}]")).to_have_class("step done")
    token = await page.evaluate("window.localStorage.getItem('invekto.token')")
    status = (await api(stack, "GET", "/api/onboarding", token)).json()
    assert status["next_step"] is None
    seconds = status["time_to_first_automated_reply_s"]
    assert seconds is not None and seconds >= 0
    await expect(page.get_by_test_id("onb-ttfr")).to_contain_text(
        f"İlk otomatik yanıt süresi: {_seconds(seconds)}"
    )
    await screenshot(page, "onboarding-done")

    # The dashboard shows it: one automated reply today, and its time.
    await expect(page.get_by_role("status")).to_contain_text("Kurulum tamamlandı")
    await page.get_by_test_id("onb-ttfr").get_by_role("link", name="Gösterge panelinde gör").click()
    await page.wait_for_url("**/dashboard")
    await expect(page.get_by_test_id("headline")).to_have_text("Bugün 1 mesaj otomatik cevaplandı")
    await expect(page.get_by_test_id("value-auto")).to_have_text("1")
    await expect(page.get_by_test_id("value-ttfr")).to_have_text(_seconds(seconds))
    summary = (await api(stack, "GET", "/api/metrics/summary", token)).json()
    assert summary["tenant"] == "deniz-butik"
    assert summary["answered_automatically"] == 1
    assert summary["time_to_first_automated_reply_s"]["p50"] == seconds
    assert [g["key"] for g in summary["by_intent"]] == ["order_status"]


async def test_sign_up_then_the_onboarding_steps(stack, page):
    await _sign_up(page, "Kuzey Tekstil", "Selin Kuzey", "selin@kuzey.test")
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
