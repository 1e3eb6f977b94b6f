"""Login, tenant scoping, the metrics summary, tenant settings and Trendyol onboarding."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import jwt
import pytest
from sqlalchemy import func, select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.storage.models import (
    AutoReplyLog,
    Conversation,
    IntegrationAccount,
    Message,
    OrderCache,
)
from tests.conftest import TEST_SECRET
from tests.support.chat import say
from tests.support.waiting import wait_for


async def login(stack, email: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        return await client.post("/api/auth/login", json={"email": email, "password": password})


async def token_for(stack, demo=DEMO_SHOP) -> str:
    response = await login(stack, demo.owner_email, demo.owner_password)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def api(stack, method: str, path: str, token: str | None, **kwargs) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


async def test_login_and_me(stack):
    token = await token_for(stack)
    me = await api(stack, "GET", "/api/auth/me", token)

    assert me.status_code == 200
    assert me.json()["tenant_slug"] == "demo-shop"
    assert me.json()["role"] == "owner"
    claims = jwt.decode(token, options={"verify_signature": False})
    lifetime = dt.datetime.fromtimestamp(claims["exp"], dt.UTC) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=23) < lifetime <= dt.timedelta(hours=24)


@pytest.mark.parametrize(
    ("email", "password"),
    [(DEMO_SHOP.owner_email, "wrong"), ("nobody@example.com", "x"), ("", "")],
)
async def test_bad_logins_are_refused(stack, email, password):
    response = await login(stack, email, password)
    assert response.status_code in (401, 422)


async def test_missing_forged_and_expired_tokens_are_refused(stack):
    forged = jwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "tenant": str(uuid.uuid4()),
            "exp": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        },
        "another-secret-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    good = await token_for(stack)
    claims = jwt.decode(good, options={"verify_signature": False})
    from invekto.security import _jwt_key

    expired = jwt.encode(
        {**claims, "exp": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)},
        _jwt_key(TEST_SECRET),
        algorithm="HS256",
    )
    for token in (None, forged, expired, "not.a.token"):
        response = await api(stack, "GET", "/api/metrics/summary", token)
        assert response.status_code == 401


async def test_metrics_summary_counts_the_decisions(stack, session):
    await say(stack, "kargom nerede")  # answered automatically
    await say(stack, "bir yetkiliyle görüşmek istiyorum")  # handed over
    await say(stack, "Merhaba", phone="905339998877")  # answered automatically
    token = await token_for(stack)

    response = await api(stack, "GET", "/api/metrics/summary", token)

    assert response.status_code == 200
    body = response.json()
    assert body["questions_received"] == 3
    assert body["answered_automatically"] == 2
    assert body["handed_over"] == 1
    assert body["deflection_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert body["time_to_first_automated_reply_s"]["p50"] is not None
    today = [d for d in body["daily"] if d["questions_received"]]
    assert len(today) == 1 and today[0]["answered_automatically"] == 2
    assert len(body["daily"]) == 30


async def test_metrics_range_and_validation(stack):
    token = await token_for(stack)
    one_day = await api(
        stack,
        "GET",
        "/api/metrics/summary",
        token,
        params={"from": "2026-01-01", "to": "2026-01-01"},
    )
    backwards = await api(
        stack,
        "GET",
        "/api/metrics/summary",
        token,
        params={"from": "2026-02-01", "to": "2026-01-01"},
    )
    nonsense = await api(stack, "GET", "/api/metrics/summary", token, params={"from": "yesterday"})

    assert one_day.status_code == 200 and len(one_day.json()["daily"]) == 1
    assert one_day.json()["deflection_rate"] is None
    assert backwards.status_code == 422
    assert nonsense.status_code == 422


async def test_a_tenant_sees_only_its_own_metrics(stack):
    await say(stack, "kargom nerede")
    clinic_token = await token_for(stack, DEMO_CLINIC)

    body = (await api(stack, "GET", "/api/metrics/summary", clinic_token)).json()

    assert body["tenant"] == "demo-clinic"
    assert body["questions_received"] == 0


async def test_row_level_security_hides_other_tenants_rows(stack, session):
    await say(stack, "kargom nerede")
    await say(stack, "merhaba", tenant=DEMO_CLINIC)
    shop_id, clinic_id = [
        (await api(stack, "GET", "/api/auth/me", await token_for(stack, demo))).json()["tenant_id"]
        for demo in (DEMO_SHOP, DEMO_CLINIC)
    ]
    db = stack.services.db
    async with db.tenant_session(uuid.UUID(clinic_id)) as scoped:
        # No tenant filter in these queries: the database itself hides the shop's rows.
        messages = (await scoped.scalars(select(Message))).all()
        conversations = (await scoped.scalars(select(Conversation))).all()
        accounts = (await scoped.scalars(select(IntegrationAccount))).all()
        logs = await scoped.scalar(select(func.count()).select_from(AutoReplyLog))
    assert messages and all(str(m.tenant_id) == clinic_id for m in messages)
    assert len(conversations) == 1
    # The Trendyol key belongs to the shop; the clinic sees only its own (iyzico) account.
    assert {a.provider for a in accounts} == {"iyzico"}
    assert all(str(a.tenant_id) == clinic_id for a in accounts)
    assert logs == 1
    async with db.tenant_session(uuid.UUID(shop_id)) as scoped:
        providers = set(await scoped.scalars(select(IntegrationAccount.provider)))
        assert providers == {"trendyol", "paytr"}  # its marketplace and payment accounts


async def test_tenant_settings_switch_automation_off(stack):
    token = await token_for(stack)

    response = await api(
        stack, "PATCH", "/api/tenant", token, json={"automation": {"cargo_questions": False}}
    )
    turn = await say(stack, "kargom nerede")

    assert response.status_code == 200
    assert response.json()["settings"]["automation"]["cargo_questions"] is False
    assert turn["outcome"] == "suggestion"


async def test_trendyol_onboarding_test_and_connect(stack, session):
    token = await token_for(stack)
    good = {
        "seller_id": DEMO_SHOP.trendyol_seller_id,
        "api_key": DEMO_SHOP.trendyol_api_key,
        "api_secret": DEMO_SHOP.trendyol_api_secret,
    }

    ok = await api(stack, "POST", "/api/integrations/trendyol/test", token, json=good)
    wrong = await api(
        stack, "POST", "/api/integrations/trendyol/test", token, json={**good, "api_secret": "nope"}
    )
    refused = await api(
        stack, "POST", "/api/integrations/trendyol", token, json={**good, "api_secret": "nope"}
    )
    connected = await api(stack, "POST", "/api/integrations/trendyol", token, json=good)

    assert ok.json()["ok"] is True
    assert wrong.json() == {**wrong.json(), "ok": False, "reason": "invalid_credentials"}
    assert refused.status_code == 422
    assert connected.status_code == 201 and connected.json()["status"] == "connected"
    account = await session.scalar(select(IntegrationAccount))
    assert DEMO_SHOP.trendyol_api_secret not in account.credentials  # encrypted at rest

    async def synced():  # connecting starts the first order sync as a job
        numbers = set(await session.scalars(select(OrderCache.order_number)))
        return numbers if "10654400003" in numbers else None

    numbers = await wait_for(synced, timeout_s=20)
    assert {"10654400001", "10654400002", "10654400003"} <= numbers
