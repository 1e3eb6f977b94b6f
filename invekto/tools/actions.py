"""Actions: the side effects an agent wants, proposed during the turn, committed with the decision.

An agent's write tools (``request_cancellation``, ``create_coupon``, ``record_return``,
``save_lead``, ``alert_sales``, ...) change nothing: they check what they can (the order is the
customer's, the coupon is within the tenant's limit) and return their result together with a
typed :class:`Action`. ``decide`` then chooses:

- auto-send (or a hand-over whose own text is sent): ``deliver`` commits every action in the
  transaction that stores the reply and enqueues its send job (and the jobs an action needs,
  such as a lead alert's delivery);
- suggestion: the actions are stored ``pending`` beside the suggested reply; a person accepts
  (all commit), edits (the ones they keep commit) or rejects (none do).

Each action kind is a pydantic model registered with :func:`action_type`; a new agent brings
its own kinds in its own package. ``commit`` is idempotent: a re-run turn or a second accept
does not file a request, a coupon or an alert twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.config import Settings
from invekto.core.tenant_settings import TenantSettings
from invekto.integrations.alerts import queue_lead_alerts
from invekto.prompts.content import PromptSet
from invekto.storage.models import (
    Coupon,
    Customer,
    Lead,
    ProposedAction,
    ReturnAttempt,
    ServiceRequest,
    utcnow,
)

B2B_TAGS = ("b2b", "vip")


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitScope:
    """Where an action commits: the caller's tenant transaction (the caller commits)."""

    session: AsyncSession
    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    customer_id: uuid.UUID
    tenant_settings: TenantSettings
    app_settings: Settings
    prompts: PromptSet = field(default_factory=PromptSet)
    """The tenant's active texts (for an action whose result changes the reply)."""


class Action(BaseModel):
    """One proposed side effect. Subclasses set ``kind`` and implement ``summary``/``commit``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: str
    KIND: ClassVar[str] = ""

    def summary(self) -> str:
        raise NotImplementedError

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        """Apply the action; returns what was done (kept on the action row)."""
        raise NotImplementedError


ACTION_TYPES: dict[str, type[Action]] = {}


def action_type(cls: type[Action]) -> type[Action]:
    """Register an action kind (a class decorator)."""
    kind = cls.model_fields["kind"].default
    if not kind or kind in ACTION_TYPES and ACTION_TYPES[kind] is not cls:
        raise ValueError(f"action kind {kind!r} missing or already registered")
    ACTION_TYPES[kind] = cls
    return cls


def parse_action(data: Mapping[str, Any]) -> Action:
    kind = data.get("kind")
    if kind not in ACTION_TYPES:
        raise ValueError(f"unknown action kind {kind!r}")
    return ACTION_TYPES[str(kind)].model_validate(dict(data))


# --- service requests --------------------------------------------------------------------------


class _ServiceRequestAction(Action):
    order_number: str
    details: dict[str, Any] = Field(default_factory=dict)
    REQUEST: ClassVar[str] = ""
    LABEL: ClassVar[str] = ""

    def summary(self) -> str:
        return f"{self.LABEL}: {self.order_number}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        existing = await scope.session.scalar(
            select(ServiceRequest).where(
                ServiceRequest.tenant_id == scope.tenant_id,
                ServiceRequest.kind == self.REQUEST,
                ServiceRequest.order_number == self.order_number,
                ServiceRequest.conversation_id == scope.conversation_id,
            )
        )
        if existing is None:
            existing = ServiceRequest(
                tenant_id=scope.tenant_id,
                conversation_id=scope.conversation_id,
                customer_id=scope.customer_id,
                kind=self.REQUEST,
                order_number=self.order_number,
                details=dict(self.details),
            )
            scope.session.add(existing)
        else:
            existing.details = {**existing.details, **self.details}
        await scope.session.flush()
        return {"service_request_id": str(existing.id)}


@action_type
class CancelRequest(_ServiceRequestAction):
    kind: str = "cancel_request"
    REQUEST: ClassVar[str] = "cancel"
    LABEL: ClassVar[str] = "Cancellation request for order"


@action_type
class InvoiceRequest(_ServiceRequestAction):
    kind: str = "invoice_request"
    REQUEST: ClassVar[str] = "invoice"
    LABEL: ClassVar[str] = "Invoice request for order"


@action_type
class AddressChange(_ServiceRequestAction):
    kind: str = "address_change"
    REQUEST: ClassVar[str] = "address_change"
    LABEL: ClassVar[str] = "Address change request for order"


# --- coupons -------------------------------------------------------------------------------------


def max_discount(settings: TenantSettings) -> int:
    """The tenant's ceiling for any discount (unset: 0, no coupons)."""
    return settings.discounts.max_percent or 0


@action_type
class CouponOffer(Action):
    """A one-time discount code; the tenant's maximum is checked again when it commits."""

    kind: str = "coupon"
    code: str
    percent: int = Field(gt=0, le=100)
    reason: str = "changed_mind"
    valid_days: int = Field(default=30, gt=0, le=366)

    def summary(self) -> str:
        return f"Coupon {self.code} (%{self.percent}, {self.reason})"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        ceiling = max_discount(scope.tenant_settings)
        if self.percent > ceiling:
            return {"refused": "above_max_percent", "max_percent": ceiling}
        existing = await scope.session.scalar(
            select(Coupon).where(
                Coupon.tenant_id == scope.tenant_id,
                Coupon.conversation_id == scope.conversation_id,
                Coupon.reason == self.reason,
            )
        )
        if existing is None:
            existing = Coupon(
                tenant_id=scope.tenant_id,
                conversation_id=scope.conversation_id,
                customer_id=scope.customer_id,
                code=self.code,
                percent=Decimal(self.percent),
                reason=self.reason,
                expires_at=utcnow() + dt.timedelta(days=self.valid_days),
            )
            scope.session.add(existing)
            await scope.session.flush()
        return {"coupon_id": str(existing.id), "code": existing.code}


# --- returns -------------------------------------------------------------------------------------


@action_type
class ReturnStep(Action):
    """A step of a return conversation, recorded on its attempt (created on the first step)."""

    kind: str = "return_step"
    attempt_id: str
    step: str
    """asked_reason | exchange_offered | exchange_accepted | coupon_offered | coupon_accepted |
    marketplace_return | handed_over"""
    order_number: str | None = None
    reason: str | None = None
    deflected: bool | None = None
    details: dict[str, Any] = Field(default_factory=dict)

    def summary(self) -> str:
        order = f" (order {self.order_number})" if self.order_number else ""
        return f"Return: {self.step}{order}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        key = uuid.UUID(self.attempt_id)
        attempt = await scope.session.get(ReturnAttempt, key)
        if attempt is None:
            attempt = ReturnAttempt(
                id=key,
                tenant_id=scope.tenant_id,
                conversation_id=scope.conversation_id,
                customer_id=scope.customer_id,
            )
            scope.session.add(attempt)
        attempt.action = self.step
        attempt.order_number = self.order_number or attempt.order_number
        attempt.reason = self.reason or attempt.reason
        if self.deflected is not None:
            attempt.deflected = self.deflected
        if self.details:
            attempt.details = {**(attempt.details or {}), **self.details}
        await scope.session.flush()
        if self.step in RETURN_EVENTS:
            await _emit_return_event(scope, RETURN_EVENTS[self.step], attempt)
        return {"attempt_id": str(attempt.id)}


RETURN_EVENTS = {"exchange_accepted": "exchange_agreed", "marketplace_return": "return_recorded"}
"""Return steps that are outbound events (the exchange follow-up a day later)."""


async def _emit_return_event(scope: CommitScope, kind: str, attempt: ReturnAttempt) -> None:
    from invekto.outbound.events import emit
    from invekto.storage.models import Tenant

    tenant = await scope.session.get(Tenant, scope.tenant_id)
    customer = await scope.session.get(Customer, scope.customer_id)
    if tenant is None or customer is None:
        return
    details = attempt.details or {}
    await emit(
        scope.session,
        tenant,
        customer,
        kind,
        {
            "order_number": attempt.order_number or "",
            "product": str(details.get("exchange_label") or details.get("product") or ""),
            "size": str(details.get("size") or details.get("new_size") or ""),
        },
        key=f"return:{attempt.id}:{kind}",
    )


# --- B2B leads -----------------------------------------------------------------------------------


class LeadItem(BaseModel):
    product: str
    quantity: int | None = None


@action_type
class LeadUpdate(Action):
    """The lead as collected so far (a whole snapshot: committing a later one is enough), and
    the customer flagged B2B/VIP."""

    kind: str = "lead"
    lead_id: str
    signal_text: str = ""
    company: str | None = None
    products: list[LeadItem] = Field(default_factory=list)
    contact_email: str | None = None
    past_orders: dict[str, Any] | None = None
    budget: str | None = None
    timing: str | None = None
    need: str | None = None
    score: int | None = None
    score_reasons: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        items = ", ".join(
            f"{p.product} × {p.quantity}" if p.quantity else p.product for p in self.products
        )
        score = f" (puan {self.score})" if self.score is not None else ""
        return f"B2B lead: {self.company or '?'}" + (f" — {items}" if items else "") + score

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        key = uuid.UUID(self.lead_id)
        lead = await scope.session.get(Lead, key)
        if lead is None:
            lead = Lead(
                id=key,
                tenant_id=scope.tenant_id,
                conversation_id=scope.conversation_id,
                customer_id=scope.customer_id,
                signal_text="",
            )
            scope.session.add(lead)
        lead.signal_text = self.signal_text[:4000] or lead.signal_text
        lead.company = (self.company or "").strip()[:300] or lead.company
        lead.contact_email = self.contact_email or lead.contact_email
        if self.past_orders is not None:
            lead.past_orders = self.past_orders
        if self.products:
            lead.products = [p.model_dump(exclude_none=True) for p in self.products]
        lead.budget = (self.budget or "")[:200] or lead.budget
        lead.timing = (self.timing or "")[:200] or lead.timing
        lead.need = self.need or lead.need
        if self.score is not None:
            lead.score, lead.score_reasons = self.score, list(self.score_reasons)
        lead.updated_at = utcnow()
        customer = await scope.session.get(Customer, scope.customer_id)
        if customer is not None:
            tags = list(customer.tags or [])
            customer.tags = tags + [t for t in B2B_TAGS if t not in tags]
        await scope.session.flush()
        return {"lead_id": str(lead.id)}


@action_type
class SalesAlert(Action):
    """Send the lead to the tenant's sales contact (webhook and/or e-mail, as jobs)."""

    kind: str = "sales_alert"
    lead_id: str
    channels: list[str] = Field(default_factory=list)

    def summary(self) -> str:
        return "Alert sales" + (f" ({', '.join(self.channels)})" if self.channels else "")

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        lead = await scope.session.get(Lead, uuid.UUID(self.lead_id))
        if lead is None:
            return {"refused": "no_lead"}
        if lead.status == "alerted":
            return {"lead_id": str(lead.id), "already": True}
        alerts = await queue_lead_alerts(
            scope.session,
            tenant_id=scope.tenant_id,
            tenant_settings=scope.tenant_settings,
            lead=lead,
            settings=scope.app_settings,
        )
        lead.status = "alerted"
        await scope.session.flush()
        return {
            "lead_id": str(lead.id),
            "queued": [a.channel for a in alerts if a.status == "pending"],
            "failed": [a.channel for a in alerts if a.status == "failed"],
        }


# --- storing and committing ----------------------------------------------------------------------


def store_actions(
    session: AsyncSession,
    actions: Iterable[Mapping[str, Any]],
    *,
    tenant_id: uuid.UUID,
    conversation_id: uuid.UUID,
    inbound_message_id: uuid.UUID | None,
    message_id: uuid.UUID | None,
) -> list[ProposedAction]:
    """One ``actions`` row per proposal, ``pending``, in the caller's transaction."""
    rows = []
    for data in actions:
        action = parse_action(data)
        row = ProposedAction(
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            inbound_message_id=inbound_message_id,
            message_id=message_id,
            kind=action.kind,
            payload=action.model_dump(mode="json"),
            summary=action.summary(),
            status="pending",
        )
        session.add(row)
        rows.append(row)
    return rows


async def commit_rows(
    rows: Iterable[ProposedAction], scope: CommitScope, *, user_id: uuid.UUID | None = None
) -> None:
    """Commit pending rows in the order they were proposed (a lead before its alert)."""
    for row in rows:
        if row.status != "pending":
            continue
        action = parse_action(row.payload)
        row.result = await action.commit(scope)
        row.status = "committed"
        row.decided_by = user_id
        row.decided_at = utcnow()


def discard_rows(rows: Iterable[ProposedAction], *, user_id: uuid.UUID | None = None) -> None:
    for row in rows:
        if row.status == "pending":
            row.status = "discarded"
            row.decided_by = user_id
            row.decided_at = utcnow()
