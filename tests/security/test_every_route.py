"""Every route of the API, read from its own OpenAPI description, so a new route is covered the
day it is added (issue 20):

- without a token every private route answers 401, and the public ones are listed here;
- a tenant's owner calling any route with another tenant's real ids gets 404 (or 403), never
  that tenant's data and never a 500;
- hostile values in every query parameter get a 2xx or a 4xx with a reason, never a 500.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from invekto.api.app import create_app
from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP, DemoTenant
from tests.integration.test_inbox_api import login
from tests.support.chat import say

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/webhooks/whatsapp"),
    ("POST", "/webhooks/whatsapp"),
    ("POST", "/webhooks/reviews/{tenant_slug}"),
    ("POST", "/webhooks/carts/{tenant_slug}"),
    ("POST", "/webhooks/payments/iyzico"),
    ("POST", "/webhooks/payments/paytr"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/signup"),
    ("POST", "/api/auth/password-reset"),
    ("POST", "/api/auth/password-reset/confirm"),
    ("GET", "/api/team/invites/lookup"),
    ("POST", "/api/team/invites/accept"),
    ("GET", "/calendar/appointment/{token}.ics"),
    ("GET", "/calendar/doctor/{token}.ics"),
}
"""Routes anyone may call: each authenticates its caller another way (a signature, a token in
the link, a password) or says nothing private."""

OWNED_BY = {
    "conversation_id": ("conversations", DEMO_SHOP),
    "message_id": ("messages", DEMO_SHOP),
    "user_id": ("users", DEMO_SHOP),
    "invite_id": ("user_tokens", DEMO_SHOP),
    "template_id": ("wa_templates", DEMO_SHOP),
    "rule_id": ("outbound_rules", DEMO_SHOP),
    "campaign_id": ("campaigns", DEMO_SHOP),
    "customer_id": ("customers", DEMO_SHOP),
    "doctor_id": ("clinic_doctors", DEMO_CLINIC),
    "service_id": ("clinic_services", DEMO_CLINIC),
    "override_id": ("clinic_schedule_overrides", DEMO_CLINIC),
    "appointment_id": ("appointments", DEMO_CLINIC),
    "entry_id": ("clinic_waitlist", DEMO_CLINIC),
    "number": ("prompt_versions", DEMO_SHOP),
    "offer_rule_id": ("offer_rules", DEMO_SHOP),
    "lead_id": ("leads", DEMO_SHOP),
    "product_main_id": ("products_cache", DEMO_SHOP),
}
"""Which table a path parameter names, and the demo tenant whose rows the sweep uses."""
KEY_COLUMN = {"number": "number", "product_main_id": "product_main_id"}
"""A parameter that is not a row's ``id``: a per-tenant number (a prompt version's), a product
model code."""

HOSTILE_TEXT = [
    "' OR '1'='1",
    "1; DROP TABLE messages; --",
    "%' UNION SELECT password_hash FROM users --",
    "\x00",
    "\u202e\ufeff",
    "x" * 5000,
    "../../../../etc/passwd",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "9999-99-99",
    "-1",
]
HOSTILE_NUMBERS = ["-1", "0", "99999999999999999999999", "1e309", "NaN", "abc", ""]


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    spec = create_app().openapi()
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


OPERATIONS = operations()


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), path)


def _params(operation: dict[str, Any], where: str) -> list[dict[str, Any]]:
    return [p for p in operation.get("parameters", []) if p["in"] == where]


def _types(parameter: dict[str, Any]) -> set[str]:
    schema = parameter.get("schema", {})
    options = schema.get("anyOf", [schema])
    return {o.get("type", "string") for o in options} | (
        {"enum"} if any("enum" in o for o in options) else set()
    )


async def _call(stack, method: str, path: str, token: str | None, **kwargs) -> httpx.Response:
    """The response, its body read unless it is an event stream (which never ends)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client,
        client.stream(method, path, headers=headers, **kwargs) as response,
    ):
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            await response.aread()
        return response


async def _tenant_id(stack, demo: DemoTenant) -> uuid.UUID:
    async with stack.services.db.session() as session:
        return await session.scalar(
            text("SELECT id FROM tenants WHERE slug = :slug"), {"slug": demo.slug}
        )


# --- no token ------------------------------------------------------------------------------------


async def test_every_private_route_needs_a_token(stack):
    private = [(m, p) for m, p, _ in OPERATIONS if (m, p) not in PUBLIC]
    assert len(private) > 60  # the sweep sees the whole API, not an empty description
    for method, path in private:
        for token in (None, "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."):
            response = await _call(stack, method, _fill(path, {}), token, json={})
            assert response.status_code == 401, (method, path, token, response.text)


def test_the_public_list_names_real_routes():
    assert PUBLIC <= {(m, p) for m, p, _ in OPERATIONS}


# --- another tenant's ids ------------------------------------------------------------------------


async def _victim_ids(stack) -> dict[str, uuid.UUID]:
    """One real id per path parameter, of the tenant that owns it (created when the seed has
    none)."""
    await say(stack, "kargom nerede")  # a conversation, its messages and a customer
    await say(stack, "şirketimize 150 adet tişört lazım faturalı", phone="905449990066")  # a lead
    shop_owner = await login(stack, DEMO_SHOP.owner_email, DEMO_SHOP.owner_password)
    clinic_owner = await login(stack, DEMO_CLINIC.owner_email, DEMO_CLINIC.owner_password)
    invite = await _call(
        stack,
        "POST",
        "/api/team/invites",
        shop_owner,
        json={"email": "new-agent@demo-shop.test", "role": "agent", "name": "Yeni"},
    )
    assert invite.status_code in (200, 201), invite.text
    tomorrow = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    override = await _call(
        stack,
        "POST",
        "/api/clinic/overrides",
        clinic_owner,
        json={"day": tomorrow, "kind": "closed", "note": "tadilat"},
    )
    assert override.status_code in (200, 201), override.text
    shop, clinic = await _tenant_id(stack, DEMO_SHOP), await _tenant_id(stack, DEMO_CLINIC)
    async with stack.services.db.session() as session:
        template, variables = (
            await session.execute(
                text("SELECT name, variables FROM wa_templates WHERE tenant_id = :t LIMIT 1"),
                {"t": shop},
            )
        ).one()
        await session.execute(
            text(
                "INSERT INTO clinic_waitlist (id, tenant_id, customer_id, service_id, status,"
                " created_at) SELECT gen_random_uuid(), :t, c.id, s.id, 'waiting', now()"
                " FROM customers c, clinic_services s"
                " WHERE c.tenant_id = :t AND s.tenant_id = :t LIMIT 1"
            ),
            {"t": clinic},
        )
        await session.commit()
    campaign = await _call(
        stack,
        "POST",
        "/api/outbound/campaigns",
        shop_owner,
        json={
            "name": "Kış indirimi",
            "template_a": template,
            "variables": {v["name"]: {"value": "x"} for v in variables},
        },
    )
    assert campaign.status_code in (200, 201), campaign.text
    draft = await _call(stack, "POST", "/api/prompts/versions", shop_owner, json={"note": "x"})
    assert draft.status_code == 201, draft.text  # the clinic has no version with its number
    ids: dict[str, uuid.UUID] = {}
    async with stack.services.db.session() as session:
        for name, (table, demo) in OWNED_BY.items():
            tenant_id = await _tenant_id(stack, demo)
            found = await session.scalar(
                text(
                    f"SELECT {KEY_COLUMN.get(name, 'id')} FROM {table}"  # noqa: S608
                    " WHERE tenant_id = :t ORDER BY id LIMIT 1"
                ),
                {"t": tenant_id},
            )
            if found is not None:
                ids[name] = found
    return ids


async def test_no_route_serves_another_tenants_ids(stack):
    ids = await _victim_ids(stack)
    missing = set(OWNED_BY) - set(ids)
    tokens = {
        DEMO_SHOP.slug: await login(stack, DEMO_SHOP.owner_email, DEMO_SHOP.owner_password),
        DEMO_CLINIC.slug: await login(stack, DEMO_CLINIC.owner_email, DEMO_CLINIC.owner_password),
    }
    swept = 0
    for method, path, operation in OPERATIONS:
        names = [p["name"] for p in _params(operation, "path")]
        owned = [n for n in names if n in OWNED_BY]
        if (method, path) in PUBLIC or not owned:
            assert not set(names) - {"tenant_slug", "token"} or (method, path) in PUBLIC, (
                f"{method} {path}: add its path parameters to OWNED_BY"
            )
            continue
        assert not missing & set(owned), f"no {missing & set(owned)} to try {path} with"
        victim = OWNED_BY[owned[0]][1]
        attacker = DEMO_CLINIC if victim is DEMO_SHOP else DEMO_SHOP
        url = _fill(path, {n: str(ids[n]) for n in owned})
        response = await _call(stack, method, url, tokens[attacker.slug], json={})
        # 404: not found in the caller's tenant; 403: not allowed at all; 422: the body is
        # checked before the lookup (the id was not even looked at).
        assert response.status_code in (403, 404, 422), (method, url, response.text)
        assert str(ids[owned[0]]) not in response.text or response.status_code == 422
        swept += 1
    assert swept >= 30


# --- hostile query parameters --------------------------------------------------------------------


@pytest.mark.parametrize("who", [DEMO_SHOP, DEMO_CLINIC], ids=lambda d: d.slug)
async def test_hostile_query_values_never_make_a_500(stack, who):
    token = await login(stack, who.owner_email, who.owner_password)
    before = await _row_counts(stack)
    tried = 0
    for method, path, operation in OPERATIONS:
        queries = _params(operation, "query")
        if method != "GET" or not queries or (method, path) in PUBLIC:
            continue
        url = _fill(path, {})
        for parameter in queries:
            numeric = {"integer", "number"} & _types(parameter)
            for value in HOSTILE_NUMBERS if numeric else HOSTILE_TEXT:
                response = await _call(stack, method, url, token, params={parameter["name"]: value})
                assert response.status_code < 500, (path, parameter["name"], value, response.text)
                tried += 1
            # bytes that are not UTF-8 at all, and a lone surrogate's encoding
            for raw in ("%FF%FE", "%ED%B3%BF", "%C0%AF"):
                response = await _call(stack, method, f"{url}?{parameter['name']}={raw}", token)
                assert response.status_code < 500, (path, parameter["name"], raw, response.text)
    assert tried > 200
    # nothing was dropped, added or removed by the values above (every request was a GET)
    assert await _row_counts(stack) == before


async def _row_counts(stack) -> dict[str, int]:
    async with stack.services.db.session() as session:
        return {
            table: await session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("tenants", "users", "customers", "conversations", "messages")
        }
