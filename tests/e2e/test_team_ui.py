"""The team screen: the owner invites someone (the link is shown), changes a role, deactivates,
unlocks a user locked out by wrong passwords."""

from __future__ import annotations

import httpx
from playwright.async_api import expect
from sqlalchemy import select

from invekto.sandbox.demo import DEMO_SHOP
from invekto.security import hash_password
from invekto.storage.models import Tenant, User
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


async def test_owner_unlocks_a_user_locked_out_by_wrong_passwords(stack, page):
    tenant_id = await _shop_id(stack)
    async with stack.services.db.session() as session:
        session.add(
            User(
                tenant_id=tenant_id,
                email="ajan@demo-shop.test",
                name="Ajan Deniz",
                role="agent",
                password_hash=hash_password(AGENT_PASSWORD),
            )
        )
        await session.commit()
    for n in range(5):
        assert (await _login(stack, f"yanlis-{n}")).status_code == 401
    assert (await _login(stack, AGENT_PASSWORD)).status_code == 429

    await log_in(page)
    await page.goto("/team")
    lock = page.get_by_test_id("locked-ajan@demo-shop.test")
    await expect(lock).to_contain_text("Giriş kilitli")
    await screenshot(page, "team-locked")
    await lock.get_by_role("button", name="Kilidi aç").click()
    await expect(page.get_by_test_id("locked-ajan@demo-shop.test")).to_have_count(0)

    assert (await _login(stack, AGENT_PASSWORD)).status_code == 200


AGENT_PASSWORD = "parola-2026!"


async def _shop_id(stack):
    async with stack.services.db.session() as session:
        return await session.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SHOP.slug))


async def _login(stack, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.post(
            "/api/auth/login", json={"email": "ajan@demo-shop.test", "password": password}
        )
