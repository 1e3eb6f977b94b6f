"""The tenant's own settings: automation switches, confidence threshold, business hours."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from invekto.api.deps import TenantDep, TenantSessionDep, require_role
from invekto.storage.models import Tenant

router = APIRouter(prefix="/api/tenant", tags=["tenant"])


class Automation(BaseModel):
    enabled: bool | None = None
    cargo_questions: bool | None = Field(None, description="'Kargo soruları otomasyonu'")
    small_talk: bool | None = None


class BusinessHours(BaseModel):
    days: list[int] = Field(description="0 = Monday … 6 = Sunday")
    start: str = Field(pattern=r"^\d{2}:\d{2}$")
    end: str = Field(pattern=r"^\d{2}:\d{2}$")


class TenantSettingsUpdate(BaseModel):
    automation: Automation | None = None
    confidence_threshold: float | None = Field(None, ge=0, le=1)
    business_hours: BusinessHours | None = None


class TenantPublic(BaseModel):
    slug: str
    name: str
    vertical: str
    timezone: str
    business_hours: dict[str, Any]
    settings: dict[str, Any]


def _public(tenant: Tenant) -> TenantPublic:
    return TenantPublic(
        slug=tenant.slug,
        name=tenant.name,
        vertical=tenant.vertical,
        timezone=tenant.timezone,
        business_hours=tenant.business_hours,
        settings=tenant.settings,
    )


@router.get("")
async def read_tenant(tenant: TenantDep, session: TenantSessionDep) -> TenantPublic:
    owner = await session.get(Tenant, tenant.tenant_id)
    assert owner is not None
    return _public(owner)


@router.patch("", dependencies=[require_role("owner", "supervisor")])
async def update_tenant(
    body: TenantSettingsUpdate, tenant: TenantDep, session: TenantSessionDep
) -> TenantPublic:
    owner = await session.get(Tenant, tenant.tenant_id)
    assert owner is not None
    settings = dict(owner.settings or {})
    if body.automation is not None:
        automation = dict(settings.get("automation", {}))
        automation.update(body.automation.model_dump(exclude_none=True))
        settings["automation"] = automation
    if body.confidence_threshold is not None:
        settings["confidence_threshold"] = body.confidence_threshold
    owner.settings = settings
    if body.business_hours is not None:
        owner.business_hours = body.business_hours.model_dump()
    await session.commit()
    return _public(owner)
