"""Store what a webhook delivered, once, and enqueue its processing in the same transaction.

Each stored message and each applied status callback publishes an inbox event in that same
transaction (``invekto.storage.events``): ids, kinds and statuses only, never the text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    case,
    delete,
    exists,
    func,
    literal,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.channels.base import (
    MAX_DETAIL_CHARS,
    InboundMessage,
    ParsedWebhook,
    PreferenceChange,
    StatusUpdate,
)
from invekto.jobs import PROCESS_INBOUND, conversation_lock, defer_in
from invekto.storage.events import CONVERSATION_UPDATED, MESSAGE_STATUS, MESSAGE_STORED, publish
from invekto.storage.models import (
    Channel,
    Conversation,
    Customer,
    Message,
    OutboundSend,
    Tenant,
    WaTemplate,
    WebhookEvent,
    utcnow,
)

log = logging.getLogger(__name__)

EARLY_STATUS = "early_status"
CHANNEL_ERROR = "channel_error"
"""``webhook_events.problem`` of an error Meta reported outside any message (``value.errors``)."""
MAX_ERROR_BODY = 10_000
NUMBER_CHANGES = frozenset({"customer_changed_number", "user_changed_number"})
"""``system.type`` values of a customer's new phone number (the first is the older name)."""
MAX_EDITS_KEPT = 10
STATUS_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "played": 4}
UNMATCHED_TEMPLATE = "unmatched_template"
"""``webhook_events.problem`` of a template status/category update for no template of ours."""
OUTBOUND_OPAQUE = "outbound:"
"""``biz_opaque_callback_data`` prefix of the dispatcher's sends: ``outbound:<send id>``."""
REPLY_OPAQUE = "reply:"
"""``biz_opaque_callback_data`` prefix of a customer-service send (``channels.outbound``):
``reply:<message id>``."""
OPT_OUT_CODE = 131050
MARKETING_CAP_CODE = 131049
SEND_FAILURE_REASONS = {
    131050: "opted_out_at_meta",
    131049: "marketing_cap",
    131026: "undeliverable",
    131047: "outside_window",
    132000: "template_parameters",
    132001: "template_missing",
}


@dataclass
class IngestReport:
    stored: list[uuid.UUID] = field(default_factory=list)
    duplicates: int = 0
    statuses: int = 0
    unknown_statuses: int = 0
    unrouted: int = 0
    unknown: int = 0
    channel_errors: int = 0
    templates: int = 0
    """Template status and category updates applied to a template of ours."""
    preferences: int = 0
    """Marketing preferences (``user_preferences``) recorded as consent."""


async def store_problem(
    session: AsyncSession,
    *,
    problem: str,
    detail: str = "",
    body: str = "",
    headers: dict[str, Any] | None = None,
    tenant_id: uuid.UUID | None = None,
) -> None:
    session.add(
        WebhookEvent(
            problem=problem,
            detail=detail[:2000],
            body=body,
            headers=headers or {},
            tenant_id=tenant_id,
        )
    )


async def ingest(session: AsyncSession, parsed: ParsedWebhook, *, raw_body: str) -> IngestReport:
    """Everything of one webhook in the caller's transaction; the caller commits."""
    report = IngestReport()
    channels: dict[str, Channel | None] = {}
    for message in parsed.messages:
        channel = await _channel(session, channels, message.phone_number_id)
        if channel is None:
            report.unrouted += 1
            log.warning("message for unknown phone_number_id %s", message.phone_number_id)
            await store_problem(
                session,
                problem="unknown_phone_number_id",
                detail=message.phone_number_id,
                body=raw_body,
            )
            continue
        stored = await _store_message(session, channel, message)
        if stored is None:
            report.duplicates += 1
        else:
            report.stored.append(stored)
    for status in parsed.statuses:
        if await _apply_status(session, status):
            report.statuses += 1
        else:
            # Meta can be faster than our own bookkeeping of the send: keep it for the sender.
            report.unknown_statuses += 1
            session.add(
                WebhookEvent(
                    problem=EARLY_STATUS, detail=status.external_id, body=status.model_dump_json()
                )
            )
    for reported in parsed.errors:
        # Meta's errors about the delivery itself (``value.errors``): kept for inspection.
        report.channel_errors += 1
        channel = await _channel(session, channels, str(reported.get("phone_number_id")))
        error = reported.get("error") or {}
        log.warning("channel error %s: %s", error.get("code"), error.get("title"))
        await store_problem(
            session,
            problem=CHANNEL_ERROR,
            detail=f"{error.get('code')} {error.get('title') or ''}".strip(),
            body=json.dumps(error, ensure_ascii=False)[:MAX_ERROR_BODY],
            tenant_id=channel.tenant_id if channel else None,
        )
    await _apply_template_changes(session, parsed, report)
    for preference in parsed.preferences:
        report.preferences += await _apply_preference(session, preference)
    for item in parsed.unknown:
        report.unknown += 1
        log.warning("unknown webhook item: %s", item.get("problem"))
        await store_problem(
            session, problem="unknown_shape", detail=str(item.get("problem", "")), body=raw_body
        )
    return report


async def _channel(
    session: AsyncSession, cache: dict[str, Channel | None], phone_number_id: str
) -> Channel | None:
    if phone_number_id not in cache:
        cache[phone_number_id] = await session.scalar(
            select(Channel).where(
                Channel.phone_number_id == phone_number_id, Channel.active.is_(True)
            )
        )
    return cache[phone_number_id]


async def _store_message(
    session: AsyncSession, channel: Channel, message: InboundMessage
) -> uuid.UUID | None:
    """Insert the message once (by WhatsApp id) and enqueue it; None for a redelivery."""
    tenant_id = channel.tenant_id
    if await session.scalar(select(Message.id).where(Message.wa_message_id == message.external_id)):
        return None
    customer_id = await _customer(session, tenant_id, message)
    conversation_id = await open_conversation(session, tenant_id, channel.id, customer_id)
    if message.kind in ("edit", "revoke"):
        await _apply_to_original(session, tenant_id, customer_id, message)
    elif message.kind == "system":
        await _apply_number_change(session, tenant_id, customer_id, message)
    now = utcnow()
    inserted = await session.scalar(
        insert(Message)
        .values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            direction="in",
            wa_message_id=message.external_id,
            kind=message.kind,
            text=message.text,
            status="received",
            author="customer",
            created_at=now,
            attempts=0,
            payload={
                "timestamp": message.timestamp.isoformat(),
                "reply_id": message.reply_id,
                "context_id": message.context_id,
                "media": message.media,
                "location": message.location,
                "errors": message.errors,
                "details": message.details.stored(),
                "raw": message.raw,
            },
        )
        .on_conflict_do_nothing(index_elements=["wa_message_id"])
        .returning(Message.id)
    )
    if inserted is None:
        return None
    await session.execute(
        update(Conversation).where(Conversation.id == conversation_id).values(last_message_at=now)
    )
    if message.details.referral is not None:
        # Click-to-WhatsApp: the ad of the conversation's first referred message is kept.
        referral = {
            **message.details.referral.model_dump(mode="json", exclude_none=True),
            "message_id": message.external_id,
            "at": message.timestamp.isoformat(),
        }
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.referral.is_(None))
            .values(referral=referral)
        )
    await defer_in(
        session,
        PROCESS_INBOUND,
        {"message_id": str(inserted)},
        lock=conversation_lock(conversation_id),
    )
    await publish(
        session,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        kind=MESSAGE_STORED,
        payload={
            "message_id": inserted,
            "direction": "in",
            "author": "customer",
            "message_kind": message.kind,
        },
    )
    return inserted


async def _customer(
    session: AsyncSession, tenant_id: uuid.UUID, message: InboundMessage
) -> uuid.UUID:
    """Create or update the customer; a name we already have beats the WhatsApp profile name."""
    statement = insert(Customer).values(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        phone=message.sender,
        name=message.sender_name or "",
        tags=[],
        last_inbound_at=message.timestamp,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id", "phone"],
        set_={
            "last_inbound_at": text(
                "GREATEST(customers.last_inbound_at, excluded.last_inbound_at)"
            ),
            "name": text("COALESCE(NULLIF(customers.name, ''), excluded.name)"),
        },
    ).returning(Customer.id)
    return (await session.execute(statement)).scalar_one()


async def _apply_to_original(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, message: InboundMessage
) -> None:
    """An edit updates the text of the customer's earlier message (the previous text is kept in
    its ``payload.edits``); a delete (``revoke``) marks it deleted. Only a message of the same
    customer; one we never stored is left alone (the event is still stored)."""
    event = message.details.edit or message.details.revoke
    original_id = event.original_message_id if event else None
    if not original_id:
        return
    original = await session.scalar(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.wa_message_id == original_id,
            Message.tenant_id == tenant_id,
            Message.direction == "in",
            Conversation.customer_id == customer_id,
        )
        .with_for_update(of=Message)
    )
    if original is None:
        log.info("%s of a message we do not have", message.kind)
        return
    payload = dict(original.payload or {})
    details = dict(payload.get("details") or {})
    edit = message.details.edit
    if edit is not None and edit.text is not None:
        edits = [
            *payload.get("edits", []),
            {
                "at": message.timestamp.isoformat(),
                "by": message.external_id,
                "previous_text": original.text,
            },
        ]
        payload["edits"] = edits[-MAX_EDITS_KEPT:]
        details["edited"] = True
        original.text = edit.text
        if details.get("media") is not None:
            details["media"] = {**details["media"], "caption": edit.text[:MAX_DETAIL_CHARS]}
    elif message.kind == "revoke":
        payload["deleted_at"] = message.timestamp.isoformat()
        details["deleted"] = True
    payload["details"] = details
    original.payload = payload


async def _apply_number_change(
    session: AsyncSession, tenant_id: uuid.UUID, customer_id: uuid.UUID, message: InboundMessage
) -> None:
    """The customer's new number replaces the old one on the customer, so the messages from the
    new number join the same customer and conversation (and replies go to it). When another
    customer of the tenant already has the new number, nothing is merged (``applied: false``)."""
    system = message.details.system
    if system is None or system.type not in NUMBER_CHANGES:
        return
    new = system.new_wa_id
    if not new or not new.isdigit() or not 5 <= len(new) <= 20 or new == message.sender:
        system.applied = False
        return
    taken = await session.scalar(
        select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.phone == new)
    )
    if taken is not None:
        log.warning("number change to a number another customer has: not merged")
        system.applied = False
        return
    await session.execute(update(Customer).where(Customer.id == customer_id).values(phone=new))
    system.applied = True


async def open_conversation(
    session: AsyncSession, tenant_id: uuid.UUID, channel_id: uuid.UUID, customer_id: uuid.UUID
) -> uuid.UUID:
    """The customer's open conversation on this channel, created when there is none."""
    await session.execute(
        insert(Conversation)
        .values(
            id=uuid.uuid4(),
            tenant_id=tenant_id,
            channel_id=channel_id,
            customer_id=customer_id,
            status="open",
        )
        .on_conflict_do_nothing(
            index_elements=["channel_id", "customer_id"], index_where=text("status <> 'closed'")
        )
    )
    return (
        await session.execute(
            select(Conversation.id).where(
                Conversation.channel_id == channel_id,
                Conversation.customer_id == customer_id,
                Conversation.status != "closed",
            )
        )
    ).scalar_one()


async def open_conversations(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    channel_id: uuid.UUID,
    customer_ids: list[uuid.UUID],
) -> dict[uuid.UUID, uuid.UUID]:
    """``open_conversation`` for many customers in two statements (a dispatcher's round)."""
    if not customer_ids:
        return {}
    await session.execute(
        text(
            "INSERT INTO conversations (id, tenant_id, channel_id, customer_id, status, created_at)"
            " SELECT gen_random_uuid(), :tenant, :channel, customer, 'open', now()"
            " FROM unnest(CAST(:customers AS uuid[])) AS customer"
            " ON CONFLICT (channel_id, customer_id) WHERE status <> 'closed' DO NOTHING"
        ),
        {"tenant": tenant_id, "channel": channel_id, "customers": list(customer_ids)},
    )
    rows = await session.execute(
        select(Conversation.customer_id, Conversation.id).where(
            Conversation.channel_id == channel_id,
            Conversation.customer_id.in_(customer_ids),
            Conversation.status != "closed",
        )
    )
    return {customer_id: conversation_id for customer_id, conversation_id in rows.all()}


async def _apply_status(session: AsyncSession, status: StatusUpdate) -> bool:
    """Move our outbound message forward (sent → delivered → read); failed records the error
    and puts the conversation in front of a human (not for a message Invekto wrote first: see
    ``_apply_outbound_failure``). False when the message is not (yet) ours."""
    opaque = status.biz_opaque_callback_data or ""
    if opaque.startswith(OUTBOUND_OPAQUE):
        await _resolve_interrupted_send(session, status)
    elif opaque.startswith(REPLY_OPAQUE):
        await _settle_reply(session, status)
    if status.status == "failed":
        return await _apply_failure(session, status)
    rank = STATUS_RANK.get(status.status)
    delivery = _delivery_values(status)
    if rank is not None:
        current = case(STATUS_RANK, value=Message.status, else_=-1)
        moved = (
            await session.execute(
                update(Message)
                .where(
                    Message.wa_message_id == status.external_id,
                    _sent_from(status.phone_number_id),
                    Message.status != "failed",
                    current < rank,
                )
                .values(status=status.status, status_at=status.timestamp, **delivery)
                .returning(Message.id, Message.tenant_id, Message.conversation_id)
            )
        ).one_or_none()
        if moved is not None:
            await publish(
                session,
                tenant_id=moved.tenant_id,
                conversation_id=moved.conversation_id,
                kind=MESSAGE_STATUS,
                payload={"message_id": moved.id, "status": status.status},
            )
            return True
    # Out of order (e.g. "delivered" after "read"), or a status we do not track: the status
    # stays; its pricing and errors are still kept.
    statement = select(Message.id).where(
        Message.wa_message_id == status.external_id, _sent_from(status.phone_number_id)
    )
    if delivery:
        statement = (
            update(Message)
            .where(Message.wa_message_id == status.external_id, _sent_from(status.phone_number_id))
            .values(**delivery)
            .returning(Message.id)
        )
    known = await session.scalar(statement)
    if known is None:
        log.info("status %s for unknown message %s", status.status, status.external_id)
    return known is not None


def _pricing(status: StatusUpdate) -> dict[str, Any] | None:
    """``Message.pricing`` from a callback's ``pricing`` (WIRE 7.1): type, category, billable
    and pricing model; None when it carries none."""
    delivery = status.delivery
    if delivery is None or not (
        delivery.pricing_category or delivery.pricing_type or delivery.pricing_model
    ):
        return None
    return {
        "type": delivery.pricing_type,
        "category": delivery.pricing_category,
        "billable": delivery.billable,
        "pricing_model": delivery.pricing_model,
    }


def _delivery_values(status: StatusUpdate) -> dict[str, Any]:
    """The ``payload.delivery`` update of a callback that carries pricing, a conversation or
    errors (merged into the stored payload), and ``pricing``; nothing for a bare status."""
    if status.delivery is None:
        return {}
    pricing = _pricing(status)
    extra = {"pricing": pricing} if pricing is not None else {}
    delivery = status.delivery.model_dump(mode="json", exclude_defaults=True)
    stored = func.coalesce(Message.payload, literal({}, JSONB))
    # Merged into what earlier callbacks said: a "failed" keeps the pricing of its "sent".
    merged = func.coalesce(stored["delivery"], literal({}, JSONB)).op("||")(
        literal(delivery, JSONB)
    )
    return {
        "payload": func.jsonb_set(stored, literal_column("ARRAY['delivery']"), merged),
        **extra,
    }


def _sent_from(phone_number_id: str):  # type: ignore[no-untyped-def]
    """The message belongs to a conversation of the number the callback came through: a status
    arriving through another tenant's number never touches this tenant's message."""
    return exists(
        select(1)
        .select_from(Conversation)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(
            Conversation.id == Message.conversation_id,
            Channel.phone_number_id == phone_number_id,
        )
    )


async def expire_early_statuses(session: AsyncSession, *, older_than: dt.timedelta) -> int:
    """Drop kept status callbacks for ids that never became ours (the caller commits)."""
    result = await session.execute(
        delete(WebhookEvent).where(
            WebhookEvent.problem == EARLY_STATUS,
            WebhookEvent.created_at < utcnow() - older_than,
        )
    )
    return int(result.rowcount or 0)


async def _apply_failure(session: AsyncSession, status: StatusUpdate) -> bool:
    message = await session.scalar(
        select(Message)
        .where(Message.wa_message_id == status.external_id, _sent_from(status.phone_number_id))
        .with_for_update()
    )
    if message is None:
        return False
    first = message.status != "failed"  # Meta redelivers callbacks: announce a failure once
    message.status, message.error = "failed", {"errors": status.errors}
    if status.delivery is not None:
        payload = message.payload or {}
        message.payload = {
            **payload,
            "delivery": {
                **payload.get("delivery", {}),
                **status.delivery.model_dump(mode="json", exclude_defaults=True),
            },
        }
    message.status_at = status.timestamp
    pricing = _pricing(status)
    if pricing is not None:
        message.pricing = pricing
    codes = [str(e.get("code")) for e in status.errors]
    if first:
        await publish(
            session,
            tenant_id=message.tenant_id,
            conversation_id=message.conversation_id,
            kind=MESSAGE_STATUS,
            payload={"message_id": message.id, "status": "failed", "error_codes": codes},
        )
    if isinstance((message.payload or {}).get("outbound"), dict):
        # Invekto wrote first and nobody waits for an answer: the send learns why, no hand-over.
        if first:
            await _apply_outbound_failure(session, message, status)
        return True
    conversation = await session.get(Conversation, message.conversation_id)
    if conversation is not None:
        conversation.status = "waiting_human"
        conversation.handoff_reason = f"send_failed:{','.join(codes) or 'unknown'}"
        if first:
            await publish(
                session,
                tenant_id=conversation.tenant_id,
                conversation_id=conversation.id,
                kind=CONVERSATION_UPDATED,
                payload={
                    "status": conversation.status,
                    "handoff_reason": conversation.handoff_reason,
                },
            )
    return True


async def apply_early_statuses(session: AsyncSession, wa_message_id: str) -> None:
    """Apply the status callbacks that arrived before the send was recorded, then drop them."""
    events = (
        await session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.problem == EARLY_STATUS, WebhookEvent.detail == wa_message_id)
            .order_by(WebhookEvent.created_at)
        )
    ).all()
    for event in events:
        await _apply_status(session, StatusUpdate.model_validate_json(event.body))
        await session.delete(event)


# --- what Invekto writes first: failures, interrupted sends -------------------------------------


def _error_code(status: StatusUpdate) -> int | None:
    for error in status.errors:
        code = error.get("code")
        if isinstance(code, int) and not isinstance(code, bool):
            return code
        if isinstance(code, str) and code.isdigit() and len(code) < 10:
            return int(code)
    return None


async def _apply_outbound_failure(
    session: AsyncSession, message: Message, status: StatusUpdate
) -> None:
    """A failed callback of a message Invekto wrote first updates its ``OutboundSend``:
    131050 → the customer opted out at Meta (consent recorded), the send failed; 131049 → the
    send waits ``marketing_cap_wait_hours`` and goes again; anything else → the send failed."""
    send = await session.scalar(
        select(OutboundSend)
        .where(OutboundSend.message_id == message.id, OutboundSend.tenant_id == message.tenant_id)
        .with_for_update()
    )
    if send is None:
        return
    code = _error_code(status)
    first_error = status.errors[0] if status.errors else {}
    send.error = {
        "code": code,
        "title": str(first_error.get("title") or "")[:200],
        "source": "status_callback",
    }
    if code == OPT_OUT_CODE:
        customer = await session.get(Customer, send.customer_id, with_for_update=True)
        if customer is not None:
            from invekto.outbound.consent import record_consent

            await record_consent(
                session,
                customer,
                action="stop",
                source="meta_131050",
                detail=f"message {message.wa_message_id}"[:200],
                at=status.timestamp,
            )
    if code == MARKETING_CAP_CODE:
        tenant = await session.get(Tenant, send.tenant_id)
        from invekto.core.tenant_settings import TenantSettings

        hours = TenantSettings.parse(tenant.settings if tenant else None).outbound
        send.status, send.reason = "scheduled", SEND_FAILURE_REASONS[code]
        send.due_at = utcnow() + dt.timedelta(hours=hours.marketing_cap_wait_hours)
        send.message_id, send.sent_at, send.claimed_at = None, None, None
        return
    send.status = "failed"
    send.reason = SEND_FAILURE_REASONS.get(code or 0) or f"failed:{code or 'unknown'}"


STALE_CLAIM = dt.timedelta(minutes=10)
"""As ``invekto.outbound.dispatch.STALE_AFTER``: a claim older than this has no dispatcher."""


async def _resolve_interrupted_send(session: AsyncSession, status: StatusUpdate) -> None:
    """A callback naming one of our sends (``outbound:<send id>``) for a wa id we do not know:
    the dispatcher was interrupted after Meta took the message. The send gets its ``messages``
    row with that wa id and counts as sent, so it is never sent twice."""
    if await session.scalar(select(Message.id).where(Message.wa_message_id == status.external_id)):
        return
    try:
        send_id = uuid.UUID((status.biz_opaque_callback_data or "")[len(OUTBOUND_OPAQUE) :])
    except ValueError:
        return
    send = await session.scalar(
        select(OutboundSend)
        .join(Channel, Channel.id == OutboundSend.channel_id)
        .where(
            OutboundSend.id == send_id,
            Channel.phone_number_id == status.phone_number_id,
            Channel.tenant_id == OutboundSend.tenant_id,
        )
        .with_for_update(of=OutboundSend, skip_locked=True)  # locked: a dispatcher records it
    )
    if send is None or send.message_id is not None:
        return
    if not (
        (send.status == "scheduled" and send.reason == "interrupted")
        or (
            send.status == "sending"
            and send.claimed_at is not None
            and send.claimed_at < utcnow() - STALE_CLAIM
        )
    ):
        # A live dispatcher records its own sends: only a claim it left behind is resolved here.
        return
    if await session.scalar(select(Message.id).where(Message.wa_message_id == status.external_id)):
        return  # the dispatcher recorded it meanwhile
    conversation_id = send.conversation_id or await open_conversation(
        session, send.tenant_id, send.channel_id, send.customer_id
    )
    template = None
    if send.template_name:
        template = await session.scalar(
            select(WaTemplate).where(
                WaTemplate.tenant_id == send.tenant_id,
                WaTemplate.name == send.template_name,
                WaTemplate.language == send.language,
            )
        )
    from invekto.outbound.record import record_sent
    from invekto.outbound.templates import render

    parameters = {str(k): str(v) for k, v in (send.parameters or {}).items()}
    await record_sent(
        session,
        send,
        wa_message_id=status.external_id,
        conversation_id=conversation_id,
        template=template,
        text=render(template, parameters) if template is not None else send.text or "",
        at=send.claimed_at or status.timestamp,
        resolved_by="status_callback",
    )


async def _settle_reply(session: AsyncSession, status: StatusUpdate) -> None:
    """A callback naming one of our replies (``reply:<message id>``) for a wa id we do not
    know: the send reached Meta but its outcome was never recorded (the worker died after the
    claim, or the callback is faster than the recording). The message, still ``queued`` or
    ``sending`` and of the number the callback came through (and its tenant), takes that wa id
    and counts as sent, so a retried send job finds it settled and does not send it again.
    The callback itself is then applied as any other (delivered, read, failed)."""
    try:
        message_id = uuid.UUID((status.biz_opaque_callback_data or "")[len(REPLY_OPAQUE) :])
    except ValueError:
        return
    if await session.scalar(select(Message.id).where(Message.wa_message_id == status.external_id)):
        return
    of_this_number = exists(
        select(1)
        .select_from(Conversation)
        .join(Channel, Channel.id == Conversation.channel_id)
        .where(
            Conversation.id == Message.conversation_id,
            Conversation.tenant_id == Message.tenant_id,
            Channel.tenant_id == Message.tenant_id,
            Channel.phone_number_id == status.phone_number_id,
        )
    )
    settled = (
        await session.execute(
            update(Message)
            .where(
                Message.id == message_id,
                Message.direction == "out",
                Message.status.in_(("queued", "sending")),
                Message.wa_message_id.is_(None),
                of_this_number,
            )
            .values(
                status="sent",
                wa_message_id=status.external_id,
                sent_at=status.timestamp,
                status_at=status.timestamp,
                error=None,
            )
            .returning(Message.id, Message.tenant_id, Message.conversation_id)
        )
    ).one_or_none()
    if settled is None:
        return
    log.info("reply %s settled by its status callback (%s)", settled.id, status.status)
    await publish(
        session,
        tenant_id=settled.tenant_id,
        conversation_id=settled.conversation_id,
        kind=MESSAGE_STATUS,
        payload={"message_id": settled.id, "status": "sent"},
    )
    await apply_early_statuses(session, status.external_id)


# --- templates and marketing preferences ---------------------------------------------------------


async def _apply_template_changes(
    session: AsyncSession, parsed: ParsedWebhook, report: IngestReport
) -> None:
    from invekto.outbound.templates import apply_category_update, apply_status_update

    for change in parsed.template_updates:
        if await apply_status_update(session, change):
            report.templates += 1
        else:
            await store_problem(
                session,
                problem=UNMATCHED_TEMPLATE,
                detail=f"{change.event} {change.message_template_id} {change.name}"[:2000],
                body=change.model_dump_json(),
            )
    for category in parsed.category_updates:
        if await apply_category_update(session, category):
            report.templates += 1
        else:
            await store_problem(
                session,
                problem=UNMATCHED_TEMPLATE,
                detail=f"category {category.message_template_id} {category.name}"[:2000],
                body=category.model_dump_json(),
            )


async def _apply_preference(session: AsyncSession, preference: PreferenceChange) -> int:
    """A customer stopped (or resumed) marketing messages at Meta: consent recorded for each
    tenant on that number (or WABA), the customer created when we never met them."""
    if preference.phone_number_id:
        channels = select(Channel.tenant_id).where(
            Channel.phone_number_id == preference.phone_number_id, Channel.active.is_(True)
        )
    elif preference.waba_id:
        channels = select(Channel.tenant_id).where(
            Channel.waba_id == preference.waba_id, Channel.active.is_(True)
        )
    else:
        return 0
    tenant_ids = set((await session.scalars(channels)).all())
    if not tenant_ids:
        await store_problem(
            session,
            problem="unknown_phone_number_id",
            detail=preference.phone_number_id or preference.waba_id or "",
            body=preference.model_dump_json(),
        )
        return 0
    from invekto.outbound.consent import record_consent

    applied = 0
    for tenant_id in sorted(tenant_ids):
        await session.execute(
            insert(Customer)
            .values(id=uuid.uuid4(), tenant_id=tenant_id, phone=preference.wa_id, name="", tags=[])
            .on_conflict_do_nothing(index_elements=["tenant_id", "phone"])
        )
        customer = await session.scalar(
            select(Customer)
            .where(Customer.tenant_id == tenant_id, Customer.phone == preference.wa_id)
            .with_for_update()
        )
        if customer is None:
            continue
        await record_consent(
            session,
            customer,
            action="stop" if preference.value == "stop" else "resume",
            source="user_preferences",
            detail=(preference.detail or preference.category or preference.value)[:500],
            at=preference.timestamp,
        )
        applied += 1
    return applied
