"""``/api/outbound``: templates, rules, campaigns, sends and consent through the HTTP API —
CRUD, validation errors (4xx with a reason, never a 500), roles, another tenant's ids (404) and
campaign state errors (409)."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from sqlalchemy import select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.sandbox.graph import SANDBOX_GRAPH
from invekto.security import hash_password
from invekto.storage.models import (
    Campaign,
    ConsentEvent,
    Customer,
    OutboundRule,
    Tenant,
    User,
    WaTemplate,
)
from tests.support.waiting import wait_for

PASSWORD = "parola-2026!"
API = "/api/outbound"

SHIPPED = {
    "name": "kargo_bildirimi",
    "language": "tr",
    "category": "UTILITY",
    "variables": [
        {"name": "customer_name", "type": "text", "example": "Ayşe"},
        {"name": "order_number", "type": "number", "example": "10654400003"},
    ],
    "header": "Kargonuz yolda",
    "body": "Merhaba {{1}}, {{2}} numaralı siparişiniz kargoya verildi. İyi günler!",
    "footer": "Invekto Demo",
    "buttons": [{"type": "quick_reply", "text": "Teşekkürler", "payload": "THANKS"}],
}
OFFER = {
    "name": "kis_indirimi",
    "language": "tr",
    "category": "MARKETING",
    "variables": [{"name": "first_name", "type": "text", "example": "Ayşe"}],
    "body": "Merhaba {{1}}, kış indirimi başladı: tüm ürünlerde %20!",
}


async def call(stack, method: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= kwargs.pop("headers", None) or {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


async def token_for(stack, email: str, password: str) -> str:
    response = await call(
        stack, "POST", "/api/auth/login", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def owner_token(stack, demo=DEMO_SHOP) -> str:
    return await token_for(stack, demo.owner_email, demo.owner_password)


async def tenant_of(session, demo=DEMO_SHOP) -> Tenant:
    return await session.scalar(select(Tenant).where(Tenant.slug == demo.slug))


async def user_token(stack, session, role: str, demo=DEMO_SHOP) -> str:
    tenant = await tenant_of(session, demo)
    email = f"{role}-{uuid.uuid4().hex[:6]}@{demo.slug}.test"
    session.add(
        User(
            tenant_id=tenant.id,
            email=email,
            name=role.title(),
            role=role,
            active=True,
            password_hash=hash_password(PASSWORD),
        )
    )
    await session.commit()
    return await token_for(stack, email, PASSWORD)


async def create_template(stack, token: str, spec: dict) -> dict:
    response = await call(stack, "POST", f"{API}/templates", token, json=spec)
    assert response.status_code == 201, response.text
    return response.json()


async def add_customers(session, tenant: Tenant, rows: list[tuple[str, list[str], bool]]):
    made = []
    for name, tags, opted_out in rows:
        customer = Customer(
            tenant_id=tenant.id,
            phone=f"90555{uuid.uuid4().int % 10**7:07d}",
            name=name,
            language="tr",
            tags=tags,
            marketing_opt_out_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC) if opted_out else None,
        )
        session.add(customer)
        made.append(customer)
    await session.commit()
    return made


# --- templates ----------------------------------------------------------------------------------


async def test_template_draft_edit_preview_submit_and_approval(stack):
    token = await owner_token(stack)

    created = await create_template(stack, token, SHIPPED)
    again = await call(stack, "POST", f"{API}/templates", token, json=SHIPPED)
    bad_name = await call(
        stack, "POST", f"{API}/templates", token, json={**SHIPPED, "name": "Kargo Bildirimi"}
    )
    ends_with_var = await call(
        stack,
        "POST",
        f"{API}/templates",
        token,
        json={**SHIPPED, "name": "kotu", "body": "Merhaba {{1}}, sipariş {{2}}"},
    )
    preview = await call(
        stack, "GET", f"{API}/templates/{created['id']}/preview", token, params={"x": "y"}
    )
    named = await call(
        stack,
        "GET",
        f"{API}/templates/{created['id']}/preview",
        token,
        params={"customer_name": "Mehmet"},
    )
    edited = await call(
        stack,
        "PUT",
        f"{API}/templates/{created['id']}",
        token,
        json={**SHIPPED, "footer": "Demo Mağaza"},
    )

    assert created["status"] == "DRAFT" and created["editable"] is True
    assert created["body"] == SHIPPED["body"] and created["header"] == "Kargonuz yolda"
    assert [v["name"] for v in created["variables"]] == ["customer_name", "order_number"]
    assert created["buttons"][0]["text"] == "Teşekkürler"
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    assert bad_name.status_code == 422
    assert ends_with_var.status_code == 422
    assert "Merhaba Ayşe, 10654400003 numaralı" in preview.json()["text"]
    assert "Merhaba Mehmet," in named.json()["text"]
    assert edited.status_code == 200 and edited.json()["footer"] == "Demo Mağaza"

    submitted = await call(stack, "POST", f"{API}/templates/{created['id']}/submit", token)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] in ("PENDING", "APPROVED")
    assert submitted.json()["meta_template_id"]

    async def approved():
        found = await call(stack, "GET", f"{API}/templates/{created['id']}", token)
        return found.json() if found.json()["status"] == "APPROVED" else None

    row = await wait_for(approved)
    assert row["editable"] is False
    listed = await call(stack, "GET", f"{API}/templates", token, params={"status": "approved"})
    resubmit = await call(stack, "POST", f"{API}/templates/{created['id']}/submit", token)
    put = await call(stack, "PUT", f"{API}/templates/{created['id']}", token, json=SHIPPED)
    delete = await call(stack, "DELETE", f"{API}/templates/{created['id']}", token)
    assert [t["name"] for t in listed.json()] == ["kargo_bildirimi"]
    assert resubmit.status_code == put.status_code == delete.status_code == 409


async def test_a_rejected_template_shows_its_reason_and_can_be_fixed(stack):
    SANDBOX_GRAPH.template_review = "manual"
    token = await owner_token(stack)
    created = await create_template(stack, token, OFFER)
    submitted = await call(stack, "POST", f"{API}/templates/{created['id']}/submit", token)
    assert submitted.json()["status"] == "PENDING"

    await SANDBOX_GRAPH.review_template(
        name="kis_indirimi", language="tr", action="reject", reason="INVALID_FORMAT"
    )

    async def rejected():
        found = await call(stack, "GET", f"{API}/templates/{created['id']}", token)
        return found.json() if found.json()["status"] == "REJECTED" else None

    row = await wait_for(rejected)
    fixed = await call(
        stack,
        "PUT",
        f"{API}/templates/{created['id']}",
        token,
        json={**OFFER, "body": "Merhaba {{1}}, kış indirimi başladı."},
    )
    assert "INVALID_FORMAT" in (row["reason"] or "")
    assert row["editable"] is True
    assert fixed.status_code == 200 and fixed.json()["status"] == "DRAFT"
    assert [h["event"] for h in fixed.json()["history"]][-1] == "EDITED"


async def test_submit_without_a_connected_number_is_a_409(stack, session):
    token = await owner_token(stack)
    created = await create_template(stack, token, OFFER)
    tenant = await tenant_of(session)
    from invekto.storage.models import Channel

    for channel in await session.scalars(select(Channel).where(Channel.tenant_id == tenant.id)):
        channel.active = False
    await session.commit()

    answer = await call(stack, "POST", f"{API}/templates/{created['id']}/submit", token)
    assert answer.status_code == 409 and "WhatsApp" in answer.json()["detail"]


# --- rules --------------------------------------------------------------------------------------


def rule(**overrides):
    return {
        "name": "Kargom yolda",
        "trigger": "order_shipped",
        "template_name": "kargo_bildirimi",
        "variables": {
            "customer_name": {"field": "customer_name"},
            "order_number": {"field": "order_number"},
        },
        "delay_minutes": 0,
        **overrides,
    }


async def test_rules_are_validated_and_managed(stack, session):
    token = await owner_token(stack)
    await create_template(stack, token, SHIPPED)

    triggers = await call(stack, "GET", f"{API}/triggers", token)
    cases = {
        "unknown trigger": rule(trigger="order_lost"),
        "schedule without a schedule": rule(trigger="schedule"),
        "schedule on an event": rule(schedule={"every": "day", "at": "10:00"}),
        "weekly without a weekday": rule(
            trigger="schedule", schedule={"every": "week", "at": "10:00"}
        ),
        "no such template": rule(template_name="yok_boyle"),
        "unmapped variable": rule(variables={"customer_name": {"field": "customer_name"}}),
        "unknown field": rule(
            variables={"customer_name": {"field": "iban"}, "order_number": {"value": "1"}}
        ),
        "extra variable": rule(variables={**rule()["variables"], "coupon": {"value": "KIS20"}}),
        "too long a delay": rule(delay_minutes=60 * 24 * 61),
        "both a field and a value": rule(
            variables={"customer_name": {"field": "customer_name", "value": "x"}}
        ),
        "a bad condition": rule(condition={"rating": 2}),
    }
    answers = {
        name: await call(stack, "POST", f"{API}/rules", token, json=body)
        for name, body in cases.items()
    }
    created = await call(stack, "POST", f"{API}/rules", token, json=rule(delay_minutes=60 * 24 * 3))
    duplicate = await call(stack, "POST", f"{API}/rules", token, json=rule())
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    off = await call(
        stack, "POST", f"{API}/rules/{rule_id}/enabled", token, json={"enabled": False}
    )
    edited = await call(
        stack,
        "PUT",
        f"{API}/rules/{rule_id}",
        token,
        json=rule(
            name="Haftalık hatırlatma",
            trigger="schedule",
            schedule={"every": "week", "at": "10:30", "weekday": 2},
            variables={"customer_name": {"field": "customer_name"}, "order_number": {"value": "-"}},
            condition={"all": [{"field": "customer_name", "op": "exists"}]},
        ),
    )
    listed = await call(stack, "GET", f"{API}/rules", token)

    kinds = [t["kind"] for t in triggers.json()]
    assert "order_shipped" in kinds and kinds[-1] == "schedule"
    shipped = next(t for t in triggers.json() if t["kind"] == "order_shipped")
    assert "order_number" in shipped["fields"]
    for name, answer in answers.items():
        assert answer.status_code == 422, (name, answer.text)
        assert answer.json()["detail"], name
    assert "order_lost" in answers["unknown trigger"].json()["detail"]
    assert "order_number" in answers["unmapped variable"].json()["detail"]
    assert created.status_code == 201, created.text
    assert created.json()["delay_minutes"] == 4320 and created.json()["builtin"] is False
    assert duplicate.status_code == 409
    assert off.json()["enabled"] is False
    assert edited.status_code == 200, edited.text
    assert edited.json()["schedule"] == {"every": "week", "at": "10:30", "weekday": 2}
    assert edited.json()["variables"]["order_number"] == {"value": "-"}
    mine = [r["name"] for r in listed.json() if not r["builtin"]]
    builtins = [r for r in listed.json() if r["builtin"]]
    assert mine == ["Haftalık hatırlatma"]
    assert builtins and listed.json()[: len(builtins)] == builtins  # the flows come first

    templates = (await call(stack, "GET", f"{API}/templates", token)).json()
    used = next(t for t in templates if t["name"] == "kargo_bildirimi")
    in_use = await call(stack, "DELETE", f"{API}/templates/{used['id']}", token)
    assert in_use.status_code == 409 and "Haftalık hatırlatma" in in_use.json()["detail"]

    deleted = await call(stack, "DELETE", f"{API}/rules/{rule_id}", token)
    gone = await call(stack, "PUT", f"{API}/rules/{rule_id}", token, json=rule())
    assert deleted.status_code == 204 and gone.status_code == 404


async def test_a_built_in_flow_is_turned_off_not_deleted(stack, session):
    token = await owner_token(stack)
    tenant = await tenant_of(session)
    builtin = await session.scalar(
        select(OutboundRule).where(
            OutboundRule.tenant_id == tenant.id, OutboundRule.flow == "shipping_update"
        )
    )
    templates = (await call(stack, "GET", f"{API}/templates", token)).json()
    shipping = next(t for t in templates if t["name"] == builtin.template_name)
    mapping = {v["name"]: {"field": "order_number"} for v in shipping["variables"]}

    delete = await call(stack, "DELETE", f"{API}/rules/{builtin.id}", token)
    retrigger = await call(
        stack,
        "PUT",
        f"{API}/rules/{builtin.id}",
        token,
        json=rule(
            name=builtin.name,
            trigger="order_delivered",
            template_name=builtin.template_name,
            variables=mapping,
        ),
    )
    delayed = await call(
        stack,
        "PUT",
        f"{API}/rules/{builtin.id}",
        token,
        json=rule(
            name=builtin.name,
            template_name=builtin.template_name,
            variables=mapping,
            delay_minutes=30,
        ),
    )
    off = await call(
        stack, "POST", f"{API}/rules/{builtin.id}/enabled", token, json={"enabled": False}
    )
    listed = (await call(stack, "GET", f"{API}/rules", token)).json()

    assert delete.status_code == 409 and "turn it off" in delete.json()["detail"]
    assert retrigger.status_code == 422
    assert delayed.status_code == 200, delayed.text
    assert delayed.json()["flow"] == "shipping_update" and delayed.json()["delay_minutes"] == 30
    assert off.status_code == 200 and off.json()["enabled"] is False
    mine = next(r for r in listed if r["id"] == str(builtin.id))
    assert mine["builtin"] is True and mine["flow"] == "shipping_update"


# --- campaigns ----------------------------------------------------------------------------------


def campaign(**overrides):
    return {
        "name": "Kış indirimi",
        "audience": {"tags": ["vip"]},
        "template_a": "kis_indirimi",
        "variables": {"first_name": {"field": "first_name", "default": "Merhaba"}},
        **overrides,
    }


async def test_campaign_audience_draft_and_its_states(stack, session):
    token = await owner_token(stack)
    await create_template(stack, token, OFFER)
    tenant = await tenant_of(session)
    await add_customers(
        session,
        tenant,
        [
            ("Ayşe Yılmaz", ["vip"], False),
            ("Can Demir", ["vip", "b2b"], False),
            ("Ece", ["vip"], True),
        ],
    )

    preview = await call(
        stack, "POST", f"{API}/campaigns/preview", token, json={"audience": {"tags": ["vip"]}}
    )
    bad_audience = await call(
        stack, "POST", f"{API}/campaigns/preview", token, json={"audience": {"language": "de"}}
    )
    no_template = await call(
        stack, "POST", f"{API}/campaigns", token, json=campaign(template_a="yok_boyle")
    )
    unmapped = await call(stack, "POST", f"{API}/campaigns", token, json=campaign(variables={}))
    bad_field = await call(
        stack,
        "POST",
        f"{API}/campaigns",
        token,
        json=campaign(variables={"first_name": {"field": "iban"}}),
    )
    same_twice = await call(
        stack, "POST", f"{API}/campaigns", token, json=campaign(template_b="kis_indirimi")
    )
    created = await call(stack, "POST", f"{API}/campaigns", token, json=campaign())

    assert preview.status_code == 200, preview.text
    assert preview.json()["count"] == 2 and preview.json()["opted_out_excluded"] == 1
    assert {p["name"] for p in preview.json()["sample"]} == {"Ayşe Yılmaz", "Can Demir"}
    assert all("*" in p["phone"] for p in preview.json()["sample"])
    assert bad_audience.status_code == 422
    assert no_template.status_code == 422 and "yok_boyle" in no_template.json()["detail"]
    assert unmapped.status_code == 422 and bad_field.status_code == 422
    assert same_twice.status_code == 422
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["audience"]["tags"] == ["vip"]
    campaign_id = body["id"]

    edited = await call(
        stack, "PUT", f"{API}/campaigns/{campaign_id}", token, json=campaign(split_percent=30)
    )
    past = await call(
        stack,
        "POST",
        f"{API}/campaigns/{campaign_id}/schedule",
        token,
        json={"at": "2020-01-01T10:00:00+03:00"},
    )
    naive = await call(
        stack,
        "POST",
        f"{API}/campaigns/{campaign_id}/schedule",
        token,
        json={"at": "2099-01-01T10:00:00"},
    )
    resume_draft = await call(stack, "POST", f"{API}/campaigns/{campaign_id}/resume", token)
    assert edited.status_code == 200 and edited.json()["split_percent"] == 30
    assert past.status_code == 409 and "past" in past.json()["detail"]
    assert naive.status_code == 422
    assert resume_draft.status_code == 409 and "draft" in resume_draft.json()["detail"]

    scheduled = await call(
        stack,
        "POST",
        f"{API}/campaigns/{campaign_id}/schedule",
        token,
        json={"at": "2099-01-01T10:00:00+03:00"},
    )
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled" and scheduled.json()["recipients"] == 2
    put = await call(stack, "PUT", f"{API}/campaigns/{campaign_id}", token, json=campaign())
    delete = await call(stack, "DELETE", f"{API}/campaigns/{campaign_id}", token)
    paused = await call(stack, "POST", f"{API}/campaigns/{campaign_id}/pause", token)
    paused_again = await call(stack, "POST", f"{API}/campaigns/{campaign_id}/pause", token)
    resumed = await call(stack, "POST", f"{API}/campaigns/{campaign_id}/resume", token)
    stats = await call(stack, "GET", f"{API}/campaigns/{campaign_id}/stats", token)
    sends = await call(stack, "GET", f"{API}/sends", token, params={"campaign": campaign_id})
    cancelled = await call(stack, "POST", f"{API}/campaigns/{campaign_id}/cancel", token)
    cancelled_again = await call(stack, "POST", f"{API}/campaigns/{campaign_id}/cancel", token)
    launch = await call(stack, "POST", f"{API}/campaigns/{campaign_id}/launch", token)
    after = await call(
        stack, "GET", f"{API}/sends", token, params={"campaign": campaign_id, "status": "cancelled"}
    )

    assert put.status_code == 409 and delete.status_code == 409
    assert paused.json()["status"] == "paused"
    assert paused_again.status_code == 409
    assert resumed.json()["status"] == "scheduled"
    assert stats.status_code == 200, stats.text
    figures = stats.json()
    assert figures["total"]["recipients"] == 2 and figures["total"]["sent"] == 0
    assert [v["variant"] for v in figures["variants"]] == ["A"]
    assert figures["roi"] is None and figures["cost"] == 0
    page = sends.json()
    assert page["total"] == 2 and page["next_offset"] is None
    assert {s["status"] for s in page["items"]} == {"scheduled"}
    assert all("*" in s["customer_phone"] and s["flow"] == "campaign" for s in page["items"])
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled_again.status_code == 409 and launch.status_code == 409
    assert after.json()["total"] == 2


async def test_a_draft_campaign_is_deleted_and_launched_ones_run(stack, session):
    token = await owner_token(stack)
    await create_template(stack, token, OFFER)
    tenant = await tenant_of(session)
    await add_customers(session, tenant, [("Ayşe", ["vip"], False)])
    doomed = (await call(stack, "POST", f"{API}/campaigns", token, json=campaign())).json()
    kept = (
        await call(stack, "POST", f"{API}/campaigns", token, json=campaign(name="Yılbaşı"))
    ).json()

    deleted = await call(stack, "DELETE", f"{API}/campaigns/{doomed['id']}", token)
    missing = await call(stack, "GET", f"{API}/campaigns/{doomed['id']}", token)
    launched = await call(stack, "POST", f"{API}/campaigns/{kept['id']}/launch", token)
    listed = await call(stack, "GET", f"{API}/campaigns", token)

    assert deleted.status_code == 204 and missing.status_code == 404
    assert launched.status_code == 200, launched.text
    assert launched.json()["status"] == "running" and launched.json()["recipients"] == 1
    assert [c["name"] for c in listed.json()] == ["Yılbaşı"]


# --- consent ------------------------------------------------------------------------------------


async def test_an_agent_records_an_opt_out_and_it_is_listed(stack, session):
    tenant = await tenant_of(session)
    [ayse, can] = await add_customers(
        session, tenant, [("Ayşe", ["vip"], False), ("Can", [], False)]
    )
    agent = await user_token(stack, session, "agent")

    stop = await call(stack, "POST", f"{API}/consent/{ayse.id}", agent, json={"action": "stop"})
    stop_again = await call(
        stack, "POST", f"{API}/consent/{ayse.id}", agent, json={"action": "stop"}
    )
    await call(stack, "POST", f"{API}/consent/{can.id}", agent, json={"action": "stop"})
    resume = await call(
        stack,
        "POST",
        f"{API}/consent/{can.id}",
        agent,
        json={"action": "resume", "detail": "telefonda istedi"},
    )
    bad = await call(stack, "POST", f"{API}/consent/{ayse.id}", agent, json={"action": "maybe"})
    nobody = await call(
        stack, "POST", f"{API}/consent/{uuid.uuid4()}", agent, json={"action": "stop"}
    )
    history = await call(stack, "GET", f"{API}/consent", agent)
    current = await call(stack, "GET", f"{API}/consent", agent, params={"opted_out": "true"})

    assert stop.status_code == 200, stop.text
    assert stop.json()["changed"] is True and stop.json()["opted_out"] is True
    assert stop_again.json()["changed"] is False
    assert resume.json() == {
        "customer_id": str(can.id),
        "changed": True,
        "opted_out": False,
        "marketing_opt_out_at": None,
    }
    assert bad.status_code == 422 and nobody.status_code == 404
    items = history.json()["items"]
    assert history.json()["total"] == 4
    assert {i["source"] for i in items} == {"agent"}
    assert items[0]["action"] == "resume" and items[0]["detail"] == "telefonda istedi"
    assert [(i["customer_name"], i["action"]) for i in current.json()["items"]] == [
        ("Ayşe", "stop")
    ]
    events = list(
        await session.scalars(select(ConsentEvent).where(ConsentEvent.customer_id == ayse.id))
    )
    assert len(events) == 2


# --- roles and tenants --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_agents_read_but_do_not_manage(stack, session, role):
    owner = await owner_token(stack)
    template = await create_template(stack, owner, OFFER)
    token = await user_token(stack, session, role)

    reads = [
        await call(stack, "GET", f"{API}/templates", token),
        await call(stack, "GET", f"{API}/templates/{template['id']}/preview", token),
        await call(stack, "GET", f"{API}/rules", token),
        await call(stack, "GET", f"{API}/triggers", token),
        await call(stack, "GET", f"{API}/campaigns", token),
        await call(stack, "GET", f"{API}/sends", token),
        await call(stack, "GET", f"{API}/consent", token),
        await call(stack, "POST", f"{API}/campaigns/preview", token, json={"audience": {}}),
    ]
    writes = [
        await call(stack, "POST", f"{API}/templates", token, json={**OFFER, "name": "baska"}),
        await call(stack, "PUT", f"{API}/templates/{template['id']}", token, json=OFFER),
        await call(stack, "POST", f"{API}/templates/{template['id']}/submit", token),
        await call(stack, "DELETE", f"{API}/templates/{template['id']}", token),
        await call(
            stack,
            "POST",
            f"{API}/rules",
            token,
            json=rule(template_name="kis_indirimi", variables={}),
        ),
        await call(stack, "POST", f"{API}/campaigns", token, json=campaign()),
    ]
    assert [r.status_code for r in reads] == [200] * len(reads)
    assert [r.status_code for r in writes] == [403] * len(writes)


async def test_a_prompt_owner_and_strangers_are_refused(stack, session):
    prompt_owner = await user_token(stack, session, "prompt_owner")
    assert (await call(stack, "GET", f"{API}/templates", prompt_owner)).status_code == 403
    assert (await call(stack, "GET", f"{API}/templates")).status_code == 401


async def test_another_tenant_gets_404_and_sees_nothing(stack, session):
    shop = await owner_token(stack)
    clinic = await owner_token(stack, DEMO_CLINIC)
    template = await create_template(stack, shop, SHIPPED)
    offer = await create_template(stack, shop, OFFER)
    made_rule = (await call(stack, "POST", f"{API}/rules", shop, json=rule())).json()
    made_campaign = (await call(stack, "POST", f"{API}/campaigns", shop, json=campaign())).json()
    tenant = await tenant_of(session)
    [customer] = await add_customers(session, tenant, [("Ayşe", [], False)])
    await create_template(stack, clinic, OFFER)  # the same name in another tenant is fine

    tries = [
        ("GET", f"/templates/{template['id']}", None),
        ("PUT", f"/templates/{template['id']}", SHIPPED),
        ("DELETE", f"/templates/{offer['id']}", None),
        ("POST", f"/templates/{template['id']}/submit", None),
        ("GET", f"/templates/{template['id']}/preview", None),
        ("PUT", f"/rules/{made_rule['id']}", rule()),
        ("DELETE", f"/rules/{made_rule['id']}", None),
        ("POST", f"/rules/{made_rule['id']}/enabled", {"enabled": False}),
        ("GET", f"/campaigns/{made_campaign['id']}", None),
        ("PUT", f"/campaigns/{made_campaign['id']}", campaign()),
        ("DELETE", f"/campaigns/{made_campaign['id']}", None),
        ("POST", f"/campaigns/{made_campaign['id']}/launch", None),
        ("POST", f"/campaigns/{made_campaign['id']}/cancel", None),
        ("GET", f"/campaigns/{made_campaign['id']}/stats", None),
        ("POST", f"/consent/{customer.id}", {"action": "stop"}),
    ]
    answers = [
        (method, path, await call(stack, method, f"{API}{path}", clinic, json=body))
        for method, path, body in tries
    ]
    lists = {
        name: (await call(stack, "GET", f"{API}/{name}", clinic)).json()
        for name in ("templates", "rules", "campaigns")
    }
    sends = (
        await call(stack, "GET", f"{API}/sends", clinic, params={"customer": str(customer.id)})
    ).json()

    for method, path, answer in answers:
        assert answer.status_code == 404, (method, path, answer.text)
    names = {t["name"] for t in lists["templates"]}
    assert "kis_indirimi" in names and "kargo_bildirimi" not in names
    assert made_rule["id"] not in {r["id"] for r in lists["rules"]}
    assert lists["campaigns"] == []
    assert sends["items"] == []
    still = await session.get(Campaign, uuid.UUID(made_campaign["id"]))
    await session.refresh(still)
    assert still.status == "draft"
    left = await session.scalar(select(WaTemplate).where(WaTemplate.id == uuid.UUID(offer["id"])))
    assert left is not None


async def test_bad_ids_and_bodies_are_4xx(stack):
    token = await owner_token(stack)
    answers = [
        await call(stack, "GET", f"{API}/templates/not-a-uuid", token),
        await call(stack, "GET", f"{API}/templates/{uuid.uuid4()}", token),
        await call(stack, "POST", f"{API}/templates", token, content=b"{not json"),
        await call(stack, "POST", f"{API}/templates", token, json={"name": "x" * 600}),
        await call(stack, "POST", f"{API}/rules", token, json={"name": ""}),
        await call(stack, "GET", f"{API}/sends", token, params={"status": "lost", "limit": 0}),
        await call(stack, "GET", f"{API}/consent", token, params={"limit": 100000}),
        await call(
            stack,
            "POST",
            f"{API}/rules",
            token,
            json=rule(condition={"all": [{"field": "x" * 10, "op": "eq", "value": "y" * 3000}]}),
        ),
    ]
    assert all(400 <= a.status_code < 500 for a in answers), [a.status_code for a in answers]


async def test_the_flows_drafts_are_submitted_in_one_go(stack, session):
    """A shop gets the seed plan's templates as drafts (5 names × tr/en/ar): one click submits
    them all, and the stand-in's webhooks approve them."""
    token = await owner_token(stack)
    tenant = await tenant_of(session)
    drafts = (
        await session.scalars(
            select(WaTemplate.id).where(
                WaTemplate.tenant_id == tenant.id, WaTemplate.status == "DRAFT"
            )
        )
    ).all()
    assert len(drafts) == 18  # 6 flow templates × tr/en/ar
    answer = await call(stack, "POST", f"{API}/templates/submit-drafts", token)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert len(body["submitted"]) == 18 and body["refused"] == []
    again = await call(stack, "POST", f"{API}/templates/submit-drafts", token)
    assert again.json() == {"submitted": [], "refused": []}

    async def approved():
        listed = await call(stack, "GET", f"{API}/templates", token)
        statuses = {t["status"] for t in listed.json() if t["name"] == "memnuniyet_kontrol"}
        return statuses == {"APPROVED"}

    await wait_for(approved, timeout_s=15)
    agent = await user_token(stack, session, "agent")
    refused = await call(stack, "POST", f"{API}/templates/submit-drafts", agent)
    assert refused.status_code == 403
