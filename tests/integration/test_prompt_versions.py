"""``/api/prompts``: drafts, validation, the eval gate refusing a bad draft and accepting a good
one, rollback, roles, tenant isolation, the version each turn records, the preview on real
conversations, and migration 0011 (``settings.templates`` → version 1).

The gate runs ``invekto eval`` child processes on ``tests/data/prompt_gate.yaml`` (set for every
test stack by ``make_settings``): an order-status case that checks the tracking number, a
greeting and a hand-over.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import psycopg
import pytest
from sqlalchemy import select

from invekto.sandbox.customer import post_customer_text
from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP
from invekto.security import hash_password
from invekto.simulate import turn_result
from invekto.storage.migrate import upgrade
from invekto.storage.models import AutoReplyLog, Message, PromptEvent, PromptVersion, Tenant, User
from tests.conftest import _with_db

PASSWORD = "parola-2026!"
SHIPPED_OK = (
    "{order_number} numaralı siparişiniz yolda! {cargo} takip numarası: {tracking_number}. "
    "Takip: {tracking_link}. Tahmini teslimat: {eta}."
)
NO_TRACKING = "{order_number} numaralı siparişiniz {cargo} ile yola çıktı. Tahmini teslimat: {eta}."


async def call(stack, method: str, path: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(method, path, headers=headers, **kwargs)


async def token_for(stack, email: str, password: str) -> str:
    response = await call(
        stack, "POST", "/api/auth/login", json={"email": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def owner(stack, demo=DEMO_SHOP) -> str:
    return await token_for(stack, demo.owner_email, demo.owner_password)


async def user_token(stack, session, role: str, demo=DEMO_SHOP) -> str:
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == demo.slug))
    email = f"{role}-{uuid.uuid4().hex[:6]}@{demo.slug}.test"
    session.add(
        User(
            tenant_id=tenant.id,
            email=email,
            name=role.title(),
            password_hash=hash_password(PASSWORD),
            role=role,
        )
    )
    await session.commit()
    return await token_for(stack, email, PASSWORD)


def content(texts: dict | None = None, tone: str = "formal", agents: dict | None = None) -> dict:
    return {"tone": {"default": tone, "agents": agents or {}}, "texts": texts or {}}


async def draft(stack, token: str, texts: dict | None = None, **kwargs) -> dict:
    created = await call(stack, "POST", "/api/prompts/versions", token, json={"note": "test"})
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    if texts is not None or kwargs:
        saved = await call(
            stack,
            "PUT",
            f"/api/prompts/versions/{number}",
            token,
            json={"content": content(texts, **kwargs)},
        )
        assert saved.status_code == 200, saved.text
        return saved.json()
    return created.json()


async def gated(stack, token: str, number: int, *, timeout_s: float = 240) -> dict:
    """Publish ``number`` and wait for the gate's decision."""
    started = await call(stack, "POST", f"/api/prompts/versions/{number}/publish", token)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "gating"
    return await settled(stack, token, number, timeout_s=timeout_s)


async def settled(stack, token: str, number: int, *, timeout_s: float = 240) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        version = (await call(stack, "GET", f"/api/prompts/versions/{number}", token)).json()
        if version["status"] != "gating":
            return version
        assert time.monotonic() < deadline, f"the gate of version {number} did not end"
        await asyncio.sleep(0.5)


async def ask(stack, text: str, phone: str = "905321112233") -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        wa_id, response = await post_customer_text(
            client,
            base_url=stack.base_url,
            app_secret=stack.settings.whatsapp_app_secret,
            phone_number_id=DEMO_SHOP.phone_number_id,
            display_phone_number=DEMO_SHOP.display_phone_number,
            phone=phone,
            text=text,
        )
    assert response.status_code == 200
    return await turn_result(stack.services, wa_id, timeout_s=60)


# --- editing and validation ---------------------------------------------------------------------


async def test_a_draft_is_checked_before_it_is_saved_and_the_trail_keeps_every_save(stack, session):
    token = await owner(stack)
    version = await draft(stack, token)
    number = version["number"]
    assert version["status"] == "draft" and version["base_number"] == 0
    assert version["content"]["texts"] == {}

    bad = await call(
        stack,
        "PUT",
        f"/api/prompts/versions/{number}",
        token,
        json={
            "content": content(
                {
                    "tr": {
                        "order_shipped": "{order_number} {kargo_firmasi} ile yolda",
                        "which_order": "Hangisi?",
                        "handoff": "{order_number.__class__}",
                    },
                    "en": {"no_such_text": "x"},
                }
            )
        },
    )
    assert bad.status_code == 422
    problems = {(p["key"], p["language"]): p["message"] for p in bad.json()["detail"]["problems"]}
    assert "unknown variable {kargo_firmasi}" in problems["order_shipped", "tr"]
    assert "tracking_number" in problems["order_shipped", "tr"]  # the known ones are named
    assert "missing variable {options}" in problems["which_order", "tr"]
    assert "not a variable name" in problems["handoff", "tr"]
    assert "unknown text" in problems["no_such_text", "en"]
    stored = (await call(stack, "GET", f"/api/prompts/versions/{number}", token)).json()
    assert stored["content"]["texts"] == {}  # nothing of a refused save is kept

    checked = await call(
        stack,
        "POST",
        "/api/prompts/validate",
        token,
        json={"content": content({"tr": {"thanks": "Ne demek{name_part}! {foo}"}})},
    )
    assert checked.status_code == 200
    assert [p["field"] for p in checked.json()["problems"]] == ["foo"]

    good = await call(
        stack,
        "PUT",
        f"/api/prompts/versions/{number}",
        token,
        json={
            "note": "Kargo metni",
            "content": content({"tr": {"order_shipped": SHIPPED_OK}}, tone="warm"),
        },
    )
    assert good.status_code == 200, good.text
    body = good.json()
    assert body["note"] == "Kargo metni" and body["changes"] == 2
    text_change = next(row for row in body["diff"] if row["kind"] == "text")
    assert text_change["key"] == "order_shipped" and text_change["after"] == SHIPPED_OK
    assert "Kargo takip no" in text_change["before"]  # the shipped text it replaces
    assert {"kind": "tone", "agent": None, "before": "formal", "after": "warm"} in body["diff"]

    listing = (await call(stack, "GET", "/api/prompts/versions", token)).json()
    assert listing["active"] == 0 and [v["number"] for v in listing["versions"]] == [number]

    trail = (await call(stack, "GET", "/api/prompts/events", token)).json()
    assert [event["action"] for event in trail] == ["saved", "created"]
    assert trail[0]["user"] and trail[0]["role"] == "owner"
    assert any(change.get("key") == "order_shipped" for change in trail[0]["changes"])

    sample = await call(
        stack,
        "POST",
        "/api/prompts/sample",
        token,
        json={"key": "order_shipped", "language": "tr", "text": SHIPPED_OK},
    )
    assert sample.status_code == 200 and "yolda!" in sample.json()["text"]
    assert "{" not in sample.json()["text"]  # every variable has an example

    rows = await session.scalars(select(PromptEvent.action))
    assert sorted(rows.all()) == ["created", "saved"]


async def test_reply_texts_are_no_longer_tenant_settings(stack):
    response = await call(
        stack,
        "PATCH",
        "/api/tenant",
        await owner(stack),
        json={"templates": {"tr": {"handoff": "x"}}},
    )
    assert response.status_code == 422
    assert "/api/prompts" in response.text


# --- the gate -----------------------------------------------------------------------------------


async def test_the_gate_refuses_a_draft_without_tracking_accepts_a_good_one_and_rolls_back(
    stack, session
):
    token = await owner(stack)
    shop = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))

    # A draft that drops the tracking number fails the order-status case: refused.
    bad = await draft(stack, token, {"tr": {"order_shipped": NO_TRACKING}})
    refused = await gated(stack, token, bad["number"])
    assert refused["status"] == "refused", refused["gate"]
    gate = refused["gate"]
    assert gate["passed"] is False and "fail with this version" in gate["reasons"][0]
    # Only the cases whose replies rendered order_shipped in Turkish were played again.
    assert (gate["cases"], gate["cases_unaffected"]) == (2, 2)
    assert {f["id"] for f in gate["failures"]} == {"gate-ord-status-001", "gate-ord-status-002"}
    failure = next(f for f in gate["failures"] if f["id"] == "gate-ord-status-001")
    [check] = failure["turns"][0]["checks"]
    assert check["name"] == "reply_contains" and check["expected"] == "7330029145197"
    assert "7330029145197" not in failure["turns"][0]["reply"]
    await session.refresh(shop)
    assert shop.prompts == {}  # nothing went live

    # The customer still gets the shipped text, and the turn records version 0.
    turn = await ask(stack, "10654400001 numaralı siparişim nerede?")
    assert "7330029145197" in turn["reply"] and "Kargo takip no" in turn["reply"]

    # A good draft (new wording, warm tone) passes and goes live at once. While it is gated, a
    # second gate waits its turn; once it is live, a draft started before it is stale.
    good = await draft(stack, token, {"tr": {"order_shipped": SHIPPED_OK}}, tone="warm")
    older = await draft(stack, token, {"tr": {"goodbye": "Hoşça kalın{name_part}!"}})
    started = await call(stack, "POST", f"/api/prompts/versions/{good['number']}/publish", token)
    assert started.status_code == 202
    busy = await call(stack, "POST", f"/api/prompts/versions/{older['number']}/publish", token)
    assert busy.status_code == 409 and "being gated" in busy.json()["detail"]
    editing = await call(
        stack, "PUT", f"/api/prompts/versions/{good['number']}", token, json={"note": "x"}
    )
    assert editing.status_code == 409
    live = await settled(stack, token, good["number"])
    assert live["status"] == "active", live["gate"]
    stale = await call(stack, "POST", f"/api/prompts/versions/{older['number']}/publish", token)
    assert stale.status_code == 409 and "went live after this draft" in stale.json()["detail"]
    assert live["gate"]["passed"] is True and live["gate"]["cases"] == live["gate"]["cases_passed"]
    await session.refresh(shop)
    assert shop.prompts["version"] == good["number"]

    turn = await ask(stack, "10654400001 numaralı siparişim nerede?")
    assert "yolda!" in turn["reply"] and "7330029145197" in turn["reply"]
    row = await session.scalar(
        select(AutoReplyLog).order_by(AutoReplyLog.created_at.desc()).limit(1)
    )
    assert row.prompt_version == good["number"]
    reply = await session.get(Message, row.reply_message_id)
    record = reply.payload["prompts"]
    assert record["version"] == good["number"]
    assert [r["key"] for r in record["renders"]] == ["order_shipped"]
    assert record["renders"][0]["values"]["tracking_number"] == "7330029145197"
    turns = await call(stack, "GET", f"/api/conversations/{row.conversation_id}/turns", token)
    assert turns.json()["turns"][0]["prompt_version"] == good["number"]  # the inbox's "why"

    # A third version replaces it; the second is archived.
    third = await draft(
        stack, token, {"tr": {"order_shipped": SHIPPED_OK.replace("yolda!", "kargoda!")}}
    )
    assert (await gated(stack, token, third["number"]))["status"] == "active"
    second = (await call(stack, "GET", f"/api/prompts/versions/{good['number']}", token)).json()
    assert second["status"] == "archived"

    # Roll back to the second in one step: a new version with its content, gated too.
    rolled = await call(stack, "POST", f"/api/prompts/versions/{good['number']}/rollback", token)
    assert rolled.status_code == 202, rolled.text
    back = await settled(stack, token, rolled.json()["number"])
    assert back["status"] == "active" and back["rollback_of"] == good["number"]
    assert back["content"] == second["content"]
    await session.refresh(shop)
    assert shop.prompts["version"] == back["number"]
    turn = await ask(stack, "10654400001 numaralı siparişim nerede?")
    assert "yolda!" in turn["reply"]

    actions = [
        event["action"] for event in (await call(stack, "GET", "/api/prompts/events", token)).json()
    ]
    for action in ("refused", "published", "archived", "rolled_back", "submitted"):
        assert action in actions
    # Only one version is active.
    statuses = (await session.scalars(select(PromptVersion.status))).all()
    assert statuses.count("active") == 1


OWN_CASES = """
cases:
  - id: own-kargo-takip-no
    tenant: demo-shop
    language: tr
    customer_phone: "905321112233"
    turns:
      - customer: "10654400001 numaralı siparişim nerede?"
        expect:
          outcome: auto_reply
          reply_contains: ["Kargo takip no", "7330029145197"]
"""


async def test_the_tenants_own_cases_always_run_and_must_pass(stack, session, tmp_path):
    """Cases the tenant's ML engineers keep for it (``<tenant-cases>/<slug>/*.yaml``) run with
    every draft, and each must pass (that they run whatever a draft changes:
    ``tests/unit/test_prompt_registry.py``)."""
    folder = stack.settings.prompt_gate_cases_dir / DEMO_SHOP.slug
    folder.mkdir(parents=True)
    (folder / "wording.yaml").write_text(OWN_CASES, "utf-8")
    token = await owner(stack)

    # The shipped cases still pass with this wording, but the shop's own phrase is gone.
    reworded = await draft(stack, token, {"tr": {"order_shipped": SHIPPED_OK}})
    refused = await gated(stack, token, reworded["number"])
    assert refused["status"] == "refused", refused["gate"]
    gate = refused["gate"]
    assert gate["reasons"] == ["1 of the tenant's own case(s) fail with this version"]
    [failure] = gate["failures"]
    assert failure["id"] == "own-kargo-takip-no" and failure["own"] is True
    assert failure["turns"][0]["checks"][0]["expected"] == "Kargo takip no"

    assert gate["own_cases"] == 1


# --- who may do what, and whose data --------------------------------------------------------------


async def test_agents_suggest_drafts_and_only_prompt_owners_publish(stack, session):
    agent = await user_token(stack, session, "agent")
    prompt_owner = await user_token(stack, session, "prompt_owner")
    suggestion = await draft(stack, agent, {"tr": {"thanks": "Ne demek{name_part}!"}})
    assert suggestion["author_role"] == "agent"
    refused = await call(
        stack, "POST", f"/api/prompts/versions/{suggestion['number']}/publish", agent
    )
    assert refused.status_code == 403

    owners_draft = await draft(stack, prompt_owner)
    touched = await call(
        stack, "PUT", f"/api/prompts/versions/{owners_draft['number']}", agent, json={"note": "x"}
    )
    assert touched.status_code == 403
    edited = await call(
        stack,
        "PUT",
        f"/api/prompts/versions/{suggestion['number']}",
        prompt_owner,
        json={"note": "Checked"},
    )
    assert edited.status_code == 200
    discarded = await call(
        stack, "DELETE", f"/api/prompts/versions/{owners_draft['number']}", prompt_owner
    )
    assert discarded.status_code == 204


async def test_another_tenants_versions_and_conversations_are_out_of_reach(stack, session):
    shop = await owner(stack)
    clinic = await owner(stack, DEMO_CLINIC)
    await ask(stack, "10654400001 numaralı siparişim nerede?")
    version = await draft(stack, shop, {"tr": {"order_shipped": SHIPPED_OK}})
    number = version["number"]

    for method, path in (
        ("GET", f"/api/prompts/versions/{number}"),
        ("PUT", f"/api/prompts/versions/{number}"),
        ("DELETE", f"/api/prompts/versions/{number}"),
        ("POST", f"/api/prompts/versions/{number}/publish"),
        ("POST", f"/api/prompts/versions/{number}/rollback"),
    ):
        response = await call(stack, method, path, clinic, json={"note": "x"})
        assert response.status_code == 404, (method, path, response.text)
    assert (await call(stack, "GET", "/api/prompts/versions", clinic)).json()["versions"] == []
    huge = await call(stack, "GET", "/api/prompts/versions/99999999999999999999", clinic)
    assert huge.status_code == 422  # never reaches PostgreSQL's integer
    assert (await call(stack, "GET", "/api/prompts/events", clinic)).json() == []
    preview = await call(
        stack,
        "POST",
        "/api/prompts/preview",
        clinic,
        json={"content": content({"tr": {"order_shipped": SHIPPED_OK}})},
    )
    assert preview.status_code == 200 and preview.json() == []
    # The clinic's own version 1 is its own: numbering is per tenant.
    assert (await draft(stack, clinic))["number"] == 1

    # Row-level security, below the API: the clinic's session sees no shop version.
    clinic_id = await session.scalar(select(Tenant.id).where(Tenant.slug == DEMO_CLINIC.slug))
    async with stack.services.db.tenant_session(clinic_id) as scoped:
        numbers = (await scoped.scalars(select(PromptVersion.tenant_id))).all()
    assert set(numbers) == {clinic_id}


# --- preview on real conversations ----------------------------------------------------------------


async def test_the_preview_shows_what_the_draft_would_have_sent_beside_what_was_sent(stack):
    token = await owner(stack)
    sent = await ask(stack, "10654400001 numaralı siparişim nerede?")
    await ask(stack, "merhaba", phone="905329998877")
    response = await call(
        stack,
        "POST",
        "/api/prompts/preview",
        token,
        json={"content": content({"tr": {"order_shipped": SHIPPED_OK}}), "limit": 5},
    )
    assert response.status_code == 200, response.text
    rows = response.json()
    order = next(row for row in rows if row["keys"] == ["order_shipped"])
    assert order["changed"] is True and order["version"] == 0
    assert "Kargo takip no" in order["sent"] and "yolda!" in order["draft"]
    assert "7330029145197" in order["draft"]  # the same values
    assert "Kargo takip no" in sent["reply"]
    assert "10654400001" in order["customer"]
    greeting = next(row for row in rows if row is not order)
    assert greeting["changed"] is False and greeting["sent"] == greeting["draft"]

    warm = await call(
        stack, "POST", "/api/prompts/preview", token, json={"content": content(tone="short")}
    )
    order = next(row for row in warm.json() if row["keys"] == ["order_shipped"])
    assert order["changed"] is True and "7330029145197" in order["draft"]


# --- migration 0011 ------------------------------------------------------------------------------


async def test_migration_0011_moves_settings_templates_into_version_1(pg_url):
    name = f"m0011_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = _with_db(pg_url, name)
    try:
        await asyncio.to_thread(upgrade, url, "0010")
        rows = {
            "own-texts": {
                "templates": {"tr": {"handoff": "Hemen dönüyoruz."}, "en": {}},
                "nlu": {"bulk_threshold": 30},
            },
            "no-texts": {"nlu": {"bulk_threshold": 30}},
        }
        with psycopg.connect(url, autocommit=True) as conn:
            for slug, settings in rows.items():
                conn.execute(
                    "INSERT INTO tenants (id, slug, name, vertical, timezone, default_language,"
                    " business_hours, settings) VALUES (%s, %s, %s,"
                    " 'ecommerce', 'Europe/Istanbul', 'tr', '{}', %s)",
                    (uuid.uuid4(), slug, slug, json.dumps(settings)),
                )

        await asyncio.to_thread(upgrade, url, "0011")

        with psycopg.connect(url) as conn:
            tenants = {
                slug: (settings, prompts)
                for slug, settings, prompts in conn.execute(
                    "SELECT slug, settings, prompts FROM tenants"
                )
            }
            versions = conn.execute(
                "SELECT number, status, content, note FROM prompt_versions"
            ).fetchall()
        assert tenants["own-texts"][0] == {"nlu": {"bulk_threshold": 30}}
        assert tenants["own-texts"][1] == {
            "version": 1,
            "tone": {"default": "formal", "agents": {}},
            "texts": {"tr": {"handoff": "Hemen dönüyoruz."}},
        }
        assert tenants["no-texts"] == ({"nlu": {"bulk_threshold": 30}}, {})
        [(number, status, stored, note)] = versions
        assert (number, status) == (1, "active") and "settings.templates" in note
        assert stored["texts"] == {"tr": {"handoff": "Hemen dönüyoruz."}}
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.mark.parametrize("role", ["supervisor", "agent"])
async def test_rollback_is_for_prompt_owners(stack, session, role):
    token = await user_token(stack, session, role)
    response = await call(stack, "POST", "/api/prompts/versions/1/rollback", token)
    assert response.status_code == 403


async def test_a_gate_that_cannot_run_sends_the_version_back_to_draft_with_the_reason(
    fresh_db_url, tmp_path
):
    """The eval process fails (here: a broken dataset): nothing goes live, the version is a
    draft again, and the report says why."""
    from invekto.stack import running_stack
    from tests.conftest import make_settings

    broken = tmp_path / "broken.yaml"
    broken.write_text("cases: [{id: x}]\n", "utf-8")
    settings = make_settings(tmp_path, database_url=fresh_db_url, prompt_gate_datasets=[broken])
    async with running_stack(settings, migrate=False) as stack:
        token = await owner(stack)
        version = await draft(stack, token, {"tr": {"order_shipped": SHIPPED_OK}})
        after = await gated(stack, token, version["number"])
        assert after["status"] == "draft"
        assert "the eval run failed" in after["gate"]["error"]
        assert "broken.yaml" in after["gate"]["error"]
        listing = (await call(stack, "GET", "/api/prompts/versions", token)).json()
        assert listing["active"] == 0
