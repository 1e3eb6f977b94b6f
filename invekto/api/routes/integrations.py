"""Marketplace onboarding: test a Trendyol key, connect it, sync orders now."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from invekto.api.deps import ServicesDep, TenantDep, TenantSessionDep, require_role
from invekto.integrations.trendyol import ConnectionCheck, TrendyolClient
from invekto.jobs import SYNC_ORDERS, defer_in
from invekto.storage.models import IntegrationAccount

router = APIRouter(prefix="/api/integrations", tags=["integrations"])


class TrendyolCredentials(BaseModel):
    seller_id: str = Field(min_length=1, max_length=32, pattern=r"^\d+$")
    api_key: str = Field(min_length=1, max_length=200)
    api_secret: str = Field(min_length=1, max_length=200)
    base_url: str | None = Field(
        None,
        max_length=300,
        description="Default: the configured Trendyol base URL; only it (or the sandbox "
        "stand-in while the sandbox is on) is accepted.",
    )


class IntegrationPublic(BaseModel):
    id: uuid.UUID
    provider: str
    external_id: str
    status: str
    last_error: str | None
    last_synced_at: dt.datetime | None


def _public(account: IntegrationAccount) -> IntegrationPublic:
    return IntegrationPublic(
        id=account.id,
        provider=account.provider,
        external_id=account.external_id,
        status=account.status,
        last_error=account.last_error,
        last_synced_at=account.last_synced_at,
    )


def _base_url(services: ServicesDep, body: TrendyolCredentials) -> str:
    """The base URL to use: the configured one, or an allowed one the caller named (422 for
    any other: the key is never sent to an address a user typed)."""
    if body.base_url is None:
        return services.settings.trendyol_base
    wanted = body.base_url.strip().rstrip("/")
    if wanted not in services.settings.trendyol_bases:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "base_url must be the configured Trendyol API: leave it out",
        )
    return wanted


async def _check(services: ServicesDep, body: TrendyolCredentials) -> ConnectionCheck:
    async with TrendyolClient(
        base_url=_base_url(services, body),
        seller_id=body.seller_id,
        api_key=body.api_key,
        api_secret=body.api_secret,
        integrator_name=services.settings.trendyol_integrator_name,
        timeout_s=services.settings.trendyol_timeout_s,
        max_attempts=1,
    ) as client:
        return await client.test_connection()


@router.get("")
async def list_integrations(
    tenant: TenantDep, session: TenantSessionDep
) -> list[IntegrationPublic]:
    accounts = await session.scalars(
        select(IntegrationAccount).where(IntegrationAccount.tenant_id == tenant.tenant_id)
    )
    return [_public(a) for a in accounts]


@router.post("/trendyol/test")
async def test_trendyol(
    body: TrendyolCredentials, services: ServicesDep, tenant: TenantDep
) -> ConnectionCheck:
    """Check a key against the Trendyol API without storing it."""
    return await _check(services, body)


@router.post(
    "/trendyol",
    status_code=status.HTTP_201_CREATED,
    dependencies=[require_role("owner", "supervisor")],
)
async def connect_trendyol(
    body: TrendyolCredentials, services: ServicesDep, tenant: TenantDep, session: TenantSessionDep
) -> IntegrationPublic:
    """Check the key, store it encrypted, and start the first order sync."""
    check = await _check(services, body)
    if not check.ok:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, {"reason": check.reason, "detail": check.detail}
        )
    account = await session.scalar(
        select(IntegrationAccount).where(
            IntegrationAccount.tenant_id == tenant.tenant_id,
            IntegrationAccount.provider == "trendyol",
            IntegrationAccount.external_id == body.seller_id,
        )
    )
    sealed = services.credentials.seal({"api_key": body.api_key, "api_secret": body.api_secret})
    if account is None:
        account = IntegrationAccount(
            tenant_id=tenant.tenant_id,
            provider="trendyol",
            external_id=body.seller_id,
            credentials=sealed,
        )
        session.add(account)
    account.credentials = sealed
    account.base_url = _base_url(services, body) if body.base_url else None
    account.status, account.last_error = "connected", None
    await session.flush()
    await defer_in(session, SYNC_ORDERS, {"account_id": str(account.id)})
    await session.commit()
    return _public(account)
