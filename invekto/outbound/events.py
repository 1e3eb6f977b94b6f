"""Events → rules → scheduled sends.

Something happened to a customer (an order shipped, an exchange was agreed, a low review came
in, a cart was left): :func:`emit` finds the tenant's enabled rules for that event, checks each
rule's condition, fills the template's variables from the event and plans one send per rule,
``delay_minutes`` later. The dedupe key (rule + event key) makes a second emit of the same event
(a re-run sync, a redelivered webhook) plan nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.outbound.schedule import Planned, schedule, time_of_day
from invekto.storage.models import Channel, Customer, OutboundRule, Tenant, utcnow

log = logging.getLogger(__name__)

EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "order_shipped": (
        "order_number",
        "customer_name",
        "cargo_provider",
        "tracking_number",
        "tracking_link",
        "product_names",
    ),
    "order_delivered": ("order_number", "customer_name", "product_names", "category"),
    "order_cancelled": ("order_number", "customer_name", "product_names"),
    "return_recorded": ("order_number", "customer_name", "product"),
    "exchange_agreed": ("order_number", "customer_name", "product", "size"),
    "review_imported": (
        "review_id",
        "order_number",
        "customer_name",
        "rating",
        "product",
        "comment",
    ),
    "appointment_booked": (
        "appointment_id",
        "customer_name",
        "service",
        "date",
        "time",
        "starts_at",
    ),
    "payment_received": ("order_number", "customer_name", "amount", "currency"),
    "cart_abandoned": ("cart_id", "customer_name", "item_names", "total", "cart_url"),
    "proposal_sent": ("lead_id", "customer_name", "company", "total", "valid_until"),
}
"""Every event kind and the fields a rule may map into its template's variables."""

EVENT_KINDS: dict[str, str] = {
    "order_shipped": "An order was handed to the carrier (order sync).",
    "order_delivered": "An order was delivered (order sync).",
    "order_cancelled": "An order was cancelled (order sync).",
    "return_recorded": "A return was recorded in a conversation.",
    "exchange_agreed": "An exchange was agreed in a conversation.",
    "review_imported": "A marketplace review came in (CSV upload or webhook).",
    "appointment_booked": "An appointment was booked.",
    "payment_received": "A payment link was paid.",
    "cart_abandoned": "A cart of the seller's own shop was left (webhook).",
    "proposal_sent": "A B2B proposal was sent to a lead (a person approved it).",
}

DEAR_CUSTOMER = {"tr": "Değerli müşterimiz", "en": "Dear customer", "ar": "عميلنا العزيز"}
"""The name a template is given for a customer WhatsApp told us no name of."""

OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "exists")
MAX_CLAUSES = 10
MAX_PARAMETER_CHARS = 1024


class RuleConditionError(ValueError):
    """A rule's condition is not something :func:`holds` can read."""


def check_condition(condition: dict[str, Any]) -> None:
    """Raise ``RuleConditionError`` unless ``condition`` is ``{}`` or ``{"all": [clauses]}``,
    each clause ``{"field", "op", "value"}`` with a known op."""
    if not condition:
        return
    clauses = condition.get("all")
    if set(condition) != {"all"} or not isinstance(clauses, list):
        raise RuleConditionError('a condition is {"all": [{"field", "op", "value"}, ...]}')
    if len(clauses) > MAX_CLAUSES:
        raise RuleConditionError(f"at most {MAX_CLAUSES} clauses")
    for clause in clauses:
        if not isinstance(clause, dict) or not isinstance(clause.get("field"), str):
            raise RuleConditionError("each clause needs a field")
        if clause.get("op") not in OPS:
            raise RuleConditionError(f"op must be one of {', '.join(OPS)}")


def holds(condition: dict[str, Any], data: dict[str, Any]) -> bool:
    """Whether every clause of the condition holds for the event's data."""
    for clause in condition.get("all", []) if condition else []:
        if not _clause(clause, data):
            return False
    return True


def _clause(clause: dict[str, Any], data: dict[str, Any]) -> bool:
    field, op, expected = clause.get("field"), clause.get("op"), clause.get("value")
    value = data.get(field) if isinstance(field, str) else None
    if op == "exists":
        return value not in (None, "", [])
    if value is None:
        return False
    try:
        match op:
            case "eq":
                return bool(value == expected or str(value) == str(expected))
            case "ne":
                return str(value) != str(expected)
            case "lt":
                return float(value) < float(expected)  # type: ignore[arg-type]
            case "lte":
                return float(value) <= float(expected)  # type: ignore[arg-type]
            case "gt":
                return float(value) > float(expected)  # type: ignore[arg-type]
            case "gte":
                return float(value) >= float(expected)  # type: ignore[arg-type]
            case "in":
                return isinstance(expected, list) and str(value) in {str(v) for v in expected}
            case "contains":
                if isinstance(value, list):
                    return str(expected).casefold() in {str(v).casefold() for v in value}
                return str(expected).casefold() in str(value).casefold()
    except (TypeError, ValueError):
        return False
    return False


def parameters_for(rule: OutboundRule, data: dict[str, Any]) -> dict[str, str] | None:
    """The template's variables filled from the event; None when one has no value."""
    filled: dict[str, str] = {}
    for name, source in (rule.variables or {}).items():
        if isinstance(source, dict) and "value" in source:
            value: Any = source["value"]
        elif isinstance(source, dict) and "field" in source:
            value = data.get(str(source["field"]))
        else:
            value = None
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        filled[str(name)] = text[:MAX_PARAMETER_CHARS]
    return filled


async def channel_for(session: AsyncSession, tenant_id: uuid.UUID) -> Channel | None:
    """The tenant's WhatsApp number that writes first (the oldest active one)."""
    return await session.scalar(
        select(Channel)
        .where(Channel.tenant_id == tenant_id, Channel.active.is_(True))
        .order_by(Channel.created_at)
        .limit(1)
    )


def language_of(customer: Customer, tenant: Tenant) -> str:
    return customer.language or tenant.default_language or "tr"


async def emit(
    session: AsyncSession,
    tenant: Tenant,
    customer: Customer,
    kind: str,
    data: dict[str, Any],
    *,
    key: str,
    at: dt.datetime | None = None,
) -> list[uuid.UUID]:
    """Plan the sends of every enabled rule of ``kind`` whose condition holds. Caller commits."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    at = at or utcnow()
    rules = (
        await session.scalars(
            select(OutboundRule)
            .where(
                OutboundRule.tenant_id == tenant.id,
                OutboundRule.trigger == kind,
                OutboundRule.enabled.is_(True),
            )
            .order_by(OutboundRule.created_at)
        )
    ).all()
    if not rules:
        return []
    channel = await channel_for(session, tenant.id)
    if channel is None:
        return []
    language = language_of(customer, tenant)
    event = {"customer_name": customer.name or DEAR_CUSTOMER.get(language, ""), **data}
    planned: list[Planned] = []
    for rule in rules:
        if not holds(rule.condition or {}, event):
            continue
        parameters = parameters_for(rule, event)
        if parameters is None:
            log.warning("rule %s: a template variable has no value in %s %s", rule.id, kind, key)
            continue
        planned.append(
            Planned(
                customer_id=customer.id,
                channel_id=channel.id,
                dedupe_key=f"rule:{rule.id}:{key}",
                due_at=_at_time_of_day(at + dt.timedelta(minutes=rule.delay_minutes), rule, tenant),
                template_name=rule.template_name,
                language=language,
                parameters=parameters,
                context=_context(kind, key, event),
                flow=rule.flow,
                rule_id=rule.id,
            )
        )
    return await schedule(session, tenant, planned)


def _at_time_of_day(due: dt.datetime, rule: OutboundRule, tenant: Tenant) -> dt.datetime:
    """An event rule may also name a time of day (``schedule: {"at": "10:00"}``): the first such
    time at or after ``due``, in the tenant's zone."""
    read = time_of_day((rule.schedule or {}).get("at"), tenant)
    if read is None:
        return due
    at, zone = read
    local = due.astimezone(zone)
    when = dt.datetime.combine(local.date(), at, tzinfo=zone)
    if when < local:
        when += dt.timedelta(days=1)
    return when.astimezone(dt.UTC)


CONTEXT_FIELDS = (
    "order_number",
    "review_id",
    "cart_id",
    "appointment_id",
    "product",
    "product_names",
    "category",
    "rating",
)


def _context(kind: str, key: str, event: dict[str, Any]) -> dict[str, Any]:
    kept = {
        name: event[name]
        for name in CONTEXT_FIELDS
        if name in event and isinstance(event[name], str | int | float | list)
    }
    return {"event": kind, "key": key, **kept}


SCHEDULE_GRACE = dt.timedelta(hours=1)
"""A recurring rule's occurrence is planned up to this long after its time (a worker that was
down a few minutes still sends it; one down all day does not send yesterday's)."""


def occurrence(rule: OutboundRule, tenant: Tenant, now: dt.datetime) -> dt.datetime | None:
    """The rule's latest occurrence at or before ``now`` (within the grace), else None."""
    schedule_ = rule.schedule or {}
    read = time_of_day(schedule_.get("at"), tenant)
    if read is None:
        return None
    at, zone = read
    local_now = now.astimezone(zone)
    for back in range(0, 8):
        day = local_now.date() - dt.timedelta(days=back)
        if schedule_.get("every") == "week" and day.weekday() != schedule_.get("weekday"):
            continue
        when = dt.datetime.combine(day, at, tzinfo=zone)
        if when <= local_now:
            return when.astimezone(dt.UTC) if now - when <= SCHEDULE_GRACE else None
    return None


async def plan_scheduled(
    session: AsyncSession, tenant: Tenant, rule: OutboundRule, now: dt.datetime
) -> list[uuid.UUID]:
    """A recurring rule's sends for this occurrence: every customer of the tenant the rule's
    condition holds for (fields: customer_name, language, tags), once per occurrence."""
    when = occurrence(rule, tenant, now)
    if when is None:
        return []
    channel = await channel_for(session, tenant.id)
    if channel is None:
        return []
    planned: list[Planned] = []
    customers = await session.scalars(
        select(Customer).where(Customer.tenant_id == tenant.id).order_by(Customer.created_at)
    )
    stamp = when.strftime("%Y%m%dT%H%M")
    for customer in customers:
        language = language_of(customer, tenant)
        data = {
            "customer_name": customer.name or DEAR_CUSTOMER.get(language, ""),
            "language": language,
            "tags": list(customer.tags or []),
        }
        if not holds(rule.condition or {}, data):
            continue
        parameters = parameters_for(rule, data)
        if parameters is None:
            continue
        planned.append(
            Planned(
                customer_id=customer.id,
                channel_id=channel.id,
                dedupe_key=f"rule:{rule.id}:{stamp}:{customer.id}",
                due_at=when,
                template_name=rule.template_name,
                language=language,
                parameters=parameters,
                context={"event": "schedule", "occurrence": stamp},
                flow=rule.flow,
                rule_id=rule.id,
            )
        )
    return await schedule(session, tenant, planned)
