"""The inbox's working APIs around one conversation: read marks, assignment, the customer's card
and "why" per AI turn.

Tenancy as in :mod:`invekto.api.routes.conversations`: every query runs in the caller's tenant
session (row-level security) with an explicit tenant filter; another tenant's conversation or
user is a 404 / 422, never data. Personal data is masked: the phone by ``mask_phone``, texts
and tool arguments/results by :func:`invekto.guardrails.pii.mask`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.api.deps import TenantDep, TenantSessionDep
from invekto.api.routes.conversations import (
    ConversationSummary,
    EscalationNote,
    ReplyWindow,
    _conversation,
    _language,
    conversation_summaries,
    customer_name,
    escalation_public,
    mask_phone,
    reply_window,
)
from invekto.api.routes.suggestions import ActionFields, action_fields
from invekto.guardrails.pii import mask
from invekto.security import allowed
from invekto.storage.events import CONVERSATION_UPDATED, publish
from invekto.storage.models import (
    Appointment,
    AutoReplyLog,
    ClinicService,
    ConversationRead,
    Coupon,
    Doctor,
    Lead,
    Message,
    OrderCache,
    ProposedAction,
    ReturnAttempt,
    ServiceRequest,
    Tenant,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/conversations", tags=["conversations"])

ASSIGN_ANYONE = "inbox.supervise"
"""The permission (``invekto.security.PERMISSIONS``: owner, admin, supervisor) to assign a
conversation to anyone of the tenant; the other roles that work the inbox (``inbox.work``: an
agent) assign only themself, or release their own."""
MAX_ORDERS = 5


# ------------------------------------------------------------------------------------ shapes


class ReadMark(BaseModel):
    conversation_id: uuid.UUID
    read_at: dt.datetime
    unread: int
    """Always 0 right after the mark (for the caller)."""


class AssignRequest(BaseModel):
    user_id: uuid.UUID | None
    """A user of the tenant, or null to release the conversation to the team's queue."""


class CardCustomer(BaseModel):
    id: uuid.UUID
    name: str
    phone: str
    """Masked: ``+90 532 *** ** 33``."""
    tags: list[str]
    """e.g. ``vip``, ``b2b``."""
    language: str | None
    last_inbound_at: dt.datetime | None


class CardOrderLine(BaseModel):
    product_name: str | None
    quantity: int | None
    size: str | None
    color: str | None


class CardOrder(BaseModel):
    order_number: str
    provider: str
    status: str
    cargo_provider: str | None
    tracking_number: str | None
    tracking_link: str | None
    order_date: dt.datetime | None
    estimated_delivery_start: dt.datetime | None
    estimated_delivery_end: dt.datetime | None
    last_modified: dt.datetime | None
    lines: list[CardOrderLine]


class CardServiceRequest(BaseModel):
    id: uuid.UUID
    kind: str
    """cancel | invoice | address_change"""
    order_number: str
    status: str
    created_at: dt.datetime


class CardReturn(BaseModel):
    id: uuid.UUID
    order_number: str | None
    reason: str | None
    action: str
    deflected: bool | None
    created_at: dt.datetime


class CardLeadProduct(BaseModel):
    product: str | None
    quantity: int | None


class CardLead(BaseModel):
    id: uuid.UUID
    status: str
    company: str | None
    """Masked."""
    products: list[CardLeadProduct]
    has_contact_email: bool
    created_at: dt.datetime


class CardCoupon(BaseModel):
    id: uuid.UUID
    code: str
    percent: float
    reason: str
    order_number: str | None
    status: str
    expires_at: dt.datetime
    created_at: dt.datetime


class CardAppointment(BaseModel):
    id: uuid.UUID
    service: str
    """The service's Turkish name."""
    doctor: str
    starts_at: dt.datetime
    timezone: str
    """The clinic's zone: the time to show is its wall clock."""
    status: str
    """booked | confirmed | cancelled | completed | no_show"""


class CustomerCard(BaseModel):
    conversation_id: uuid.UUID
    status: str
    assigned_user_id: uuid.UUID | None
    customer: CardCustomer
    window: ReplyWindow
    escalation: EscalationNote | None
    orders: list[CardOrder]
    """The customer's latest marketplace orders (by phone), newest first, at most 5."""
    service_requests: list[CardServiceRequest]
    """Open ones (status ``open``), newest first."""
    returns: list[CardReturn]
    leads: list[CardLead]
    coupons: list[CardCoupon]
    appointments: list[CardAppointment] = []
    """A clinic's patient: upcoming appointments first (soonest first), then the latest past
    ones; at most 10."""


class TurnTool(BaseModel):
    name: str
    args: dict[str, Any]
    """PII masked (string values)."""
    result: str
    """The tool's JSON result as text (cut to 2000 characters), PII masked."""


class TurnAction(BaseModel):
    id: uuid.UUID
    kind: str
    summary: str
    """One English line (kept for older clients): show ``fields`` in the UI's language."""
    fields: ActionFields
    status: str
    """pending | committed | discarded"""
    message_id: uuid.UUID | None


class Turn(BaseModel):
    id: uuid.UUID
    created_at: dt.datetime
    inbound_message_id: uuid.UUID
    reply_message_id: uuid.UUID | None
    language: str
    agent: str
    intent: str
    confidence: float
    understood_by: str | None
    """local | llm | rules"""
    outcome: str
    """auto_reply | suggestion | handoff"""
    reason: str | None
    tools: list[TurnTool]
    processing_ms: float
    prompt_version: int | None = None
    """The tenant's prompt version the reply was written with (0: the shipped texts; None:
    turns from before prompt versions)."""
    guard: dict[str, Any] | None
    """The output guard's verdict on the reply (``{"failures": [[validator, why]], "fixed":
    [...]}``), None when there is no reply or the guard said nothing."""
    actions: list[TurnAction]


class TurnPage(BaseModel):
    turns: list[Turn]
    """Newest first."""
    next_before: uuid.UUID | None
    """Pass as ``before`` for older turns; None when there are none."""


# ---------------------------------------------------------------------------------- routes


@router.post("/{conversation_id}/read")
async def mark_read(
    conversation_id: uuid.UUID, tenant: TenantDep, session: TenantSessionDep
) -> ReadMark:
    """The caller has read the conversation up to now: its ``unread`` count (theirs only) drops
    to 0 until the customer writes again."""
    conversation, _ = await _conversation(session, tenant, conversation_id)
    now = utcnow()
    statement = insert(ConversationRead).values(
        tenant_id=tenant.tenant_id,
        conversation_id=conversation.id,
        user_id=tenant.user_id,
        read_at=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ConversationRead.conversation_id, ConversationRead.user_id],
        set_={"read_at": func.greatest(ConversationRead.read_at, statement.excluded.read_at)},
    )
    await session.execute(statement)
    await session.commit()
    return ReadMark(conversation_id=conversation.id, read_at=now, unread=0)


@router.post(
    "/{conversation_id}/assign",
    responses={
        403: {"description": "an agent assigning someone else, or a role that may not assign"},
        404: {"description": "no such conversation in the caller's tenant"},
        422: {"description": "no such active user in the caller's tenant"},
    },
)
async def assign(
    conversation_id: uuid.UUID,
    body: AssignRequest,
    tenant: TenantDep,
    session: TenantSessionDep,
) -> ConversationSummary:
    """Assign the conversation to a person of the tenant (``user_id``) or release it (null).

    Owners, admins and supervisors assign anyone active of the tenant who works the inbox; an
    agent takes a conversation for themself, or releases one that is theirs (403 otherwise;
    a prompt owner may not assign). Publishes
    ``conversation_updated`` (``{"status", "assigned_user_id"}``) in the same transaction.
    Answers the updated summary (as in the list, for the caller).
    """
    if not allowed(tenant.role, "inbox.work"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this role may not assign conversations")
    conversation, _ = await _conversation(session, tenant, conversation_id, lock=True)
    if not allowed(tenant.role, ASSIGN_ANYONE):
        releasing_own = body.user_id is None and conversation.assigned_user_id in (
            None,
            tenant.user_id,
        )
        if body.user_id != tenant.user_id and not releasing_own:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "an agent may assign conversations only to themself"
            )
    if body.user_id is not None:
        user = await session.scalar(
            select(User).where(
                User.id == body.user_id, User.tenant_id == tenant.tenant_id, User.active
            )
        )
        if user is None or not allowed(user.role, "inbox.work"):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "no such user working the inbox"
            )
    if conversation.assigned_user_id != body.user_id:
        conversation.assigned_user_id = body.user_id
        await publish(
            session,
            tenant_id=tenant.tenant_id,
            conversation_id=conversation.id,
            kind=CONVERSATION_UPDATED,
            payload={
                "status": conversation.status,
                "assigned_user_id": body.user_id,
                "by_user_id": tenant.user_id,
            },
        )
        await session.commit()
        log.info(
            "conversation %s assigned to %s by %s", conversation.id, body.user_id, tenant.user_id
        )
    else:
        await session.rollback()
    summaries, _ = await conversation_summaries(
        session, tenant, conversation_id=conversation_id, limit=1
    )
    return summaries[0]


def _lines(lines: list[dict[str, Any]]) -> list[CardOrderLine]:
    out = []
    for line in lines or []:
        if not isinstance(line, dict):
            continue
        quantity = line.get("quantity")
        out.append(
            CardOrderLine(
                product_name=line.get("product_name"),
                quantity=quantity if isinstance(quantity, int) else None,
                size=line.get("size"),
                color=line.get("color"),
            )
        )
    return out


def _lead_products(products: list[dict[str, Any]]) -> list[CardLeadProduct]:
    out = []
    for item in products or []:
        if isinstance(item, dict):
            quantity = item.get("quantity")
            out.append(
                CardLeadProduct(
                    product=item.get("product"),
                    quantity=quantity if isinstance(quantity, int) else None,
                )
            )
    return out


async def _appointments(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> list[CardAppointment]:
    rows = (
        await session.execute(
            select(Appointment, ClinicService.names, Doctor.name, Tenant.timezone)
            .join(ClinicService, ClinicService.id == Appointment.service_id)
            .join(Doctor, Doctor.id == Appointment.doctor_id)
            .join(Tenant, Tenant.id == Appointment.tenant_id)
            .where(Appointment.tenant_id == tenant_id, Appointment.customer_id == customer_id)
            .order_by(Appointment.starts_at.desc())
            .limit(30)
        )
    ).all()
    now = utcnow()
    upcoming = sorted((r for r in rows if r[0].starts_at >= now), key=lambda r: r[0].starts_at)
    past = [r for r in rows if r[0].starts_at < now]
    return [
        CardAppointment(
            id=appointment.id,
            service=str((names or {}).get("tr") or ""),
            doctor=doctor,
            starts_at=appointment.starts_at,
            timezone=timezone,
            status=appointment.status,
        )
        for appointment, names, doctor, timezone in [*upcoming, *past][:10]
    ]


@router.get("/{conversation_id}/card")
async def customer_card(
    conversation_id: uuid.UUID, tenant: TenantDep, session: TenantSessionDep
) -> CustomerCard:
    """The customer beside the chat: who they are (phone masked, tags, language), the 24-hour
    window, the AI's escalation note, their latest orders (from the marketplace cache, by their
    phone), open service requests, return attempts, B2B leads and coupons."""
    conversation, customer = await _conversation(session, tenant, conversation_id)
    tid = tenant.tenant_id
    orders = (
        await session.scalars(
            select(OrderCache)
            .where(OrderCache.tenant_id == tid, OrderCache.customer_phone == customer.phone)
            .order_by(
                OrderCache.order_date.desc().nulls_last(),
                OrderCache.last_modified.desc().nulls_last(),
                OrderCache.id.desc(),
            )
            .limit(MAX_ORDERS)
        )
    ).all()
    requests = (
        await session.scalars(
            select(ServiceRequest)
            .where(
                ServiceRequest.tenant_id == tid,
                ServiceRequest.customer_id == customer.id,
                ServiceRequest.status == "open",
            )
            .order_by(ServiceRequest.created_at.desc())
            .limit(20)
        )
    ).all()
    returns = (
        await session.scalars(
            select(ReturnAttempt)
            .where(ReturnAttempt.tenant_id == tid, ReturnAttempt.customer_id == customer.id)
            .order_by(ReturnAttempt.created_at.desc())
            .limit(20)
        )
    ).all()
    leads = (
        await session.scalars(
            select(Lead)
            .where(Lead.tenant_id == tid, Lead.customer_id == customer.id)
            .order_by(Lead.created_at.desc())
            .limit(20)
        )
    ).all()
    coupons = (
        await session.scalars(
            select(Coupon)
            .where(Coupon.tenant_id == tid, Coupon.customer_id == customer.id)
            .order_by(Coupon.created_at.desc())
            .limit(20)
        )
    ).all()
    appointments = await _appointments(session, tid, customer.id)
    language = _language(conversation, customer)
    companies = await asyncio.to_thread(
        lambda: [mask(lead.company, language) if lead.company else None for lead in leads]
    )
    return CustomerCard(
        conversation_id=conversation.id,
        status=conversation.status,
        assigned_user_id=conversation.assigned_user_id,
        customer=CardCustomer(
            id=customer.id,
            name=customer_name(customer.name, tenant.role),
            phone=mask_phone(customer.phone),
            tags=[str(t) for t in customer.tags or []],
            language=customer.language,
            last_inbound_at=customer.last_inbound_at,
        ),
        window=reply_window(customer.last_inbound_at),
        escalation=escalation_public(conversation.escalation),
        appointments=appointments,
        orders=[
            CardOrder(
                order_number=o.order_number,
                provider=o.provider,
                status=o.status,
                cargo_provider=o.cargo_provider,
                tracking_number=o.tracking_number,
                tracking_link=o.tracking_link,
                order_date=o.order_date,
                estimated_delivery_start=o.estimated_delivery_start,
                estimated_delivery_end=o.estimated_delivery_end,
                last_modified=o.last_modified,
                lines=_lines(o.lines),
            )
            for o in orders
        ],
        service_requests=[
            CardServiceRequest(
                id=r.id,
                kind=r.kind,
                order_number=r.order_number,
                status=r.status,
                created_at=r.created_at,
            )
            for r in requests
        ],
        returns=[
            CardReturn(
                id=r.id,
                order_number=r.order_number,
                reason=r.reason,
                action=r.action,
                deflected=r.deflected,
                created_at=r.created_at,
            )
            for r in returns
        ],
        leads=[
            CardLead(
                id=lead.id,
                status=lead.status,
                company=company,
                products=_lead_products(lead.products),
                has_contact_email=bool(lead.contact_email),
                created_at=lead.created_at,
            )
            for lead, company in zip(leads, companies, strict=True)
        ],
        coupons=[
            CardCoupon(
                id=c.id,
                code=c.code,
                percent=float(c.percent) if isinstance(c.percent, Decimal) else c.percent,
                reason=c.reason,
                order_number=c.order_number,
                status=c.status,
                expires_at=c.expires_at,
                created_at=c.created_at,
            )
            for c in coupons
        ],
    )


def _mask_value(value: Any, language: str) -> Any:
    if isinstance(value, str):
        return mask(value, language)
    if isinstance(value, dict):
        return {k: _mask_value(v, language) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(v, language) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 10**9:
        # a long number (a phone or id typed as a number) is masked as its text would be
        masked = mask(str(value), language)
        return value if masked == str(value) else masked
    return value


def _masked_tools(tools: list[dict[str, Any]], language: str) -> list[TurnTool]:
    out = []
    for tool in tools or []:
        args = tool.get("args") if isinstance(tool.get("args"), dict) else {}
        result = tool.get("result")
        result_text = result if isinstance(result, str) else json.dumps(result)
        out.append(
            TurnTool(
                name=str(tool.get("name", "?")),
                args=_mask_value(args, language),
                result=mask(result_text, language) if result_text else "",
            )
        )
    return out


@router.get("/{conversation_id}/turns")
async def list_turns(
    conversation_id: uuid.UUID,
    tenant: TenantDep,
    session: TenantSessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[uuid.UUID | None, Query(description="a turn id: older ones")] = None,
) -> TurnPage:
    """ "Why" for each AI turn, newest first: what was understood (intent, confidence, which
    layer), which agent answered, the tools it called with their arguments and results (PII
    masked), the outcome and reason, the output guard's verdict on the reply, and the actions
    it proposed with their status now."""
    conversation, customer = await _conversation(session, tenant, conversation_id)
    tid = tenant.tenant_id
    query = (
        select(AutoReplyLog)
        .where(AutoReplyLog.conversation_id == conversation.id, AutoReplyLog.tenant_id == tid)
        .order_by(AutoReplyLog.created_at.desc(), AutoReplyLog.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        anchor = await session.scalar(
            select(AutoReplyLog).where(
                AutoReplyLog.id == before,
                AutoReplyLog.conversation_id == conversation.id,
                AutoReplyLog.tenant_id == tid,
            )
        )
        if anchor is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "'before' is not a turn of this chat"
            )
        query = query.where(
            (AutoReplyLog.created_at < anchor.created_at)
            | ((AutoReplyLog.created_at == anchor.created_at) & (AutoReplyLog.id < anchor.id))
        )
    rows = list((await session.scalars(query)).all())
    page, more = rows[:limit], len(rows) > limit
    reply_ids = [r.reply_message_id for r in page if r.reply_message_id]
    payloads: dict[uuid.UUID, dict[str, Any]] = {}
    if reply_ids:
        for message_id, payload in await session.execute(
            select(Message.id, Message.payload).where(
                Message.id.in_(reply_ids), Message.tenant_id == tid
            )
        ):
            payloads[message_id] = payload or {}
    inbound_ids = [r.inbound_message_id for r in page]
    actions: dict[uuid.UUID, list[TurnAction]] = {}
    if inbound_ids:
        for action in await session.scalars(
            select(ProposedAction)
            .where(
                ProposedAction.inbound_message_id.in_(inbound_ids),
                ProposedAction.conversation_id == conversation.id,
                ProposedAction.tenant_id == tid,
            )
            .order_by(ProposedAction.created_at, ProposedAction.id)
        ):
            actions.setdefault(action.inbound_message_id, []).append(  # type: ignore[arg-type]
                TurnAction(
                    id=action.id,
                    kind=action.kind,
                    summary=action.summary,
                    fields=action_fields(action.payload),
                    status=action.status,
                    message_id=action.message_id,
                )
            )
    language = _language(conversation, customer)
    tools = await asyncio.to_thread(
        lambda: [_masked_tools(r.tools, r.language or language) for r in page]
    )
    turns = []
    for row, row_tools in zip(page, tools, strict=True):
        decision = (payloads.get(row.reply_message_id) or {}).get("decision") or {}
        guard = decision.get("guard") if isinstance(decision, dict) else None
        turns.append(
            Turn(
                id=row.id,
                created_at=row.created_at,
                inbound_message_id=row.inbound_message_id,
                reply_message_id=row.reply_message_id,
                language=row.language,
                agent=row.agent,
                intent=row.intent,
                confidence=row.confidence,
                understood_by=row.understood_by,
                outcome=row.outcome,
                reason=row.reason,
                tools=row_tools,
                processing_ms=row.processing_ms,
                prompt_version=row.prompt_version,
                guard=guard if isinstance(guard, dict) and guard else None,
                actions=actions.get(row.inbound_message_id, []),
            )
        )
    return TurnPage(turns=turns, next_before=page[-1].id if more else None)


__all__ = ["router"]
