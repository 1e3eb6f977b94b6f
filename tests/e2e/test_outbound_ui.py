"""Templates, automations and campaigns in the browser: the owner writes a template (the
preview follows), submits it (the sandbox approves it), makes a rule from it, and builds a
campaign audience whose live count answers."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from invekto.core.tenant_settings import TenantSettings
from invekto.sandbox.demo import DEMO_SHOP
from invekto.storage.models import Customer, Tenant
from tests.e2e.conftest import SCREENSHOTS, log_in

SHOTS = SCREENSHOTS / "outbound"


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def shot(page, name: str, *, full_page: bool = True) -> None:
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


async def test_template_rule_and_campaign_audience(stack, session, page, shots):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    # The campaign is launched now and must go out now, whatever the time of day in Istanbul:
    # no quiet hours (the dispatcher's own tests cover them with a fake clock).
    tenant.settings = (
        TenantSettings.parse(tenant.settings)
        .merged({"outbound": {"quiet_hours": {"start": "00:00", "end": "00:00"}}})
        .to_json()
    )
    for name in ("Ayşe Yılmaz", "Mehmet Kaya", "Zeynep Çelik"):
        session.add(
            Customer(
                tenant_id=tenant.id,
                phone=f"90533{uuid.uuid4().int % 10**7:07d}",
                name=name,
                language="tr",
                tags=["kis_vip"],
            )
        )
    await session.commit()

    await log_in(page)
    await page.get_by_role("link", name="Şablonlar").click()
    await page.wait_for_url("**/outbound/templates")
    await expect(page.get_by_test_id("templates")).to_contain_text("siparis_kargoda")
    await shot(page, "01-templates-list")
    # The seed plan's flows come as 18 drafts (6 templates × tr/en/ar): one click submits them.
    await page.get_by_role("button", name="Taslakların hepsini onaya gönder (18)").click()
    await expect(page.get_by_text("18 şablon WhatsApp'a gönderildi")).to_be_visible()
    flow_row = page.get_by_test_id("template-memnuniyet_kontrol-tr")
    await expect(flow_row.get_by_test_id("template-status")).to_have_text(
        "Onaylandı", timeout=15_000
    )

    # A new template: typed variables, the preview follows what is typed.
    await page.get_by_role("button", name="Yeni şablon").click()
    form = page.get_by_role("form", name="Şablon formu")
    await form.get_by_label("Ad", exact=True).fill("kis_kampanyasi")
    await form.get_by_label("Kategori").select_option("MARKETING")
    await form.get_by_label("Başlık (isteğe bağlı)").fill("Kış indirimi başladı")
    await form.get_by_label("Metin", exact=True).fill("Merhaba ")
    await form.get_by_role("button", name="+ Değişken ekle").click()
    await form.get_by_label("Değişken adı").fill("first_name")
    await form.get_by_label("Metin", exact=True).press("End")
    await form.get_by_label("Metin", exact=True).type(", tüm ürünlerde %20 indirim sizi bekliyor!")
    await form.get_by_label("Alt bilgi (isteğe bağlı)").fill("Demo Mağaza")
    await form.get_by_role("button", name="+ Buton ekle").click()
    await form.get_by_label("Buton yazısı").fill("Bana haber ver")
    preview = page.get_by_test_id("wa-preview")
    await expect(preview).to_contain_text("Merhaba Ayşe, tüm ürünlerde %20 indirim sizi bekliyor!")
    await expect(preview).to_contain_text("Bana haber ver")
    await shot(page, "02-template-form")
    await form.get_by_role("button", name="Taslağı kaydet").click()

    row = page.get_by_test_id("template-kis_kampanyasi-tr")
    await expect(row.get_by_test_id("template-status")).to_have_text("Taslak")
    await row.get_by_role("button", name="Onaya gönder").click()
    await expect(page.get_by_text("kis_kampanyasi WhatsApp'a gönderildi")).to_be_visible()
    # The sandbox approves at once; its webhook lands and the list, polling while a template
    # is pending, shows it.
    await expect(row.get_by_test_id("template-status")).to_have_text("Onaylandı")
    await shot(page, "03-template-approved")

    # A rule: the built-in flows are there; a new one from the approved template.
    await page.get_by_role("link", name="Otomasyonlar").click()
    await page.wait_for_url("**/outbound/automations")
    rules = page.get_by_test_id("rules")
    await expect(rules).to_contain_text("Teslimat sonrası memnuniyet")
    await expect(rules).to_contain_text("hazır akış")
    await page.get_by_role("button", name="Yeni otomasyon").click()
    form = page.get_by_role("form", name="Otomasyon formu")
    await form.get_by_label("Ad", exact=True).fill("Teslimattan sonra kış indirimi")
    await form.get_by_label("Tetikleyici").select_option("order_delivered")
    await form.get_by_label("Gecikme").fill("2")
    await form.get_by_label("Birim").select_option("days")
    await form.get_by_label("Şablon", exact=True).select_option("kis_kampanyasi")
    await form.get_by_label("first_name kaynağı").select_option("customer_name")
    await form.get_by_role("button", name="+ Koşul ekle").click()
    await form.get_by_label("Koşul alanı").select_option("category")
    await form.get_by_label("Karşılaştırma").select_option("contains")
    await form.get_by_label("Koşul değeri").fill("Mont")
    await shot(page, "04-rule-form")
    await form.get_by_role("button", name="Kaydet").click()
    mine = page.get_by_test_id("rule-Teslimattan sonra kış indirimi")
    await expect(mine).to_contain_text("2 gün sonra")
    await expect(mine).to_contain_text("koşul: Kategori içerir Mont")
    await expect(mine.get_by_role("switch")).to_be_checked()
    await mine.get_by_role("switch").click()
    await expect(mine.get_by_role("switch")).not_to_be_checked()
    await shot(page, "05-rules")

    # A campaign: the audience's live count.
    await page.get_by_role("link", name="Kampanyalar").click()
    await page.wait_for_url("**/outbound/campaigns")
    await page.get_by_role("button", name="Yeni kampanya").click()
    form = page.get_by_role("form", name="Kampanya formu")
    count = page.get_by_test_id("audience-count")
    await expect(count).not_to_have_text("…")
    await form.get_by_label("Etiketler (virgülle)").fill("kis_vip")
    await expect(count).to_have_text("3")
    await expect(page.get_by_test_id("audience-sample")).to_contain_text("Mehmet Kaya")
    await form.get_by_label("Ad", exact=True).fill("Kış kampanyası")
    await form.get_by_label("Şablon A").select_option("kis_kampanyasi")
    await form.get_by_label("first_name kaynağı").select_option("first_name")
    await shot(page, "06-campaign-builder")
    await form.get_by_role("button", name="Taslağı kaydet").click()
    detail = page.get_by_test_id("campaign-detail")
    await expect(detail).to_contain_text("Kış kampanyası")
    await expect(detail.get_by_role("button", name="Şimdi başlat")).to_be_visible()
    await shot(page, "07-campaign-draft")
    await detail.get_by_role("button", name="Şimdi başlat").click()
    await expect(detail.locator(".badge")).to_have_text(re.compile("Gönderiliyor|Tamamlandı"))
    await expect(detail.get_by_test_id("campaign-stats")).to_be_visible()
    await detail.get_by_text("Gönderimler (3)").click()
    await expect(detail.get_by_test_id("campaign-sends")).to_contain_text("Zeynep Çelik")
    # The worker's dispatcher sends them; the running campaign's page follows by itself.
    await expect(detail.get_by_test_id("campaign-sends")).not_to_contain_text(
        "gönderiliyor", timeout=30_000
    )
    await expect(detail.get_by_test_id("campaign-sends")).not_to_contain_text(
        "sırada", timeout=30_000
    )
    await expect(detail.get_by_test_id("campaign-sends")).to_contain_text(
        re.compile("gönderildi|iletildi|okundu")
    )
    await expect(detail.get_by_test_id("stat-A-sent")).to_have_text("3", timeout=15_000)
    await shot(page, "08-campaign-running")

    # The same pages in English.
    await page.get_by_role("button", name="EN", exact=True).click()
    await expect(page.get_by_role("link", name="Campaigns")).to_be_visible()
    await expect(page.get_by_test_id("opt-outs")).to_contain_text("Stopped marketing")
    await shot(page, "09-campaigns-en")
    await page.get_by_role("link", name="Automations").click()
    await expect(page.get_by_test_id("rules")).to_contain_text("Order delivered")
    await shot(page, "10-automations-en")
