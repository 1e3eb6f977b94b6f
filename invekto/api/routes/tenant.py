"""The tenant's own settings (``tenants.settings``, typed by ``TenantSettings``) and business
hours."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from invekto.api.deps import ServicesDep, TenantDep, TenantSessionDep, require_role
from invekto.core.tenant_settings import TenantSettings
from invekto.security import CredentialBox, sealed_settings
from invekto.storage.models import Tenant

router = APIRouter(prefix="/api/tenant", tags=["tenant"])


class BusinessHours(BaseModel):
    days: list[int] = Field(description="0 = Monday … 6 = Sunday")
    start: str = Field(pattern=r"^\d{2}:\d{2}$")
    end: str = Field(pattern=r"^\d{2}:\d{2}$")


class TenantPublic(BaseModel):
    slug: str
    name: str
    vertical: str
    timezone: str
    business_hours: dict[str, Any]
    settings: dict[str, Any] = Field(
        description="Every block of TenantSettings with its defaults filled in; the sales "
        "webhook secret is never shown (sales.webhook_secret_set says whether one is set)."
    )


PATCH_DESCRIPTION = (
    "Any subset of the settings blocks (automation, nlu, policies, discounts, b2b, sales, "
    "templates, guardrails; the shape GET returns under `settings`), nested, plus "
    "`business_hours`. Objects are deep-merged into the stored settings; lists and other "
    "values replace; `null` resets a field to its default. The result is validated whole: "
    "an unknown key or a bad value is a 422 naming its location. `confidence_threshold` is "
    "now `nlu.suggest_below`."
)

PATCH_BODY = Body(
    description=PATCH_DESCRIPTION,
    openapi_examples={
        "returns to the team": {
            "summary": "Keep return replies as suggestions",
            "value": {"automation": {"returns": False}},
        },
        "thresholds": {
            "summary": "Be surer before answering alone",
            "value": {"nlu": {"suggest_below": 0.6, "clarify_below": 0.3}},
        },
        "hours": {
            "summary": "Business hours",
            "value": {
                "business_hours": {"days": [0, 1, 2, 3, 4], "start": "09:00", "end": "18:00"}
            },
        },
    },
)


def _inlined(schema: Any, defs: dict[str, Any]) -> Any:
    """``schema`` with its ``#/$defs/...`` references replaced by what they point to."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inlined(value, defs) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, defs) for item in schema]
    return schema


def _patch_schema() -> dict[str, Any]:
    """The request body's schema for the docs: TenantSettings (every field optional) plus
    business_hours."""
    schema = TenantSettings.model_json_schema()
    body = _inlined(schema, schema.get("$defs", {}))
    body["properties"]["business_hours"] = _inlined(BusinessHours.model_json_schema(), {})
    body["title"], body["description"] = "TenantPatch", PATCH_DESCRIPTION
    return {"requestBody": {"content": {"application/json": {"schema": body}}}}


def _public(tenant: Tenant) -> TenantPublic:
    return TenantPublic(
        slug=tenant.slug,
        name=tenant.name,
        vertical=tenant.vertical,
        timezone=tenant.timezone,
        business_hours=tenant.business_hours,
        settings=TenantSettings.parse(tenant.settings).public_dump(),
    )


@router.get("")
async def read_tenant(tenant: TenantDep, session: TenantSessionDep) -> TenantPublic:
    owner = await session.get(Tenant, tenant.tenant_id)
    assert owner is not None
    return _public(owner)


@router.patch("", dependencies=[require_role("owner", "supervisor")], openapi_extra=_patch_schema())
async def update_tenant(
    body: Annotated[dict[str, Any], PATCH_BODY],
    tenant: TenantDep,
    session: TenantSessionDep,
    services: ServicesDep,
) -> TenantPublic:
    """The sales webhook secret is write-only: it is stored sealed (like marketplace
    credentials) and never returned; ``sales.webhook_secret_set`` says whether one is set."""
    owner = await session.get(Tenant, tenant.tenant_id)
    assert owner is not None
    patch = dict(body)
    hours_value = patch.pop("business_hours", None)  # a column of its own, not a setting
    errors: list[Any] = []
    sales = patch.get("sales")
    secret = sales.get("webhook_secret") if isinstance(sales, dict) else None
    if isinstance(secret, str) and CredentialBox.is_sealed(secret.strip()):
        errors.append(
            {
                "type": "value_error",
                "loc": ("body", "sales", "webhook_secret"),
                "msg": f"a webhook secret must not start with {CredentialBox.SEALED!r}",
                "input": None,
            }
        )
    hours: BusinessHours | None = None
    if hours_value is not None:
        try:
            hours = BusinessHours.model_validate(hours_value)
        except ValidationError as error:
            errors += _located(error, ("body", "business_hours"))
    try:
        settings = TenantSettings.parse(owner.settings).merged(patch)
    except ValidationError as error:
        errors += _located(error, ("body",))
    if errors:
        raise RequestValidationError(errors)
    owner.settings = sealed_settings(settings.to_json(), services.credentials)
    if hours is not None:
        owner.business_hours = hours.model_dump()
    await session.commit()
    return _public(owner)


def _located(error: ValidationError, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    """Pydantic's errors as FastAPI reports a body's: the location starts with ``body``."""
    return [
        {**problem, "loc": (*prefix, *problem["loc"])}
        for problem in error.errors(include_url=False, include_context=False)
    ]
