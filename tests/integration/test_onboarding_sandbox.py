"""In the sandbox, a business that signs up gets Trendyol credentials of its own: a test store
stocked with the demo orders, so the set-up can be tried end to end; a wrong key is explained."""

from __future__ import annotations

from sqlalchemy import func, select

from invekto.sandbox.demo import DEMO_SHOP
from invekto.storage.models import OrderCache, Tenant
from tests.integration.test_signup_onboarding import call, signup_body
from tests.support.waiting import wait_for


async def _sign_up(stack, **overrides) -> str:
    response = await call(stack, "POST", "/api/auth/signup", json=signup_body(**overrides))
    assert response.status_code in (200, 201), response.text
    return response.json()["access_token"]


async def _orders(session, tenant_id) -> int:
    session.expire_all()
    return await session.scalar(
        select(func.count()).select_from(OrderCache).where(OrderCache.tenant_id == tenant_id)
    )


async def test_a_new_business_connects_its_own_sandbox_store(stack, session):
    token = await _sign_up(stack)
    other = await _sign_up(stack, business_name="Kuzey Tekstil", email="selin@kuzey.test")
    first = (await call(stack, "GET", "/api/onboarding", token)).json()["sandbox_trendyol"]
    again = (await call(stack, "GET", "/api/onboarding", token)).json()["sandbox_trendyol"]
    theirs = (await call(stack, "GET", "/api/onboarding", other)).json()["sandbox_trendyol"]

    assert first == again  # the same store each time the set-up is opened
    assert first["seller_id"] not in (theirs["seller_id"], DEMO_SHOP.trendyol_seller_id)
    assert first["customer_phone"] == "905321112233"  # the simulator's default customer
    credentials = {key: first[key] for key in ("seller_id", "api_key", "api_secret")}

    wrong = {**credentials, "api_key": "yanlis-anahtar"}
    tested = await call(stack, "POST", "/api/integrations/trendyol/test", token, json=wrong)
    assert tested.json()["ok"] is False
    assert tested.json()["reason"] == "invalid_credentials"
    assert "hatalı" in tested.json()["detail"]
    refused = await call(stack, "POST", "/api/integrations/trendyol", token, json=wrong)
    assert refused.status_code == 422
    assert refused.json()["detail"]["reason"] == "invalid_credentials"
    # Another business's sandbox key does not open this store.
    crossed = {**credentials, "api_key": theirs["api_key"], "api_secret": theirs["api_secret"]}
    assert (
        await call(stack, "POST", "/api/integrations/trendyol/test", token, json=crossed)
    ).json()["reason"] == "invalid_credentials"

    good = await call(stack, "POST", "/api/integrations/trendyol/test", token, json=credentials)
    assert good.json()["ok"] is True
    connected = await call(stack, "POST", "/api/integrations/trendyol", token, json=credentials)
    assert connected.status_code == 201, connected.text

    tenants = {t.slug: t.id for t in await session.scalars(select(Tenant))}
    demo_orders = await _orders(session, tenants[DEMO_SHOP.slug])

    async def synced() -> int:
        return await _orders(session, tenants["aysenin-butigi"])

    assert await wait_for(synced, timeout_s=30) > 0  # the demo orders, in this business's cache
    assert await _orders(session, tenants["kuzey-tekstil"]) == 0
    assert await _orders(session, tenants[DEMO_SHOP.slug]) == demo_orders
    status = (await call(stack, "GET", "/api/onboarding", token)).json()
    assert status["next_step"] == "whatsapp"


async def test_a_clinic_gets_no_marketplace_credentials(stack):
    token = await _sign_up(stack, vertical="clinic", email="dis@klinik.test")
    status = (await call(stack, "GET", "/api/onboarding", token)).json()
    assert status["sandbox_trendyol"] is None
    assert "trendyol" not in [s["name"] for s in status["steps"]]
