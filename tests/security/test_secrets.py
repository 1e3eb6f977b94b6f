"""The sales webhook secret (issue 20, item 11): sealed at rest with the credentials key, like
marketplace credentials; write-only in the API; one stored in clear before still signs and is
sealed by the next change and by migration 0010."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import psycopg
import pytest
from sqlalchemy import select

from invekto.sandbox.demo import DEMO_SHOP, SANDBOX_SALES_SECRET
from invekto.sandbox.sales_inbox import SALES_INBOX
from invekto.security import CredentialBox, hash_password
from invekto.storage.migrate import downgrade, upgrade
from invekto.storage.models import Tenant, User
from tests.conftest import TEST_SECRET, _with_db
from tests.integration.test_lead_alerts import configure_sales, create_lead, settled

NEW_SECRET = "crm-imza-anahtari-2026"


async def stored_sales(stack) -> dict:
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
        return dict(tenant.settings.get("sales") or {})


async def token(stack, email: str, password: str) -> str:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        answer = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


async def tenant_api(stack, method: str, bearer: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(
            method, "/api/tenant", headers={"Authorization": f"Bearer {bearer}"}, **kwargs
        )


def opens(value: str, secret: str) -> bool:
    return CredentialBox(TEST_SECRET).open_secret(value) == secret


async def test_the_seeded_secret_is_sealed_at_rest_and_alerts_are_still_signed_with_it(stack):
    SALES_INBOX.reset()
    sales = await stored_sales(stack)

    _, queued = await create_lead(stack, DEMO_SHOP)  # to the sandbox sales inbox (relative URL)

    assert SANDBOX_SALES_SECRET not in json.dumps(sales)
    assert sales["webhook_secret"].startswith("sealed:")
    assert opens(sales["webhook_secret"], SANDBOX_SALES_SECRET)
    webhook = [a for a in queued if a.channel == "webhook"]
    delivered = await settled(stack, webhook[0].id)
    assert delivered.status == "sent", delivered.last_error
    (entry,) = SALES_INBOX.received()
    assert entry["signature_valid"] is True  # signed with the secret in clear


async def test_the_secret_is_write_only_and_stored_sealed(stack):
    owner = await token(stack, DEMO_SHOP.owner_email, DEMO_SHOP.owner_password)
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
        session.add(
            User(
                tenant_id=tenant.id,
                email="ajan@demo-shop.test",
                name="Ajan",
                role="agent",
                password_hash=hash_password("parola-2026!"),
            )
        )
        await session.commit()
    agent = await token(stack, "ajan@demo-shop.test", "parola-2026!")

    patched = await tenant_api(
        stack, "PATCH", owner, json={"sales": {"webhook_secret": NEW_SECRET}}
    )
    sales = await stored_sales(stack)
    reads = [await tenant_api(stack, "GET", bearer) for bearer in (owner, agent)]
    looks_sealed = await tenant_api(
        stack, "PATCH", owner, json={"sales": {"webhook_secret": "sealed:gAAAAAbogus"}}
    )

    assert patched.status_code == 200 and NEW_SECRET not in patched.text
    assert patched.json()["settings"]["sales"]["webhook_secret_set"] is True
    for read in reads:
        assert read.status_code == 200
        assert NEW_SECRET not in read.text and sales["webhook_secret"] not in read.text
        assert "webhook_secret" not in read.json()["settings"]["sales"]
    assert NEW_SECRET not in sales["webhook_secret"]
    assert opens(sales["webhook_secret"], NEW_SECRET)
    assert looks_sealed.status_code == 422
    assert looks_sealed.json()["detail"][0]["loc"] == ["body", "sales", "webhook_secret"]


async def test_a_secret_left_in_clear_still_signs_and_the_next_change_seals_it(stack):
    SALES_INBOX.reset()
    await configure_sales(  # as stored before secrets were sealed
        stack,
        DEMO_SHOP,
        webhook_url=f"{stack.base_url}/sandbox/sales-inbox",
        webhook_secret=SANDBOX_SALES_SECRET,
    )
    _, queued = await create_lead(stack, DEMO_SHOP)
    alert = await settled(stack, queued[0].id)
    owner = await token(stack, DEMO_SHOP.owner_email, DEMO_SHOP.owner_password)

    changed = await tenant_api(stack, "PATCH", owner, json={"sales": {"name": "Selin"}})
    sales = await stored_sales(stack)

    assert alert.status == "sent" and SALES_INBOX.received()[0]["signature_valid"] is True
    assert changed.status_code == 200
    assert sales["name"] == "Selin" and sales["webhook_secret"].startswith("sealed:")
    assert opens(sales["webhook_secret"], SANDBOX_SALES_SECRET)


async def test_migration_0010_seals_secrets_in_clear_and_downgrade_opens_them(
    pg_url, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("INVEKTO_SECRET_KEY", TEST_SECRET)  # what `invekto migrate` resolves
    name = f"seal_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = _with_db(pg_url, name)
    try:
        await asyncio.to_thread(upgrade, url, "0009")
        rows = {
            "clear": {"sales": {"webhook_secret": "eski-acik-anahtar", "name": "Satış"}},
            "none": {"sales": {"name": "Satış"}},
            "empty": {},
        }
        with psycopg.connect(url, autocommit=True) as conn:
            for slug, settings in rows.items():
                conn.execute(
                    "INSERT INTO tenants (id, slug, name, vertical, timezone, default_language,"
                    " business_hours, settings) VALUES (%s, %s, %s,"
                    " 'ecommerce', 'Europe/Istanbul', 'tr', '{}', %s)",
                    (uuid.uuid4(), slug, slug, json.dumps(settings)),
                )

        await asyncio.to_thread(upgrade, url, "head")
        with psycopg.connect(url) as conn:
            after = dict(conn.execute("SELECT slug, settings FROM tenants").fetchall())
        await asyncio.to_thread(upgrade, url, "head")  # nothing left to seal: unchanged
        with psycopg.connect(url) as conn:
            again = dict(conn.execute("SELECT slug, settings FROM tenants").fetchall())
        await asyncio.to_thread(downgrade, url, "0009")
        with psycopg.connect(url) as conn:
            down = dict(conn.execute("SELECT slug, settings FROM tenants").fetchall())
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    sealed = after["clear"]["sales"]["webhook_secret"]
    assert sealed.startswith("sealed:") and "eski-acik-anahtar" not in sealed
    assert opens(sealed, "eski-acik-anahtar")
    assert after["clear"]["sales"]["name"] == "Satış"
    assert after["none"] == rows["none"] and after["empty"] == {}
    assert again == after
    assert down == rows
