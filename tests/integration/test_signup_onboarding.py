"""``POST /api/auth/signup`` and ``/api/onboarding``: a seller's first day from sign-up to the
first automated reply, each step resumable, roles, and another tenant's numbers."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from invekto.core.tenant_settings import TenantSettings
from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.security import hash_password
from invekto.simulate import turn_result
from invekto.storage.models import Channel, Tenant, User

PASSWORD = "parola-2026!"
NEW_NUMBER = "700100200300"
NEW_TOKEN = "EAAG-new-seller-token-0001"


async def call(stack, method: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


def signup_body(**overrides) -> dict:
    return {
        "business_name": "Ayşe'nin Butiği",
        "vertical": "ecommerce",
        "owner_name": "Ayşe Kaya",
        "email": "ayse@butik.test",
        "password": PASSWORD,
        **overrides,
    }


async def test_signup_makes_a_tenant_and_its_owner(stack, session):
    created = await call(stack, "POST", "/api/auth/signup", json=signup_body())
    token = created.json()["access_token"]
    me = await call(stack, "GET", "/api/auth/me", token)
    same_email = await call(
        stack,
        "POST",
        "/api/auth/signup",
        json=signup_body(email="AYSE@butik.test", business_name="Başka"),
    )
    demo_email = await call(
        stack, "POST", "/api/auth/signup", json=signup_body(email=DEMO_SHOP.owner_email)
    )
    same_name = await call(
        stack,
        "POST",
        "/api/auth/signup",
        json=signup_body(email="ikinci@butik.test", vertical="clinic"),
    )
    bad_vertical = await call(
        stack, "POST", "/api/auth/signup", json=signup_body(email="x@y.test", vertical="food")
    )
    weak = await call(
        stack, "POST", "/api/auth/signup", json=signup_body(email="z@y.test", password="123")
    )
    login = await call(
        stack, "POST", "/api/auth/login", json={"email": "ayse@butik.test", "password": PASSWORD}
    )

    assert created.status_code == 201, created.text
    assert created.json()["tenant"] == "aysenin-butigi"
    assert me.json()["role"] == "owner" and me.json()["tenant_name"] == "Ayşe'nin Butiği"
    assert same_email.status_code == 409 and demo_email.status_code == 409
    assert same_name.status_code == 201 and same_name.json()["tenant"] == "aysenin-butigi-2"
    assert bad_vertical.status_code == 422 and weak.status_code == 422
    assert login.status_code == 200
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == "aysenin-butigi"))
    assert (tenant.vertical, tenant.timezone) == ("ecommerce", "Europe/Istanbul")
    assert tenant.business_hours == {"days": [0, 1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"}
    settings = TenantSettings.parse(tenant.settings)
    assert settings.automation.enabled and not settings.automation.cargo_questions
    owner = await session.scalar(select(User).where(User.tenant_id == tenant.id))
    assert (owner.email, owner.role, owner.name) == ("ayse@butik.test", "owner", "Ayşe Kaya")
    assert PASSWORD not in owner.password_hash
    clinic = await session.scalar(select(Tenant).where(Tenant.slug == "aysenin-butigi-2"))
    assert clinic.vertical == "clinic"
    assert TenantSettings.parse(clinic.settings).automation_on("clinic")
    clinic_steps = await call(stack, "GET", "/api/onboarding", same_name.json()["access_token"])
    assert [s["name"] for s in clinic_steps.json()["steps"]] == [
        "whatsapp",
        "test_message",
        "first_auto_reply",
    ]
    assert clinic_steps.json()["next_step"] == "whatsapp"
    team = await call(stack, "GET", "/api/team", token)
    assert [u["email"] for u in team.json()] == ["ayse@butik.test"]


async def test_onboarding_from_signup_to_the_first_automated_reply(stack, session):
    token = (await call(stack, "POST", "/api/auth/signup", json=signup_body())).json()[
        "access_token"
    ]

    start = (await call(stack, "GET", "/api/onboarding", token)).json()
    not_yet = await call(stack, "POST", "/api/onboarding/whatsapp/check", token)
    trendyol = await call(
        stack,
        "POST",
        "/api/integrations/trendyol",
        token,
        json={
            "seller_id": str(DEMO_SHOP.trendyol_seller_id),
            "api_key": DEMO_SHOP.trendyol_api_key,
            "api_secret": DEMO_SHOP.trendyol_api_secret,
        },
    )
    connected = await call(
        stack,
        "POST",
        "/api/onboarding/whatsapp",
        token,
        json={
            "phone_number_id": NEW_NUMBER,
            "display_phone_number": "+90 555 000 11 22",
            "access_token": NEW_TOKEN,
            "app_secret": "meta-app-secret",
        },
    )
    check = await call(stack, "POST", "/api/onboarding/whatsapp/check", token)
    middle = (await call(stack, "GET", "/api/onboarding", token)).json()
    toggled = await call(
        stack, "PATCH", "/api/tenant", token, json={"automation": {"cargo_questions": True}}
    )
    before_message = (await call(stack, "GET", "/api/onboarding", token)).json()
    async with httpx.AsyncClient(timeout=30) as client:
        wa_id, posted = await post_customer_text(
            client,
            base_url=stack.base_url,
            app_secret=stack.settings.whatsapp_app_secret,
            phone_number_id=NEW_NUMBER,
            display_phone_number="+90 555 000 11 22",
            phone="905329998877",
            text="kargom nerede",
        )
    turn = await turn_result(stack.services, wa_id, timeout_s=60)
    done = (await call(stack, "GET", "/api/onboarding", token)).json()

    steps = {s["name"]: s for s in start["steps"]}
    assert [s["name"] for s in start["steps"]] == [
        "trendyol",
        "whatsapp",
        "cargo_automation",
        "test_message",
        "first_auto_reply",
    ]
    assert not any(s["done"] for s in start["steps"]) and start["next_step"] == "trendyol"
    assert (
        steps["whatsapp"]["detail"]["webhook_url"] == f"{stack.settings.base_url}/webhooks/whatsapp"
    )
    assert start["simulator_url"].endswith("/sandbox/simulator?tenant=aysenin-butigi")
    assert not_yet.json()["reason"] == "not_connected"
    assert trendyol.status_code == 201, trendyol.text
    assert connected.status_code == 200, connected.text
    assert connected.json() == {
        **connected.json(),
        "phone_number_id": NEW_NUMBER,
        "webhook_url": f"{stack.settings.base_url}/webhooks/whatsapp",
        "verify_token": stack.settings.whatsapp_verify_token,
    }
    assert (
        check.json()["ok"] is True and check.json()["display_phone_number"] == "+90 555 000 11 22"
    )
    assert middle["next_step"] == "cargo_automation"
    assert toggled.status_code == 200
    assert before_message["next_step"] == "test_message"
    assert posted.status_code == 200
    assert turn["outcome"] == "auto_reply", turn
    assert done["next_step"] is None, done
    seconds = done["time_to_first_automated_reply_s"]
    assert seconds is not None and 0 <= seconds < 60
    assert {s["name"]: s["done"] for s in done["steps"]} == dict.fromkeys(
        ("trendyol", "whatsapp", "cargo_automation", "test_message", "first_auto_reply"), True
    )
    channel = await session.scalar(select(Channel).where(Channel.phone_number_id == NEW_NUMBER))
    assert NEW_TOKEN not in channel.credentials and "meta-app-secret" not in channel.credentials
    assert stack.services.credentials.open(channel.credentials) == {
        "access_token": NEW_TOKEN,
        "app_secret": "meta-app-secret",
    }


async def test_the_whatsapp_check_says_what_is_wrong(stack, session):
    token = (await call(stack, "POST", "/api/auth/signup", json=signup_body())).json()[
        "access_token"
    ]
    number = "700100200399"
    body = {"phone_number_id": number, "access_token": "EAAG-correct-token-1"}
    await call(stack, "POST", "/api/onboarding/whatsapp", token, json=body)

    SANDBOX_GRAPH.register(number, "EAAG-another-token-9")
    wrong_token = await call(stack, "POST", "/api/onboarding/whatsapp/check", token)
    with SANDBOX_GRAPH._lock:  # as after a restart: the stand-in learns it from the database
        SANDBOX_GRAPH._numbers.pop(number)
    fine = await call(stack, "POST", "/api/onboarding/whatsapp/check", token)
    with SANDBOX_GRAPH._lock:  # a number Meta does not know (inactive: the stand-in skips it)
        SANDBOX_GRAPH._numbers.pop(number)
    channel = await session.scalar(select(Channel).where(Channel.phone_number_id == number))
    channel.active = False
    await session.commit()
    unknown = await call(stack, "POST", "/api/onboarding/whatsapp/check", token)

    assert (wrong_token.json()["ok"], wrong_token.json()["reason"]) == (False, "invalid_token")
    assert "access token" in wrong_token.json()["message"]
    assert (unknown.json()["ok"], unknown.json()["reason"]) == (False, "unknown_number")
    assert fine.json()["ok"] is True


async def test_onboarding_roles_and_another_tenants_number(stack, session):
    shop = await call(
        stack,
        "POST",
        "/api/auth/login",
        json={"email": DEMO_SHOP.owner_email, "password": DEMO_SHOP.owner_password},
    )
    token = shop.json()["access_token"]
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    session.add(
        User(
            tenant_id=tenant.id,
            email="agent@demo-shop.test",
            name="Agent",
            role="agent",
            password_hash=hash_password(PASSWORD),
        )
    )
    await session.commit()
    agent = (
        await call(
            stack,
            "POST",
            "/api/auth/login",
            json={"email": "agent@demo-shop.test", "password": PASSWORD},
        )
    ).json()["access_token"]
    body = {"phone_number_id": DEMO_CLINIC.phone_number_id, "access_token": "EAAG-stolen-0001"}

    taken = await call(stack, "POST", "/api/onboarding/whatsapp", token, json=body)
    agent_connect = await call(
        stack,
        "POST",
        "/api/onboarding/whatsapp",
        agent,
        json={**body, "phone_number_id": "700999"},
    )
    agent_check = await call(stack, "POST", "/api/onboarding/whatsapp/check", agent)
    agent_status = await call(stack, "GET", "/api/onboarding", agent)
    shop_status = (await call(stack, "GET", "/api/onboarding", token)).json()
    anonymous = await call(stack, "GET", "/api/onboarding")

    assert taken.status_code == 409 and DEMO_CLINIC.slug not in taken.text
    clinic_channel = await session.scalar(
        select(Channel).where(Channel.phone_number_id == DEMO_CLINIC.phone_number_id)
    )
    assert clinic_channel.tenant_id != tenant.id
    assert agent_connect.status_code == 403 and agent_check.status_code == 403
    assert agent_status.status_code == 200
    whatsapp = next(s for s in shop_status["steps"] if s["name"] == "whatsapp")
    assert whatsapp["done"] and whatsapp["detail"]["phone_number_id"] == DEMO_SHOP.phone_number_id
    assert shop_status["tenant"] == "demo-shop"
    assert anonymous.status_code == 401
