"""The demo world: tenants, numbers and marketplace credentials shared by the seed and the sandbox.

Tests, eval datasets and the README rely on these facts; change them only with care.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DemoTenant:
    slug: str
    name: str
    vertical: str
    phone_number_id: str
    display_phone_number: str
    access_token: str
    owner_email: str
    owner_password: str
    trendyol_seller_id: str | None = None
    trendyol_api_key: str | None = None
    trendyol_api_secret: str | None = None
    business_hours: dict = field(
        default_factory=lambda: {"days": [0, 1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}
    )
    settings: dict = field(default_factory=dict)
    """Overrides of the demo settings (``sandbox.seed.DEMO_SETTINGS``), deep-merged and validated
    (``TenantSettings.merged``)."""


DEMO_SHOP = DemoTenant(
    slug="demo-shop",
    name="Demo Butik",
    vertical="ecommerce",
    phone_number_id="1122334455",
    display_phone_number="908501234567",
    access_token="sandbox-token-demo-shop",
    owner_email="owner@demo-shop.test",
    owner_password="demo-shop-2026",
    trendyol_seller_id="2738",
    trendyol_api_key="demo-shop-api-key",
    trendyol_api_secret="demo-shop-api-secret",
)

WEEKDAY_HOURS = ["09:00-13:00", "14:00-19:00"]
SATURDAY_HOURS = ["10:00-13:00", "14:00-15:00"]
CLINIC_SETTINGS: dict[str, Any] = {
    "address": "Bağdat Caddesi No: 210, Kadıköy, İstanbul",
    "maps_url": "https://maps.google.com/?q=Ba%C4%9Fdat+Caddesi+No+210+Kad%C4%B1k%C3%B6y",
    "phone": "+90 216 555 02 10",
    "hours": {**{str(day): WEEKDAY_HOURS for day in range(5)}, "5": SATURDAY_HOURS},
    "min_notice_minutes": 120,
    "horizon_days": 30,
    "slot_step_minutes": 15,
    "free_examination": True,
    "review_url": "https://g.page/r/demo-dis-klinigi/review",
    "referral_percent": 10,
    "referral_valid_days": 90,
    "package_price": {"EUR": 400},
    "deposit": 500,
    "package_includes": {
        "tr": "anlaşmalı otelde 4 gece konaklama ve havalimanı transferleri",
        "en": "4 nights in a partner hotel and airport transfers",
        "ar": "إقامة 4 ليالٍ في فندق شريك والتنقل من المطار وإليه",
    },
}
"""``settings.clinic`` of demo-clinic: Monday–Friday 09:00–19:00, Saturday 10:00–15:00, lunch
13:00–14:00, closed on Sunday; 2 hours' notice; 30 days ahead."""

DEMO_CLINIC = DemoTenant(
    slug="demo-clinic",
    name="Demo Diş Kliniği",
    vertical="clinic",
    phone_number_id="5566778899",
    display_phone_number="908509876543",
    access_token="sandbox-token-demo-clinic",
    owner_email="owner@demo-clinic.test",
    owner_password="demo-clinic-2026",
    business_hours={"days": [0, 1, 2, 3, 4, 5], "start": "09:00", "end": "19:00"},
    settings={"clinic": CLINIC_SETTINGS},
)
"""Demo Diş Kliniği: its practice, doctors, services and patients are in ``clinic_demo``."""

DEMO_COPILOT = DemoTenant(
    slug="demo-copilot",
    name="Demo Ev Tekstili",
    vertical="ecommerce",
    phone_number_id="7788990011",
    display_phone_number="908505556677",
    access_token="sandbox-token-demo-copilot",
    owner_email="owner@demo-copilot.test",
    owner_password="demo-copilot-2026",
    settings={"automation": {"enabled": False}},
)
"""A shop that has not switched automation on yet: every reply is drafted as a suggestion for
its team (copilot mode); hand-overs still happen. No marketplace connected."""

DEMO_TENANTS = (DEMO_SHOP, DEMO_CLINIC, DEMO_COPILOT)
SANDBOX_SALES_SECRET = "sandbox-sales-secret"
"""demo-shop's ``sales.webhook_secret``: the sandbox sales inbox checks signatures with it."""

AYSE_PHONE = "905321112233"
MEHMET_PHONE = "905339998877"
NO_ORDERS_PHONE = "905551234567"
