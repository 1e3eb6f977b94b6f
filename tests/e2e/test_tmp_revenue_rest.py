"""The sales page in a real browser: the demo shop's owner reads the period's figures (money the
Turkish way), finds an own-shop product, uploads a catalogue CSV with a good and a bad row and
reads the report, has a bundle discount above the shop's maximum refused (by the form, then by
the API when the maximum changed meanwhile), saves a valid rule, and follows a payment link to
its conversation."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path

from playwright.async_api import expect
from sqlalchemy import select

import json
from invekto.core.tenant_settings import TenantSettings
from invekto.sandbox.demo import DEMO_SHOP
from invekto.storage.models import (
    Channel,
    Conversation,
    Customer,
    Lead,
    PaymentLink,
    Recommendation,
    Tenant,
    utcnow,
)
from tests.e2e.conftest import SCREENSHOTS, log_in

SHOT = Path("/tmp/revenue-ui.png")
SHOTS = SCREENSHOTS / "revenue"
CSV = (
    "barkod;ürün adı;kategori;fiyat;stok;marj;durum\n"
    "E2E-CANTA-01;Hasır Plaj Çantası;Çanta;349,90;5;yüksek;aktif\n"
    "E2E-BOZUK-01;Bozuk Ürün;Çanta;abc;1;orta;aktif\n"
)


async def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _arrange(session) -> tuple[Tenant, uuid.UUID]:
    """A conversation of the demo shop with three recommendations, a hot lead and two payment
    links (one paid: 1,049.70 TL)."""
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    channel = await session.scalar(select(Channel).where(Channel.tenant_id == tenant.id))
    customer = Customer(tenant_id=tenant.id, phone="905330001122", name="Elif Demir", language="tr")
    session.add(customer)
    await session.flush()
    conversation = Conversation(
        tenant_id=tenant.id,
        customer_id=customer.id,
        channel_id=channel.id,
        last_message_at=utcnow(),
    )
    session.add(conversation)
    await session.flush()
    for source, state in (("bundle", "accepted"), ("bundle", "accepted"), ("cross_sell", "shown")):
        session.add(
            Recommendation(
                tenant_id=tenant.id,
                conversation_id=conversation.id,
                customer_id=customer.id,
                product_main_id="KBS-2026",
                title="Keten Bakım Spreyi",
                source=source,
                status=state,
            )
        )
    session.add(
        Lead(
            tenant_id=tenant.id, conversation_id=conversation.id, customer_id=customer.id, score=85
        )
    )
    now = utcnow()
    session.add(
        PaymentLink(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            customer_id=customer.id,
            reference="INV-E2E-PAID",
            provider="paytr",
            purpose="product",
            description="Keten Bakım Spreyi × 3, Hediye Kutusu",
            amount=Decimal("1049.70"),
            status="paid",
            url="https://sandbox.paytr.test/link/e2e-paid",
            expires_at=now + dt.timedelta(days=1),
            paid_at=now,
            paid_amount=Decimal("1049.70"),
        )
    )
    session.add(
        PaymentLink(
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            customer_id=customer.id,
            reference="INV-E2E-SENT",
            provider="paytr",
            purpose="product",
            description="Hediye Kutusu",
            amount=Decimal("59.90"),
            status="sent",
            url="https://sandbox.paytr.test/link/e2e-sent",
            expires_at=now + dt.timedelta(days=1),
        )
    )
    await session.commit()
    return tenant, conversation.id


async def test_summary_products_import_rules_and_links(stack, session, page):
    tenant, conversation_id = await _arrange(session)

    await log_in(page)

    await page.goto("/revenue/products")
    await page.screenshot(path="/tmp/revenue-ui-broken-summary.png")
    # Ürünler: the own-shop product of the demo seed.
    await page.get_by_test_id("product-search").fill("spreyi")
    row = page.get_by_test_id("product-KBS-2026")
    await expect(row).to_contain_text("Keten Bakım Spreyi")
    await expect(row.get_by_test_id("provider")).to_have_text("Kendi mağaza")
    await expect(row).to_contain_text("129,90 TL")
    await expect(page.get_by_test_id("products").locator("tbody tr")).to_have_count(1)

    # A CSV with one good and one bad row: the report says which line and why.
    await page.get_by_test_id("import-file").set_input_files(
        {"name": "urunler.csv", "mimeType": "text/csv", "buffer": CSV.encode("utf-8")}
    )
    await page.get_by_test_id("import-submit").click()
    report = page.get_by_test_id("import-report")
    await expect(report.get_by_test_id("import-rows")).to_have_text("2 satır")
    await expect(report.get_by_test_id("import-created")).to_have_text("1 yeni ürün")
    await expect(report.get_by_test_id("import-rejected")).to_have_text("1 reddedildi")
    rejected = report.get_by_test_id("import-rejected-rows").locator("tbody tr")
    await expect(rejected).to_have_count(1)
    await expect(rejected.locator("td").first).to_have_text("3")
    await expect(rejected).to_contain_text("abc")
    await page.get_by_test_id("product-search").fill("plaj")
    imported = page.get_by_test_id("product-E2E-CANTA-01")
    await expect(imported).to_contain_text("349,90 TL")
    await expect(imported.get_by_test_id("provider")).to_have_text("Kendi mağaza")
    await _shot(page, "02-products-import")

    # Kurallar: a bundle above the shop's maximum (15%) is refused by the form.
    await page.get_by_test_id("revenue-tab-rules").click()
    await page.wait_for_url("**/revenue/rules")
    await expect(page.get_by_test_id("rule-ceiling")).to_contain_text("en fazla %15")
    await page.get_by_test_id("rule-new").click()
    form = page.get_by_role("form", name="Kural formu")
    await form.get_by_label("Ad", exact=True).fill("Gömleğe bakım spreyi")
    await form.get_by_label("Tetikleyen ürün kodları").fill("KG-2026")
    await form.get_by_label("Önerilen ürün kodları").fill("KBS-2026")
    await expect(form.get_by_test_id("rule-discount-max")).to_contain_text("En fazla %15")
    discount = form.get_by_test_id("rule-discount")
    await discount.fill("20")
    await expect(form.get_by_test_id("rule-problems")).to_contain_text(
        "İndirim en fazla %15 olabilir"
    )
    await expect(form.get_by_test_id("rule-save")).to_be_disabled()
    await _shot(page, "03-rule-refused-by-form")

    # The maximum drops to 10% while the form is open: the API refuses 12% and says why, and
    # the form learns the new maximum.
    tenant.settings = (
        TenantSettings.parse(tenant.settings).merged({"discounts": {"max_percent": 10}}).to_json()
    )
    await session.commit()
    await discount.fill("12")
    await form.get_by_test_id("rule-save").click()
    await expect(form.get_by_test_id("rule-error")).to_contain_text("over the tenant's maximum")
    await expect(form.get_by_test_id("rule-discount-max")).to_contain_text("En fazla %10")
    await expect(form.get_by_test_id("rule-save")).to_be_disabled()
    await _shot(page, "04-rule-refused-by-api")

    await discount.fill("10")
    await form.get_by_test_id("rule-save").click()
    await expect(page.get_by_role("form", name="Kural formu")).to_have_count(0)
    rule = page.get_by_test_id("rule-Gömleğe bakım spreyi")
    await expect(rule).to_contain_text("Paket")
    await expect(rule).to_contain_text("→ Keten Bakım Spreyi ürünü")
    await expect(rule).to_contain_text("%10")
    await _shot(page, "05-rules")

    # Ödeme linkleri: the paid link, its amount and its conversation.
    await page.get_by_test_id("revenue-tab-links").click()
    await page.wait_for_url("**/revenue/links")
    paid = page.get_by_test_id("link-INV-E2E-PAID")
    await expect(paid.get_by_test_id("link-status")).to_have_text("Ödendi")
    await expect(paid).to_contain_text("1.049,70 TL")
    await expect(
        page.get_by_test_id("link-INV-E2E-SENT").get_by_test_id("link-status")
    ).to_have_text("Gönderildi")
    await _shot(page, "06-links")
    await paid.get_by_test_id("link-conversation").click()
    await page.wait_for_url(f"**/inbox/{conversation_id}")

    summary = {
        "days": 30,
        "recommendations": {
            "shown": 3,
            "accepted": 2,
            "rejected": 0,
            "acceptance_rate": 0.6667,
            "by_source": {
                "bundle": {"shown": 2, "accepted": 2, "rejected": 0},
                "cross_sell": {"shown": 1, "accepted": 0, "rejected": 0},
            },
        },
        "payment_links": {
            "by_status": {"paid": 1, "sent": 1},
            "created": 2,
            "paid": 1,
            "revenue": "1049.70",
            "daily": [
                {"day": utcnow().date().isoformat(), "revenue": "1049.70"},
                {"day": (utcnow() - dt.timedelta(days=3)).date().isoformat(), "revenue": "259.80"},
            ],
        },
        "leads": {"hot": 1},
        "carts": {"recovered": 0, "recovered_total": "0"},
    }

    async def fulfil(route):
        await route.fulfill(status=200, content_type="application/json", body=json.dumps(summary))

    await page.route("**/api/revenue/summary*", fulfil)
    await page.goto("/revenue")
    await expect(page.get_by_test_id("rev-value-revenue")).to_have_text("1.049,70 TL")
    await page.screenshot(path="/tmp/revenue-ui-summary-stubbed.png", full_page=True)
    await page.get_by_role("button", name="EN").click()
    await page.screenshot(path="/tmp/revenue-ui-summary-stubbed-en.png", full_page=True)
