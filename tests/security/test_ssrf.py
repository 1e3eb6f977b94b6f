"""A seller's Trendyol key is only ever sent to the configured Trendyol API (issue 20, item 9):
no role can make the app fetch another address, now or in the periodic sync."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from invekto.sandbox.demo import DEMO_SHOP
from invekto.storage.models import IntegrationAccount, Tenant
from tests.integration.test_inbox_api import api, owner_token, user_token

KEY = {"seller_id": "1234", "api_key": "k", "api_secret": "s"}


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:1", "http://169.254.169.254/latest", "file:///etc/passwd", "ftp://x"],
)
async def test_any_other_base_url_is_refused_for_every_role(stack, session, base_url):
    for token in (await owner_token(stack), await user_token(stack, session, "agent")):
        for path in ("/api/integrations/trendyol/test", "/api/integrations/trendyol"):
            response = await api(stack, "POST", path, token, json={**KEY, "base_url": base_url})
            assert response.status_code in (403, 422), (path, response.text)
            assert "Connection refused" not in response.text


async def test_the_sandbox_base_url_is_allowed_while_the_sandbox_is_on(stack):
    token = await owner_token(stack)
    response = await api(
        stack,
        "POST",
        "/api/integrations/trendyol/test",
        token,
        json={**KEY, "base_url": f"{stack.base_url}/sandbox/trendyol"},
    )
    assert response.status_code == 200


async def test_a_stored_foreign_base_url_is_not_used_by_the_sync(stack, session):
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == DEMO_SHOP.slug))
    await session.execute(
        update(IntegrationAccount)
        .where(IntegrationAccount.tenant_id == tenant.id)
        .values(base_url="http://127.0.0.1:1")
    )
    await session.commit()
    account = await session.scalar(
        select(IntegrationAccount).where(IntegrationAccount.tenant_id == tenant.id)
    )
    client = stack.services.trendyol_client(account)
    assert str(client._http.base_url).rstrip("/") == stack.settings.trendyol_base
    await client.aclose()
