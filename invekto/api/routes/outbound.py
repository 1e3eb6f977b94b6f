"""Messages Invekto writes first: WhatsApp templates, rules (an event or a time → a template),
campaigns, the sends themselves and marketing consent (issue 13, ``docs/outbound-design.md``).

Every role that works the inbox may read; owners and admins manage (create, edit, submit,
launch). Every query is filtered by the caller's tenant: another tenant's ids answer 404. Bad
input is a 4xx naming what is wrong; a campaign in the wrong state for a step is a 409 with the
reason.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.api.deps import ServicesDep, TenantContext, TenantSessionDep, require
from invekto.api.routes.conversations import mask_phone
from invekto.outbound import campaigns, consent, events, templates
from invekto.storage.models import (
    Campaign,
    Channel,
    ConsentEvent,
    Customer,
    Message,
    OutboundRule,
    OutboundSend,
    Tenant,
    WaTemplate,
    utcnow,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/outbound", tags=["outbound"])

VIEW = "outbound.view"
MANAGE = "outbound.manage"

EDITABLE_TEMPLATE = frozenset({"DRAFT", "REJECTED"})
"""A template may be edited, deleted and (re)submitted only before Meta approved it."""
MAX_DELAY_MINUTES = 60 * 24 * 60
LIVE_CAMPAIGN = ("draft", "scheduled", "running", "paused")
Name = Annotated[str, Field(min_length=1, max_length=512, pattern=r"^[a-z0-9_]{1,512}$")]
VariableKey = Annotated[str, Field(min_length=1, max_length=64)]


def _not_found(what: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what}")


def _invalid(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, reason)


def _conflict(reason: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, reason)


async def _tenant_row(session: AsyncSession, tenant: TenantContext) -> Tenant:
    row = await session.get(Tenant, tenant.tenant_id)
    if row is None:  # the user's tenant was deleted under them
        raise _not_found("tenant")
    return row


def _bounded_json(value: dict[str, Any], limit: int, what: str) -> dict[str, Any]:
    if len(json.dumps(value, ensure_ascii=False, default=str)) > limit:
        raise ValueError(f"{what} is too large (at most {limit} characters as JSON)")
    return value


# --- templates ----------------------------------------------------------------------------------


class TemplateVariablePublic(BaseModel):
    name: str
    type: str = "text"
    example: str = ""


class TemplateButtonPublic(BaseModel):
    type: str
    """``quick_reply`` or ``url``."""
    text: str
    payload: str | None = None
    url: str | None = None


class TemplatePublic(BaseModel):
    """A template of the tenant's WhatsApp Business Account, one per name and language."""

    id: uuid.UUID
    name: str
    language: str
    category: str
    parameter_format: str
    variables: list[TemplateVariablePublic]
    header: str | None
    body: str
    footer: str | None
    buttons: list[TemplateButtonPublic]
    ttl_seconds: int | None
    status: str
    """DRAFT (not submitted), PENDING, APPROVED, REJECTED, PAUSED, DISABLED, ..."""
    reason: str | None
    """Why Meta rejected, paused or disabled it."""
    editable: bool
    """Whether it may still be edited, deleted and submitted (DRAFT or REJECTED)."""
    meta_template_id: str | None
    submitted_at: dt.datetime | None
    status_at: dt.datetime | None
    created_at: dt.datetime
    history: list[dict[str, Any]]


class TemplatePreview(BaseModel):
    text: str
    """The message as the customer reads it (header, body, footer)."""
    parameters: dict[str, str]
    buttons: list[TemplateButtonPublic]


def _component(row: WaTemplate, kind: str) -> dict[str, Any] | None:
    for component in row.components or []:
        if isinstance(component, dict) and str(component.get("type", "")).upper() == kind:
            return component
    return None


def _raw_buttons(row: WaTemplate) -> list[TemplateButtonPublic]:
    found = _component(row, "BUTTONS")
    out: list[TemplateButtonPublic] = []
    for button in (found or {}).get("buttons") or []:
        if isinstance(button, dict):
            out.append(
                TemplateButtonPublic(
                    type=str(button.get("type", "")).lower(),
                    text=str(button.get("text", "")),
                    payload=button.get("payload"),
                    url=button.get("url"),
                )
            )
    return out


def _raw_text(row: WaTemplate, kind: str) -> str | None:
    found = _component(row, kind)
    text = found.get("text") if found else None
    return str(text) if text is not None else None


def template_public(row: WaTemplate) -> TemplatePublic:
    """The row with its texts as written (``{{1}}`` numbered over all the variables); a row
    Invekto cannot read back as a spec (made in WhatsApp Manager) shows Meta's components."""
    try:
        spec = templates.spec_from_row(row)
    except (ValueError, TypeError, KeyError):
        spec = None
    if spec is not None:
        header, body, footer = spec.header, spec.body, spec.footer
        buttons = [TemplateButtonPublic.model_validate(b.model_dump()) for b in spec.buttons]
    else:
        header, body = _raw_text(row, "HEADER"), _raw_text(row, "BODY") or ""
        footer, buttons = _raw_text(row, "FOOTER"), _raw_buttons(row)
    return TemplatePublic(
        id=row.id,
        name=row.name,
        language=row.language,
        category=row.category,
        parameter_format=row.parameter_format,
        variables=[
            TemplateVariablePublic.model_validate(v)
            for v in row.variables or []
            if isinstance(v, dict) and "name" in v
        ],
        header=header,
        body=body,
        footer=footer,
        buttons=buttons,
        ttl_seconds=row.ttl_seconds,
        status=row.status,
        reason=row.reason,
        editable=row.status in EDITABLE_TEMPLATE,
        meta_template_id=row.meta_template_id,
        submitted_at=row.submitted_at,
        status_at=row.status_at,
        created_at=row.created_at,
        history=list(row.history or []),
    )


def _fill(row: WaTemplate, spec: templates.TemplateSpec) -> None:
    values = templates.row_values(spec)
    for key in ("status", "history"):
        values.pop(key, None)
    for key, value in values.items():
        setattr(row, key, value)


async def _template(session: AsyncSession, tenant: TenantContext, template_id: uuid.UUID):
    row = await session.scalar(
        select(WaTemplate).where(
            WaTemplate.id == template_id, WaTemplate.tenant_id == tenant.tenant_id
        )
    )
    if row is None:
        raise _not_found("template")
    return row


async def _name_taken(
    session: AsyncSession,
    tenant: TenantContext,
    name: str,
    language: str,
    but: uuid.UUID | None = None,
) -> bool:
    query = select(WaTemplate.id).where(
        WaTemplate.tenant_id == tenant.tenant_id,
        WaTemplate.name == name,
        WaTemplate.language == language,
    )
    if but is not None:
        query = query.where(WaTemplate.id != but)
    return await session.scalar(query) is not None


async def _commit_unique(session: AsyncSession, reason: str) -> None:
    try:
        await session.commit()
    except IntegrityError as exc:
        await session.rollback()
        raise _conflict(reason) from exc


@router.get("/templates")
async def list_templates(
    session: TenantSessionDep,
    status_filter: Annotated[str | None, Query(alias="status", max_length=24)] = None,
    tenant: TenantContext = require(VIEW),
) -> list[TemplatePublic]:
    """The tenant's templates by name and language (``status``: only those in that status)."""
    query = select(WaTemplate).where(WaTemplate.tenant_id == tenant.tenant_id)
    if status_filter:
        query = query.where(WaTemplate.status == status_filter.upper())
    rows = await session.scalars(query.order_by(WaTemplate.name, WaTemplate.language))
    return [template_public(r) for r in rows]


@router.post("/templates", status_code=status.HTTP_201_CREATED)
async def create_template(
    spec: templates.TemplateSpec,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> TemplatePublic:
    """A new template, kept as a DRAFT until submitted. 409: the name is taken in that language."""
    if await _name_taken(session, tenant, spec.name, spec.language):
        raise _conflict(f"a template {spec.name} ({spec.language}) already exists")
    row = WaTemplate(tenant_id=tenant.tenant_id, status="DRAFT")
    _fill(row, spec)
    row.history = [{"at": utcnow().isoformat(), "event": "DRAFT"}]
    session.add(row)
    await _commit_unique(session, f"a template {spec.name} ({spec.language}) already exists")
    return template_public(row)


@router.get("/templates/{template_id}")
async def read_template(
    template_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> TemplatePublic:
    return template_public(await _template(session, tenant, template_id))


@router.put("/templates/{template_id}")
async def update_template(
    template_id: uuid.UUID,
    spec: templates.TemplateSpec,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> TemplatePublic:
    """Replace a DRAFT or REJECTED template (a rejected one becomes a DRAFT again, to be fixed
    and submitted anew). 409: it is submitted or approved, or the new name is taken."""
    row = await _template(session, tenant, template_id)
    if row.status not in EDITABLE_TEMPLATE:
        raise _conflict(f"a {row.status} template cannot be edited; make a new one")
    if await _name_taken(session, tenant, spec.name, spec.language, but=row.id):
        raise _conflict(f"a template {spec.name} ({spec.language}) already exists")
    _fill(row, spec)
    if row.status != "DRAFT":
        row.status = "DRAFT"
        row.history = [*(row.history or []), {"at": utcnow().isoformat(), "event": "EDITED"}]
    await _commit_unique(session, f"a template {spec.name} ({spec.language}) already exists")
    return template_public(row)


@router.delete("/templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(
    template_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> None:
    """Delete a DRAFT or REJECTED template. 409: it was approved or is pending at Meta, or a
    rule or an unfinished campaign uses its name (and no other language of it is left)."""
    row = await _template(session, tenant, template_id)
    if row.status not in EDITABLE_TEMPLATE:
        raise _conflict(f"a {row.status} template cannot be deleted here")
    siblings = await session.scalar(
        select(func.count())
        .select_from(WaTemplate)
        .where(
            WaTemplate.tenant_id == tenant.tenant_id,
            WaTemplate.name == row.name,
            WaTemplate.id != row.id,
        )
    )
    if not siblings:
        rule = await session.scalar(
            select(OutboundRule.name).where(
                OutboundRule.tenant_id == tenant.tenant_id,
                OutboundRule.template_name == row.name,
            )
        )
        if rule is not None:
            raise _conflict(f"the rule {rule!r} uses this template")
        campaign = await session.scalar(
            select(Campaign.name).where(
                Campaign.tenant_id == tenant.tenant_id,
                Campaign.status.in_(LIVE_CAMPAIGN),
                (Campaign.template_a == row.name) | (Campaign.template_b == row.name),
            )
        )
        if campaign is not None:
            raise _conflict(f"the campaign {campaign!r} uses this template")
    await session.delete(row)
    await session.commit()


async def _active_channel(session: AsyncSession, tenant: TenantContext) -> Channel:
    channel = await session.scalar(
        select(Channel)
        .where(Channel.tenant_id == tenant.tenant_id, Channel.active.is_(True))
        .order_by(Channel.created_at)
        .limit(1)
    )
    if channel is None:
        raise _conflict("no WhatsApp number is connected: connect one in onboarding first")
    return channel


@router.post("/templates/{template_id}/submit")
async def submit_template(
    template_id: uuid.UUID,
    services: ServicesDep,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> TemplatePublic:
    """Submit a DRAFT or REJECTED template to the WhatsApp Business Account for review; the
    status then follows Meta's webhooks. 409: already submitted, or no number is connected;
    422: Meta refused it or could not be reached (the reason is in ``detail`` and kept on the
    template)."""
    row = await _template(session, tenant, template_id)
    if row.status not in EDITABLE_TEMPLATE:
        raise _conflict(f"the template is {row.status}, it cannot be submitted again")
    channel = await _active_channel(session, tenant)
    before = row.submitted_at
    await templates.submit(services, session, row, channel)  # a refusal sets ``reason``
    accepted = row.submitted_at is not None and row.submitted_at != before
    await session.commit()
    await session.refresh(row)
    if not accepted:
        raise _invalid(f"WhatsApp did not accept the template: {row.reason or 'no reason given'}")
    return template_public(row)


class SubmitDraftsResult(BaseModel):
    submitted: list[TemplatePublic]
    """Now PENDING (or already APPROVED, when Meta answered so)."""
    refused: list[TemplatePublic]
    """Still drafts: Meta refused them or could not be reached (``reason`` says why)."""


@router.post("/templates/submit-drafts")
async def submit_drafts(
    services: ServicesDep,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> SubmitDraftsResult:
    """Submit every DRAFT template (the built-in flows' come as drafts, in three languages) in
    one go; each is committed as it is answered, so a refusal does not hold back the rest.
    409: no number is connected."""
    channel = await _active_channel(session, tenant)
    drafts = (
        await session.scalars(
            select(WaTemplate)
            .where(WaTemplate.tenant_id == tenant.tenant_id, WaTemplate.status == "DRAFT")
            .order_by(WaTemplate.name, WaTemplate.language)
            .limit(MAX_DRAFTS_AT_ONCE)
        )
    ).all()
    submitted, refused = [], []
    for row in drafts:
        await templates.submit(services, session, row, channel)
        await session.commit()  # releases the row: Meta's approval webhook may follow at once
        await session.refresh(row)
        (submitted if row.status != "DRAFT" else refused).append(template_public(row))
    return SubmitDraftsResult(submitted=submitted, refused=refused)


MAX_DRAFTS_AT_ONCE = 50
"""Meta allows 100 template creations per WABA per hour; one click sends at most half."""


@router.get("/templates/{template_id}/preview")
async def preview_template(
    template_id: uuid.UUID,
    request: Request,
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
) -> TemplatePreview:
    """The template as a customer reads it, its variables filled with their examples; a query
    parameter named like a variable (``?order_number=TY1``) fills it instead."""
    row = await _template(session, tenant, template_id)
    parameters = {
        str(v["name"]): str(v.get("example", "")) for v in row.variables or [] if "name" in v
    }
    for key, value in request.query_params.items():
        if key in parameters:
            parameters[key] = value[:1024]
    try:
        text = templates.render(row, parameters)
    except ValueError as exc:  # a row Invekto cannot read (made in WhatsApp Manager)
        raise _invalid(f"cannot render this template: {exc}") from exc
    return TemplatePreview(
        text=text,
        parameters=parameters,
        buttons=template_public(row).buttons,
    )


# --- rules --------------------------------------------------------------------------------------


class VariableSource(BaseModel):
    """Where a template variable's value comes from: a field of the event (or of the customer,
    for campaigns and schedules), or a fixed text."""

    field: str | None = Field(None, min_length=1, max_length=64)
    value: str | None = Field(None, max_length=1024)
    default: str | None = Field(None, max_length=1024)
    """For a field: the text used when the field is empty (campaigns)."""

    @model_validator(mode="after")
    def _one(self) -> VariableSource:
        if (self.field is None) == (self.value is None):
            raise ValueError('give exactly one of "field" and "value"')
        return self

    def stored(self) -> dict[str, str]:
        if self.field is None:
            return {"value": self.value or ""}
        if self.default:
            return {"field": self.field, "default": self.default}
        return {"field": self.field}


class Schedule(BaseModel):
    """A time of day in the tenant's zone (never inside quiet hours): recurring (``every``) for
    a rule triggered by ``schedule``; for an event rule, only ``at``: the send waits for the
    first such time after the event and its delay ("the next morning at 10:00")."""

    every: Literal["day", "week"] | None = None
    at: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Monday … 6 = Sunday")

    @model_validator(mode="after")
    def _weekday(self) -> Schedule:
        if self.every == "week" and self.weekday is None:
            raise ValueError("a weekly schedule needs a weekday (0 = Monday … 6 = Sunday)")
        if self.every == "day":
            self.weekday = None
        return self


class RuleIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    trigger: str = Field(min_length=1, max_length=40)
    """An event kind (``GET /api/outbound/triggers``) or ``schedule``."""
    condition: dict[str, Any] = Field(default_factory=dict)
    """Conditions on the event's fields, e.g. ``{"rating_max": 2}`` (at most 2,000 characters)."""
    template_name: Name
    variables: dict[VariableKey, VariableSource] = Field(default_factory=dict, max_length=30)
    delay_minutes: int = Field(0, ge=0, le=MAX_DELAY_MINUTES, description="0 … 60 days")
    schedule: Schedule | None = None
    enabled: bool = True
    follow_up_hours: int | None = Field(None, ge=1, le=720)

    @field_validator("condition")
    @classmethod
    def _small(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _bounded_json(value, 2000, "condition")


class RulePublic(BaseModel):
    id: uuid.UUID
    name: str
    trigger: str
    condition: dict[str, Any]
    template_name: str
    variables: dict[str, dict[str, str]]
    delay_minutes: int
    schedule: dict[str, Any] | None
    flow: str | None
    """The built-in flow the rule belongs to (post_purchase, shipping_update, ...); None for
    the tenant's own rules."""
    builtin: bool
    enabled: bool
    follow_up_hours: int | None
    created_at: dt.datetime


class EnabledIn(BaseModel):
    enabled: bool


class TriggerPublic(BaseModel):
    kind: str
    description: str
    fields: list[str]
    """The event's fields a template variable may be mapped from."""


SCHEDULE_FIELDS = ("customer_name",)
"""What a scheduled rule may map: the customer it goes to."""


def trigger_fields(kind: str) -> list[str]:
    if kind == "schedule":
        return list(SCHEDULE_FIELDS)
    return list(events.EVENT_FIELDS.get(kind, ()))


def rule_public(row: OutboundRule) -> RulePublic:
    return RulePublic(
        id=row.id,
        name=row.name,
        trigger=row.trigger,
        condition=row.condition or {},
        template_name=row.template_name,
        variables={k: dict(v) for k, v in (row.variables or {}).items() if isinstance(v, dict)},
        delay_minutes=row.delay_minutes,
        schedule=row.schedule,
        flow=row.flow,
        builtin=row.flow is not None,
        enabled=row.enabled,
        follow_up_hours=row.follow_up_hours,
        created_at=row.created_at,
    )


async def _template_variables(
    session: AsyncSession, tenant: TenantContext, name: str
) -> list[str] | None:
    """The variable names of the tenant's template ``name`` (every language), in order; None
    when the tenant has no template of that name."""
    rows = list(
        await session.scalars(
            select(WaTemplate).where(
                WaTemplate.tenant_id == tenant.tenant_id, WaTemplate.name == name
            )
        )
    )
    if not rows:
        return None
    names: list[str] = []
    for row in rows:
        for variable in row.variables or []:
            if (
                isinstance(variable, dict)
                and variable.get("name")
                and variable["name"] not in names
            ):
                names.append(str(variable["name"]))
    return names


async def _check_mapping(
    session: AsyncSession,
    tenant: TenantContext,
    template_name: str,
    variables: dict[str, VariableSource],
    *,
    label: str = "template",
) -> list[str]:
    wanted = await _template_variables(session, tenant, template_name)
    if wanted is None:
        raise _invalid(f"no {label} named {template_name!r}: create it first")
    missing = [name for name in wanted if name not in variables]
    if missing:
        raise _invalid(f"map every variable of {template_name}: {', '.join(missing)} not mapped")
    return wanted


async def _check_rule(session: AsyncSession, tenant: TenantContext, body: RuleIn) -> None:
    if body.trigger != "schedule" and body.trigger not in events.EVENT_KINDS:
        kinds = ", ".join([*events.EVENT_KINDS, "schedule"])
        raise _invalid(f"unknown trigger {body.trigger!r}; one of: {kinds}")
    if body.trigger == "schedule" and body.schedule is None:
        raise _invalid('a rule triggered by "schedule" needs a schedule')
    if body.trigger == "schedule" and body.schedule is not None and body.schedule.every is None:
        raise _invalid('a rule triggered by "schedule" repeats: give "every" (day or week)')
    if body.trigger != "schedule" and body.schedule is not None and body.schedule.every:
        raise _invalid(
            'only a rule triggered by "schedule" repeats; an event rule takes just a time '
            'of day ("at")'
        )
    try:
        events.check_condition(body.condition)
    except ValueError as exc:
        raise _invalid(f"condition: {exc}") from exc
    fields = trigger_fields(body.trigger)
    for name, source in body.variables.items():
        if source.field is not None and source.field not in fields:
            raise _invalid(
                f"{name}: {body.trigger} has no field {source.field!r}; one of: {', '.join(fields)}"
            )
    wanted = await _check_mapping(session, tenant, body.template_name, body.variables)
    extra = [name for name in body.variables if name not in wanted]
    if extra:
        raise _invalid(f"{body.template_name} has no variable {', '.join(extra)}")


def _apply_rule(row: OutboundRule, body: RuleIn) -> None:
    row.name = body.name.strip()
    row.trigger = body.trigger
    row.condition = body.condition
    row.template_name = body.template_name
    row.variables = {k: v.stored() for k, v in body.variables.items()}
    row.delay_minutes = body.delay_minutes
    row.schedule = body.schedule.model_dump(exclude_none=True) if body.schedule else None
    row.enabled = body.enabled
    row.follow_up_hours = body.follow_up_hours


async def _rule(session: AsyncSession, tenant: TenantContext, rule_id: uuid.UUID) -> OutboundRule:
    row = await session.scalar(
        select(OutboundRule).where(
            OutboundRule.id == rule_id, OutboundRule.tenant_id == tenant.tenant_id
        )
    )
    if row is None:
        raise _not_found("rule")
    return row


@router.get("/triggers")
async def list_triggers(tenant: TenantContext = require(VIEW)) -> list[TriggerPublic]:
    """What a rule may be triggered by: every event kind with the fields it carries, then
    ``schedule`` (a recurring time)."""
    kinds = [
        TriggerPublic(kind=kind, description=str(text), fields=trigger_fields(kind))
        for kind, text in events.EVENT_KINDS.items()
    ]
    kinds.append(
        TriggerPublic(
            kind="schedule",
            description="A recurring time in the tenant's zone",
            fields=trigger_fields("schedule"),
        )
    )
    return kinds


@router.get("/rules")
async def list_rules(
    session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> list[RulePublic]:
    """Every rule, the built-in flows first, then by name."""
    rows = await session.scalars(
        select(OutboundRule)
        .where(OutboundRule.tenant_id == tenant.tenant_id)
        .order_by(OutboundRule.flow.is_(None), OutboundRule.name)
    )
    return [rule_public(r) for r in rows]


@router.post("/rules", status_code=status.HTTP_201_CREATED)
async def create_rule(
    body: RuleIn, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> RulePublic:
    """A new rule. 422: unknown trigger, missing schedule, no such template, a variable not
    mapped; 409: the name is taken."""
    await _check_rule(session, tenant, body)
    row = OutboundRule(tenant_id=tenant.tenant_id)
    _apply_rule(row, body)
    session.add(row)
    await _commit_unique(session, f"a rule named {body.name!r} already exists")
    return rule_public(row)


@router.put("/rules/{rule_id}")
async def update_rule(
    rule_id: uuid.UUID,
    body: RuleIn,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> RulePublic:
    """Replace a rule (a built-in flow keeps its flow and trigger). Sends already scheduled
    keep what they were scheduled with."""
    row = await _rule(session, tenant, rule_id)
    if row.flow is not None and body.trigger != row.trigger:
        raise _invalid(f"the built-in flow {row.flow} is triggered by {row.trigger}")
    await _check_rule(session, tenant, body)
    _apply_rule(row, body)
    await _commit_unique(session, f"a rule named {body.name!r} already exists")
    return rule_public(row)


@router.delete("/rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(
    rule_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> None:
    """Delete one of the tenant's own rules. 409: a built-in flow is turned off, not deleted."""
    row = await _rule(session, tenant, rule_id)
    if row.flow is not None:
        raise _conflict("a built-in flow cannot be deleted: turn it off instead")
    await session.delete(row)
    await session.commit()


@router.post("/rules/{rule_id}/enabled")
async def set_rule_enabled(
    rule_id: uuid.UUID,
    body: EnabledIn,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> RulePublic:
    """Turn a rule (or a built-in flow) on or off."""
    row = await _rule(session, tenant, rule_id)
    row.enabled = body.enabled
    await session.commit()
    return rule_public(row)


# --- campaigns ----------------------------------------------------------------------------------


def _audience_stored(audience: campaigns.Audience) -> dict[str, Any]:
    return audience.model_dump(mode="json", exclude_none=True)


CAMPAIGN_FIELDS = ("name", "first_name", "phone")
"""What a campaign variable may be filled from: the recipient's name, first name, number."""


class CampaignIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    audience: campaigns.Audience = Field(default_factory=campaigns.Audience)
    template_a: Name
    template_b: Name | None = None
    """A second template for an A/B test."""
    split_percent: int = Field(50, ge=1, le=99)
    """The share of recipients who get ``template_a`` when there is a ``template_b``."""
    variables: dict[VariableKey, VariableSource] = Field(default_factory=dict, max_length=30)
    """Template variable → a field of the recipient (``name``, ``first_name``, ``phone``; with
    an optional ``default`` for an empty one) or a fixed text."""
    conversion_days: int = Field(7, ge=1, le=90)
    """An order or a reply within this many days counts as a conversion."""


class CampaignPublic(BaseModel):
    id: uuid.UUID
    name: str
    status: str
    """draft, scheduled, running, paused, completed, cancelled."""
    audience: dict[str, Any]
    template_a: str
    template_b: str | None
    split_percent: int
    variables: dict[str, dict[str, str]]
    scheduled_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    conversion_days: int
    recipients: int
    created_at: dt.datetime


class AudienceIn(BaseModel):
    audience: campaigns.Audience = Field(default_factory=campaigns.Audience)
    template_a: Name | None = None
    template_b: Name | None = None
    """The campaign's templates, when chosen: a MARKETING one leaves out every customer who
    stopped marketing messages (without templates the audience counts as MARKETING)."""


class AudiencePreview(BaseModel):
    count: int
    """Customers who would get the campaign now (opted-out ones left out)."""
    sample: list[dict[str, Any]]
    """A few of them: id, name, masked phone number, language, tags."""
    category: str
    """The template category the count assumes (MARKETING unless the templates say else)."""
    opted_out_excluded: int
    """Customers matching the filters but left out because they stopped marketing."""
    channel: bool
    """False when no WhatsApp number is connected (nobody can be reached: the count is 0)."""


class ScheduleIn(BaseModel):
    at: dt.datetime

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its zone (e.g. 2026-12-01T10:00:00+03:00)")
        return value


class VariantStats(BaseModel):
    """What one template of a campaign did (``variant`` "A", "B", or "total")."""

    variant: str
    template: str | None = None
    recipients: int = 0
    scheduled: int = 0
    paused: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    replied: int = 0
    converted: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    orders: int = 0
    revenue: float = 0.0
    cost: float = 0.0
    roi: float | None = None


class CampaignStats(BaseModel):
    campaign_id: uuid.UUID
    status: str
    variants: list[VariantStats]
    total: VariantStats
    cost: float
    """What the messages sent cost (TL, the tenant's per-message price)."""
    revenue: float
    """Orders by recipients within the conversion window (TL)."""
    roi: float | None
    """(revenue − cost) / cost; None while nothing cost anything."""
    raw: dict[str, Any] = Field(default_factory=dict)
    """Everything else the stats hold."""


def campaign_public(row: Campaign) -> CampaignPublic:
    return CampaignPublic(
        id=row.id,
        name=row.name,
        status=row.status,
        audience=row.audience or {},
        template_a=row.template_a,
        template_b=row.template_b,
        split_percent=row.split_percent,
        variables={k: dict(v) for k, v in (row.variables or {}).items() if isinstance(v, dict)},
        scheduled_at=row.scheduled_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        conversion_days=row.conversion_days,
        recipients=row.recipients,
        created_at=row.created_at,
    )


async def _campaign(
    session: AsyncSession, tenant: TenantContext, campaign_id: uuid.UUID, *, lock: bool = False
) -> Campaign:
    query = select(Campaign).where(
        Campaign.id == campaign_id, Campaign.tenant_id == tenant.tenant_id
    )
    if lock:
        query = query.with_for_update()
    row = await session.scalar(query)
    if row is None:
        raise _not_found("campaign")
    return row


async def _check_campaign(session: AsyncSession, tenant: TenantContext, body: CampaignIn) -> None:
    if body.template_b is not None and body.template_b == body.template_a:
        raise _invalid("template_b must differ from template_a (or leave it out)")
    for name, source in body.variables.items():
        if source.field is not None and source.field not in CAMPAIGN_FIELDS:
            raise _invalid(
                f"{name}: no recipient field {source.field!r}; one of: name, first_name, phone"
            )
    wanted = await _check_mapping(session, tenant, body.template_a, body.variables)
    if body.template_b is not None:
        wanted += await _check_mapping(session, tenant, body.template_b, body.variables)
    extra = [name for name in body.variables if name not in wanted]
    if extra:
        raise _invalid(f"the templates have no variable {', '.join(extra)}")


def _apply_campaign(row: Campaign, body: CampaignIn) -> None:
    row.name = body.name.strip()
    row.audience = _audience_stored(body.audience)
    row.template_a = body.template_a
    row.template_b = body.template_b
    row.split_percent = body.split_percent
    row.variables = {k: v.stored() for k, v in body.variables.items()}
    row.conversion_days = body.conversion_days


def _state_error(exc: Exception) -> HTTPException:
    return _conflict(str(exc) or "the campaign is not in a state for this")


def _plain(value: Any) -> Any:
    """A dataclass / pydantic model / mapping as JSON-able dicts and lists."""
    if callable(getattr(value, "as_dict", None)):
        return _plain(value.as_dict())
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _plain(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, uuid.UUID | dt.datetime | dt.date):
        return str(value)
    return value


@router.get("/campaigns")
async def list_campaigns(
    session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> list[CampaignPublic]:
    """Every campaign, newest first."""
    rows = await session.scalars(
        select(Campaign)
        .where(Campaign.tenant_id == tenant.tenant_id)
        .order_by(Campaign.created_at.desc(), Campaign.id)
    )
    return [campaign_public(r) for r in rows]


@router.post("/campaigns", status_code=status.HTTP_201_CREATED)
async def create_campaign(
    body: CampaignIn, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> CampaignPublic:
    """A new campaign, as a draft. 422: no such template, a variable not mapped."""
    await _check_campaign(session, tenant, body)
    row = Campaign(tenant_id=tenant.tenant_id, status="draft")
    _apply_campaign(row, body)
    session.add(row)
    await session.commit()
    return campaign_public(row)


@router.post("/campaigns/preview")
async def preview_audience(
    body: AudienceIn, session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> AudiencePreview:
    """How many customers an audience reaches now, and a few of them."""
    owner = await _tenant_row(session, tenant)
    draft = None
    if body.template_a:  # not stored: only its templates' category counts
        draft = Campaign(
            tenant_id=tenant.tenant_id, template_a=body.template_a, template_b=body.template_b
        )
    try:
        found = await campaigns.preview(session, owner, body.audience, campaign=draft)
    except campaigns.CampaignStateError as exc:
        raise _invalid(str(exc)) from exc
    return AudiencePreview(
        count=found.count,
        sample=found.sample,
        category=found.category,
        opted_out_excluded=found.opted_out_excluded,
        channel=found.channel,
    )


@router.get("/campaigns/{campaign_id}")
async def read_campaign(
    campaign_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> CampaignPublic:
    return campaign_public(await _campaign(session, tenant, campaign_id))


@router.put("/campaigns/{campaign_id}")
async def update_campaign(
    campaign_id: uuid.UUID,
    body: CampaignIn,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> CampaignPublic:
    """Replace a draft. 409: it is scheduled, running or over."""
    row = await _campaign(session, tenant, campaign_id, lock=True)
    if row.status != "draft":
        raise _conflict(f"a {row.status} campaign cannot be edited")
    await _check_campaign(session, tenant, body)
    _apply_campaign(row, body)
    await session.commit()
    return campaign_public(row)


@router.delete("/campaigns/{campaign_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_campaign(
    campaign_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> None:
    """Delete a draft. 409: it was scheduled or sent (cancel it instead)."""
    row = await _campaign(session, tenant, campaign_id, lock=True)
    if row.status != "draft":
        raise _conflict(f"a {row.status} campaign cannot be deleted: cancel it instead")
    await session.delete(row)
    await session.commit()


async def _step(
    session: AsyncSession, tenant: TenantContext, campaign_id: uuid.UUID, step: str, **extra: Any
) -> CampaignPublic:
    row = await _campaign(session, tenant, campaign_id, lock=True)
    owner = await _tenant_row(session, tenant)
    try:
        if step == "schedule":
            await campaigns.schedule_campaign(session, owner, row, extra["at"])
        else:
            await getattr(campaigns, step)(session, owner, row)
    except campaigns.CampaignStateError as exc:
        await session.rollback()
        raise _state_error(exc) from exc
    await session.commit()
    await session.refresh(row)
    return campaign_public(row)


@router.post("/campaigns/{campaign_id}/schedule")
async def schedule_campaign(
    campaign_id: uuid.UUID,
    body: ScheduleIn,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> CampaignPublic:
    """Send a draft at ``at`` (its recipients are fixed then). 409 with the reason otherwise."""
    return await _step(session, tenant, campaign_id, "schedule", at=body.at)


@router.post("/campaigns/{campaign_id}/launch")
async def launch_campaign(
    campaign_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> CampaignPublic:
    """Start sending now (a draft or a scheduled campaign). 409 with the reason otherwise."""
    return await _step(session, tenant, campaign_id, "launch")


@router.post("/campaigns/{campaign_id}/pause")
async def pause_campaign(
    campaign_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> CampaignPublic:
    """Stop sending for now (what is not sent yet waits). 409 unless running or scheduled."""
    return await _step(session, tenant, campaign_id, "pause")


@router.post("/campaigns/{campaign_id}/resume")
async def resume_campaign(
    campaign_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> CampaignPublic:
    """Go on sending a paused campaign. 409 unless paused."""
    return await _step(session, tenant, campaign_id, "resume")


@router.post("/campaigns/{campaign_id}/cancel")
async def cancel_campaign(
    campaign_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> CampaignPublic:
    """Stop for good: what is not sent yet is cancelled. 409 once completed or cancelled."""
    return await _step(session, tenant, campaign_id, "cancel_campaign")


def _num(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _variant(data: dict[str, Any], name: str) -> VariantStats:
    known = set(VariantStats.model_fields) - {"variant"}
    values = {k: v for k, v in data.items() if k in known and v is not None}
    for key in ("revenue", "cost", "roi"):
        if key in values:
            values[key] = _num(values[key])
    return VariantStats(variant=str(data.get("variant") or name), **values)


@router.get("/campaigns/{campaign_id}/stats")
async def campaign_stats(
    campaign_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> CampaignStats:
    """Per variant: recipients, sent, delivered, read, replied, converted, failed; the cost of
    what was sent, the revenue of the conversions and the ROI."""
    row = await _campaign(session, tenant, campaign_id)
    found = _plain(await campaigns.stats(session, row, utcnow()))
    data: dict[str, Any] = found if isinstance(found, dict) else {}
    raw_variants = data.get("variants") or {}
    if isinstance(raw_variants, dict):
        variants = [_variant(v, k) for k, v in raw_variants.items() if isinstance(v, dict)]
    else:
        variants = [_variant(v, str(i)) for i, v in enumerate(raw_variants) if isinstance(v, dict)]
    total_data = data.get("total")
    if isinstance(total_data, dict):
        total = _variant(total_data, "total")
    else:
        total = VariantStats(variant="total")
        for variant in variants:
            for key in set(VariantStats.model_fields) - {"variant", "template", "roi"}:
                setattr(total, key, getattr(total, key) + getattr(variant, key))
    total.variant = "total"
    cost = _num(data.get("cost", total.cost))
    revenue = _num(data.get("revenue", total.revenue))
    roi = data.get("roi", total.roi)
    if roi is None and cost > 0:
        roi = (revenue - cost) / cost
    rest = {
        k: v
        for k, v in data.items()
        if k not in {"variants", "total", "cost", "revenue", "roi", "status", "campaign_id"}
    }
    return CampaignStats(
        campaign_id=row.id,
        status=row.status,
        variants=variants,
        total=total,
        cost=round(cost, 2),
        revenue=round(revenue, 2),
        roi=None if roi is None else round(float(roi), 4),
        raw=rest,
    )


# --- sends --------------------------------------------------------------------------------------


class SendPublic(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    customer_phone: str
    """Masked: ``+90 532 *** ** 33``."""
    conversation_id: uuid.UUID | None
    flow: str | None
    rule_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    variant: str | None
    template_name: str | None
    language: str
    category: str | None
    status: str
    """scheduled, sending, sent, failed, skipped, cancelled."""
    delivery: str | None
    """After ``sent``: the message's own status (sent, delivered, read, failed)."""
    reason: str | None
    due_at: dt.datetime
    sent_at: dt.datetime | None
    attempts: int
    created_at: dt.datetime


class SendPage(BaseModel):
    items: list[SendPublic]
    total: int
    next_offset: int | None


@router.get("/sends")
async def list_sends(
    session: TenantSessionDep,
    status_filter: Annotated[
        Literal["scheduled", "sending", "sent", "failed", "skipped", "cancelled"] | None,
        Query(alias="status"),
    ] = None,
    flow: Annotated[str | None, Query(max_length=40)] = None,
    campaign: uuid.UUID | None = None,
    rule: uuid.UUID | None = None,
    customer: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    tenant: TenantContext = require(VIEW),
) -> SendPage:
    """The messages Invekto wrote or will write first, newest first."""
    query: Select[Any] = select(OutboundSend).where(OutboundSend.tenant_id == tenant.tenant_id)
    if status_filter:
        query = query.where(OutboundSend.status == status_filter)
    if flow:
        query = query.where(OutboundSend.flow == flow)
    if campaign:
        query = query.where(OutboundSend.campaign_id == campaign)
    if rule:
        query = query.where(OutboundSend.rule_id == rule)
    if customer:
        query = query.where(OutboundSend.customer_id == customer)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        await session.scalars(
            query.order_by(OutboundSend.created_at.desc(), OutboundSend.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    customers = await _customers(session, tenant, {r.customer_id for r in rows})
    message_ids = {r.message_id for r in rows if r.message_id}
    deliveries: dict[uuid.UUID, str] = {}
    if message_ids:
        found = await session.execute(
            select(Message.id, Message.status).where(
                Message.tenant_id == tenant.tenant_id, Message.id.in_(message_ids)
            )
        )
        deliveries = {mid: st for mid, st in found.all()}
    items = []
    for row in rows:
        person = customers.get(row.customer_id)
        items.append(
            SendPublic(
                id=row.id,
                customer_id=row.customer_id,
                customer_name=person.name if person else "",
                customer_phone=mask_phone(person.phone) if person else "",
                conversation_id=row.conversation_id,
                flow=row.flow,
                rule_id=row.rule_id,
                campaign_id=row.campaign_id,
                variant=row.variant,
                template_name=row.template_name,
                language=row.language,
                category=row.category,
                status=row.status,
                delivery=deliveries.get(row.message_id) if row.message_id else None,
                reason=row.reason,
                due_at=row.due_at,
                sent_at=row.sent_at,
                attempts=row.attempts,
                created_at=row.created_at,
            )
        )
    following = offset + len(rows)
    return SendPage(items=items, total=total, next_offset=following if following < total else None)


async def _customers(
    session: AsyncSession, tenant: TenantContext, ids: set[uuid.UUID]
) -> dict[uuid.UUID, Customer]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(Customer).where(Customer.tenant_id == tenant.tenant_id, Customer.id.in_(ids))
    )
    return {c.id: c for c in rows}


# --- consent ------------------------------------------------------------------------------------


class ConsentPublic(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    customer_name: str
    customer_phone: str
    """Masked."""
    action: str
    """stop or resume."""
    category: str
    source: str
    """keyword, user_preferences, meta_131050, agent, api."""
    detail: str
    at: dt.datetime
    opted_out: bool
    """The customer's state now (may have changed since this event)."""


class ConsentPage(BaseModel):
    items: list[ConsentPublic]
    total: int
    next_offset: int | None


class ConsentIn(BaseModel):
    action: Literal["stop", "resume"]
    detail: str = Field("", max_length=500)


class ConsentResult(BaseModel):
    customer_id: uuid.UUID
    changed: bool
    opted_out: bool
    marketing_opt_out_at: dt.datetime | None


@router.get("/consent")
async def list_consent(
    session: TenantSessionDep,
    opted_out: Annotated[
        bool, Query(description="Only the latest event of customers opted out now")
    ] = False,
    customer: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    tenant: TenantContext = require(VIEW),
) -> ConsentPage:
    """Opt-outs and opt-ins with their source and time, newest first."""
    query: Select[Any] = select(ConsentEvent).where(ConsentEvent.tenant_id == tenant.tenant_id)
    if customer:
        query = query.where(ConsentEvent.customer_id == customer)
    if opted_out:
        latest = (
            select(ConsentEvent.id)
            .where(
                ConsentEvent.tenant_id == tenant.tenant_id,
                ConsentEvent.action == "stop",
                ConsentEvent.customer_id == Customer.id,
            )
            .order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
            .limit(1)
            .scalar_subquery()
            .correlate(Customer)
        )
        current = select(latest).where(
            Customer.tenant_id == tenant.tenant_id, Customer.marketing_opt_out_at.is_not(None)
        )
        query = query.where(ConsentEvent.id.in_(current))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(
        await session.scalars(
            query.order_by(ConsentEvent.at.desc(), ConsentEvent.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    customers = await _customers(session, tenant, {r.customer_id for r in rows})
    items = []
    for row in rows:
        person = customers.get(row.customer_id)
        items.append(
            ConsentPublic(
                id=row.id,
                customer_id=row.customer_id,
                customer_name=person.name if person else "",
                customer_phone=mask_phone(person.phone) if person else "",
                action=row.action,
                category=row.category,
                source=row.source,
                detail=row.detail,
                at=row.at,
                opted_out=bool(person and person.marketing_opt_out_at is not None),
            )
        )
    following = offset + len(rows)
    return ConsentPage(
        items=items, total=total, next_offset=following if following < total else None
    )


@router.post("/consent/{customer_id}")
async def record_consent(
    customer_id: uuid.UUID,
    body: ConsentIn,
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
) -> ConsentResult:
    """Record that the customer asked (to a person) to stop or resume marketing messages
    (source ``agent``). Anyone working the inbox may: it is the customer's word."""
    person = await session.scalar(
        select(Customer)
        .where(Customer.id == customer_id, Customer.tenant_id == tenant.tenant_id)
        .with_for_update()
    )
    if person is None:
        raise _not_found("customer")
    detail = body.detail.strip() or f"user {tenant.user_id}"
    changed = await consent.record_consent(
        session, person, action=body.action, source="agent", detail=detail
    )
    await session.commit()
    return ConsentResult(
        customer_id=person.id,
        changed=changed,
        opted_out=person.marketing_opt_out_at is not None,
        marketing_opt_out_at=person.marketing_opt_out_at,
    )
