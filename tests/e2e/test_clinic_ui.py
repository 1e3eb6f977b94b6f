"""The clinic pages in the browser: the owner of Demo Diş Kliniği sees Dt. Burak Aydın's week with
the seeded appointment, marks it completed from Takvim, marks today's patient a no-show from
Bugün (the no-show rate follows), sees the waitlist; a patient who books on WhatsApp shows in the
inbox with the appointment on the card; a shop's owner sees no clinic pages."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.storage.models import Appointment, ClinicService, Customer, Doctor, Tenant
from tests.e2e.conftest import SCREENSHOTS, log_in
from tests.support.chat import say

SHOTS = SCREENSHOTS / "clinic"
ZONE = ZoneInfo("Europe/Istanbul")


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def shot(page, name: str, *, full_page: bool = True) -> None:
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


async def todays_patient(session) -> None:
    """An appointment of Fatma Şahin with Dt. Aydın that started within the last hour (today)."""
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_CLINIC.slug))
    doctor = await session.scalar(
        select(Doctor).where(Doctor.tenant_id == tenant.id, Doctor.key == "burak-aydin")
    )
    service = await session.scalar(
        select(ClinicService).where(
            ClinicService.tenant_id == tenant.id, ClinicService.key == "examination"
        )
    )
    fatma = await session.scalar(
        select(Customer).where(Customer.tenant_id == tenant.id, Customer.name == "Fatma Şahin")
    )
    now = dt.datetime.now(ZONE).replace(second=0, microsecond=0)
    start = max(now - dt.timedelta(hours=1), now.replace(hour=0, minute=1))
    session.add(
        Appointment(
            tenant_id=tenant.id,
            doctor_id=doctor.id,
            service_id=service.id,
            customer_id=fatma.id,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            blocked_from=start,
            blocked_until=start + dt.timedelta(minutes=30),
            status="booked",
            source="inbox",
            calendar_token=uuid.uuid4().hex,
        )
    )
    await session.commit()


async def test_calendar_today_and_stats(stack, session, page, shots):
    await todays_patient(session)
    await log_in(page, DEMO_CLINIC)
    await page.locator(".topbar nav").get_by_role("link", name="Klinik").click()
    await page.wait_for_url("**/clinic/calendar")
    await expect(page.get_by_role("link", name="Takvim")).to_have_class("active")
    stats = page.get_by_test_id("clinic-stats")
    await expect(stats).to_contain_text("Gelmeme oranı")
    await expect(page.get_by_test_id("clinic-value-no-show")).to_have_text("%0")
    await expect(stats).to_contain_text("Fiyat sorusu → randevu")
    await page.get_by_label("Doktor").select_option(label="Dt. Burak Aydın")
    week = page.get_by_test_id("week")
    zeynep = week.get_by_role("button", name="Zeynep Kaya")
    await expect(zeynep).to_contain_text("10:00")
    await expect(zeynep).to_contain_text("Diş taşı temizliği")
    await shot(page, "01-takvim")

    await zeynep.click()
    detail = page.get_by_test_id("appt-detail")
    await expect(detail).to_contain_text("Dt. Burak Aydın")
    await expect(detail.get_by_test_id("appt-status")).to_have_text("Randevulu")
    await shot(page, "02-takvim-detail")
    await detail.get_by_test_id("act-completed").click()
    await expect(detail.get_by_test_id("appt-status")).to_have_text("Geldi")
    await expect(zeynep).to_have_class("appt-block appt-completed selected")
    await shot(page, "03-takvim-completed")

    await page.get_by_role("link", name="Bugün").click()
    await page.wait_for_url("**/clinic/today")
    table = page.get_by_test_id("today")
    row = table.locator("tr", has_text="Fatma Şahin")
    await expect(row).to_contain_text("Muayene")
    await expect(row.get_by_test_id("appt-status")).to_have_text("Randevulu")
    await shot(page, "04-bugun")
    await row.get_by_test_id("act-no_show").click()
    await expect(row.get_by_test_id("appt-status")).to_have_text("Gelmedi")
    # Yesterday's implant came, today's examination did not: one of two.
    await expect(page.get_by_test_id("clinic-value-no-show")).to_have_text("%50")
    await row.get_by_text("Fatma Şahin").click()
    await expect(page.get_by_test_id("appt-detail")).to_contain_text("Fatma Şahin")
    await shot(page, "05-bugun-no-show")

    await page.get_by_role("link", name="Bekleme listesi").click()
    await expect(page.get_by_test_id("waitlist")).to_contain_text("Bekleme listesinde kimse yok")
    await shot(page, "06-bekleme-listesi")
    await page.get_by_role("link", name="Gösterge paneli").click()
    await page.wait_for_url("**/dashboard")
    await expect(page.get_by_test_id("headline")).to_be_visible()
    await expect(page.get_by_test_id("clinic-value-no-show")).to_have_text("%50")
    await expect(page.get_by_test_id("value-questions")).not_to_have_text("…")
    await shot(page, "07-dashboard")


async def test_a_shop_has_no_clinic_pages(page, shots):
    await log_in(page, DEMO_SHOP)
    nav = page.locator(".topbar nav")
    await expect(nav.get_by_role("link", name="Gelen kutusu")).to_be_visible()
    await expect(nav.get_by_role("link", name="Klinik")).to_have_count(0)
    await page.get_by_role("link", name="Gösterge paneli").click()
    await expect(page.get_by_test_id("headline")).to_be_visible()
    await expect(page.get_by_test_id("value-questions")).not_to_have_text("…")
    await expect(page.get_by_test_id("clinic-stats")).to_have_count(0)
    await shot(page, "08-shop-nav", full_page=False)


async def test_a_patient_books_on_whatsapp_and_the_inbox_shows_the_appointment(stack, page, shots):
    phone = "905449870011"
    offer = await say(
        stack, "dolgu için randevu almak istiyorum", phone=phone, tenant=DEMO_CLINIC, name="Can"
    )
    assert "Dt. Burak Aydın" in offer["reply"], offer
    booked = await say(stack, "ilki olsun", phone=phone, tenant=DEMO_CLINIC)
    assert "Randevunuz oluşturuldu" in booked["reply"], booked

    await log_in(page, DEMO_CLINIC)
    item = page.get_by_test_id("conversation-item").filter(has_text="Can")
    await item.click()
    await page.wait_for_url("**/inbox/*")
    await expect(
        page.get_by_test_id("message").filter(has_text="Randevunuz oluşturuldu")
    ).to_be_visible()
    card = page.get_by_test_id("customer-card")
    appointment = card.get_by_test_id("card-appointment")
    await expect(appointment).to_contain_text("Dolgu")
    await expect(appointment).to_contain_text("Dt. Burak Aydın")
    await expect(appointment).to_contain_text("Randevulu")
    await shot(page, "09-inbox-card", full_page=False)
