"""``GET/PATCH /api/tenant`` with the typed settings, and migration 0005 (one name for the
suggestion threshold)."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import psycopg
from sqlalchemy import select

from invekto.sandbox.demo import DEMO_CLINIC, DEMO_SHOP, SANDBOX_SALES_SECRET
from invekto.storage.migrate import upgrade
from invekto.storage.models import Tenant
from tests.conftest import _with_db
from tests.support.chat import say


async def owner_token(stack, demo=DEMO_SHOP) -> str:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        response = await client.post(
            "/api/auth/login", json={"email": demo.owner_email, "password": demo.owner_password}
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def api(stack, method: str, token: str, **kwargs) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as client:
        return await client.request(
            method, "/api/tenant", headers={"Authorization": f"Bearer {token}"}, **kwargs
        )


async def stored(session, demo=DEMO_SHOP) -> dict:
    tenant = await session.scalar(
        select(Tenant).where(Tenant.slug == demo.slug).execution_options(populate_existing=True)
    )
    return tenant.settings


async def test_switching_returns_off_is_stored_read_back_and_obeyed(stack, session):
    token = await owner_token(stack)

    patched = await api(stack, "PATCH", token, json={"automation": {"returns": False}})
    read = await api(stack, "GET", token)
    turn = await say(stack, "ürün bozuk geldi iade etmek istiyorum")

    assert patched.status_code == 200, patched.text
    assert read.json()["settings"]["automation"]["returns"] is False
    assert read.json()["settings"]["automation"]["cargo_questions"] is True
    settings = await stored(session)
    assert settings["automation"] == {
        "enabled": True,
        "cargo_questions": True,
        "small_talk": True,
        "returns": False,
    }
    assert settings["policies"]["return_days"] == 15  # the rest of the seed is kept
    assert (turn["agent"], turn["outcome"], turn["reason"]) == (
        "returns",
        "suggestion",
        "automation_off",
    )


async def test_an_unknown_key_is_a_422_naming_it_and_nothing_changes(stack, session):
    token = await owner_token(stack)
    before = await stored(session)

    area = await api(stack, "PATCH", token, json={"automation": {"retruns": False}})
    block = await api(stack, "PATCH", token, json={"polices": {"return_days": 30}})
    field = await api(stack, "PATCH", token, json={"nlu": {"suggest_below": 2}})
    hours = await api(stack, "PATCH", token, json={"business_hours": {"days": [0], "start": "9"}})

    assert area.status_code == 422
    [error] = area.json()["detail"]
    assert error["loc"] == ["body", "automation", "retruns"]
    assert "returns" in error["msg"]  # the known areas are listed
    assert block.status_code == 422
    assert block.json()["detail"][0]["loc"] == ["body", "polices"]
    assert field.status_code == 422
    assert field.json()["detail"][0]["loc"] == ["body", "nlu", "suggest_below"]
    assert hours.status_code == 422
    assert {tuple(e["loc"]) for e in hours.json()["detail"]} == {
        ("body", "business_hours", "start"),
        ("body", "business_hours", "end"),
    }
    assert await stored(session) == before


async def test_confidence_threshold_is_a_422_pointing_to_nlu_suggest_below(stack, session):
    token = await owner_token(stack)

    response = await api(stack, "PATCH", token, json={"confidence_threshold": 0.6})
    fixed = await api(stack, "PATCH", token, json={"nlu": {"suggest_below": 0.6}})

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "confidence_threshold"]
    assert "nlu.suggest_below" in error["msg"]
    assert fixed.status_code == 200
    assert fixed.json()["settings"]["nlu"]["suggest_below"] == 0.6
    assert "confidence_threshold" not in await stored(session)


async def test_the_webhook_secret_is_never_returned(stack, session):
    token = await owner_token(stack)

    read = await api(stack, "GET", token)
    patched = await api(
        stack,
        "PATCH",
        token,
        json={"sales": {"webhook_secret": "a-new-secret-2026", "name": "Selin"}},
    )
    read_again = await api(stack, "GET", token)

    assert SANDBOX_SALES_SECRET not in read.text
    assert read.json()["settings"]["sales"]["webhook_secret_set"] is True
    assert "webhook_secret" not in read.json()["settings"]["sales"]
    assert patched.status_code == 200
    assert "a-new-secret-2026" not in patched.text and "a-new-secret-2026" not in read_again.text
    assert read_again.json()["settings"]["sales"]["name"] == "Selin"
    settings = await stored(session)
    sealed = settings["sales"]["webhook_secret"]  # stored sealed, opened for signing
    assert "a-new-secret-2026" not in sealed
    assert stack.services.credentials.open_secret(sealed) == "a-new-secret-2026"
    assert settings["sales"]["email"] == "satis@demo-shop.test"


async def test_another_tenants_settings_are_untouched(stack, session):
    clinic_before = await stored(session, DEMO_CLINIC)
    token = await owner_token(stack)

    response = await api(
        stack,
        "PATCH",
        token,
        json={"automation": {"enabled": False}, "guardrails": {"competitors": ["Rakip"]}},
    )
    clinic_read = await api(stack, "GET", await owner_token(stack, DEMO_CLINIC))

    assert response.status_code == 200
    assert response.json()["settings"]["automation"]["enabled"] is False
    assert await stored(session, DEMO_CLINIC) == clinic_before
    assert clinic_read.json()["settings"]["automation"]["enabled"] is True
    assert clinic_read.json()["settings"]["guardrails"]["competitors"] == []


async def test_business_hours_and_a_reset_to_the_default(stack, session):
    token = await owner_token(stack)
    hours = {"days": [0, 1, 2, 3, 4], "start": "10:00", "end": "17:00"}

    response = await api(
        stack,
        "PATCH",
        token,
        json={"business_hours": hours, "discounts": {"max_percent": None}},
    )

    assert response.status_code == 200, response.text
    assert response.json()["business_hours"] == hours
    assert response.json()["settings"]["discounts"]["max_percent"] is None
    assert "max_percent" not in (await stored(session))["discounts"]


# --- migration 0005 ------------------------------------------------------------------------


async def test_migration_0005_moves_confidence_threshold_into_nlu(pg_url):
    name = f"m0005_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = _with_db(pg_url, name)
    try:
        await asyncio.to_thread(upgrade, url, "0004")
        rows = {
            "legacy": {"confidence_threshold": 0.7, "automation": {"enabled": True}},
            "legacy-nlu": {"confidence_threshold": 0.7, "nlu": {"bulk_threshold": 50}},
            "both": {"confidence_threshold": 0.7, "nlu": {"suggest_below": 0.6}},
            "null-nlu": {"confidence_threshold": 0.65, "nlu": {"suggest_below": None}},
            "modern": {"nlu": {"suggest_below": 0.4}},
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

        await asyncio.to_thread(upgrade, url, "0005")

        with psycopg.connect(url) as conn:
            after = dict(conn.execute("SELECT slug, settings FROM tenants").fetchall())
        assert after == {
            "legacy": {"nlu": {"suggest_below": 0.7}, "automation": {"enabled": True}},
            "legacy-nlu": {"nlu": {"bulk_threshold": 50, "suggest_below": 0.7}},
            "both": {"nlu": {"suggest_below": 0.6}},
            "null-nlu": {"nlu": {"suggest_below": 0.65}},
            "modern": {"nlu": {"suggest_below": 0.4}},
            "empty": {},
        }
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
