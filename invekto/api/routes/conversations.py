"""The inbox: conversations and their messages, masked by default; reveal, export, reply.

Masking. Every text the inbox gets (message texts, the last-message preview, redacted exports)
has each personal value found by :func:`invekto.guardrails.pii.find_pii` replaced by
``<ENTITY_TYPE>`` (:func:`invekto.guardrails.pii.mask`), e.g. ``"numaram <PHONE_NUMBER>"``. A
message lists its masked values in ``entities``: ``{"ref": "<message_id>:<index>",
"entity_type": "PHONE_NUMBER", "start": 8, "end": 22}``, where ``start``/``end`` index the
*masked* text (``text[start:end] == "<PHONE_NUMBER>"``) and ``index`` is the value's position
among the message's values. The language used for finding values is the conversation's (else
the customer's, else ``tr``). A supervisor or owner reveals one value with
``POST /api/conversations/{id}/reveal {"message_id", "ref"}``; every reveal, every unredacted
export and every confirmed send of a national id / IBAN / card number is recorded in
``pii_reveals`` (who, when, which message, which entity type; never the value), readable at
``GET /api/conversations/{id}/reveals``.

Tenancy. Every query runs in the caller's tenant session with an explicit tenant filter, and
row-level security hides other tenants' rows anyway: another tenant's conversation is a 404.
Nothing here logs a text or a value, only ids and entity types.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy import func, or_, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from invekto.api.deps import TenantContext, TenantDep, TenantSessionDep, require_role
from invekto.channels.base import DeliveryInfo, MessageDetails
from invekto.channels.outbound import CUSTOMER_SERVICE_WINDOW
from invekto.clinic.practice import published_names
from invekto.core.tenant_settings import TenantSettings
from invekto.guardrails.agent_messages import check_agent_message
from invekto.guardrails.leaks import fold as pii_fold
from invekto.guardrails.output import setting_strings
from invekto.guardrails.pii import PiiEntity, find_pii, mask
from invekto.jobs import enqueue_note_human_reply, enqueue_send
from invekto.security import allowed
from invekto.storage.events import CONVERSATION_UPDATED, MESSAGE_STORED, publish
from invekto.storage.models import (
    Conversation,
    ConversationRead,
    Customer,
    Doctor,
    Message,
    PiiReveal,
    Tenant,
    User,
    utcnow,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/conversations", tags=["conversations"])

SUPERVISORS = ("owner", "admin", "supervisor")
ConversationStatus = Literal["open", "waiting_human", "closed"]
PREVIEW_CHARS = 140
MAX_AGENT_TEXT = 4096  # WhatsApp's limit for a text message body
_REF = re.compile(r"^(?P<message>[0-9a-fA-F-]{36}):(?P<index>\d{1,4})$")
_NO_STORE = {"Cache-Control": "no-store"}


# ------------------------------------------------------------------------------------ shapes


class CustomerPublic(BaseModel):
    id: uuid.UUID
    name: str
    phone: str
    """Masked: ``+90 532 *** ** 33``."""


class LastMessage(BaseModel):
    text: str
    """Masked, cut to 140 characters."""
    kind: str = "text"
    """The message's kind (``MessagePublic.kind``): a location or a cart has no text to show."""
    direction: str
    author: str
    created_at: dt.datetime


class EscalationTool(BaseModel):
    name: str
    outcome: str
    """``ok``, ``error``, ``not_found``, ``<n> results`` or the tool's own status."""


class EscalationNote(BaseModel):
    """The note the AI leaves when it hands a chat to a person (deterministic, PII masked).

    ``note`` is the one-paragraph Turkish text to show; the other fields are its parts, for a
    structured view. Keys are English, texts Turkish (the tenant's UI language)."""

    created_at: dt.datetime
    inbound_message_id: uuid.UUID | None
    intent: str
    wants: str
    """What the customer wants, in words, with the key entities: "Siparişini iptal etmek
    istiyor (sipariş no: 10654400001)"."""
    entities: dict[str, Any]
    """Only the kinds found: ``order_numbers``, ``tracking_numbers``, ``products``,
    ``quantities``, ``sizes``, ``colors`` (lists), ``company`` (text, masked)."""
    agent: str
    tools: list[EscalationTool]
    tried: str
    reason: str | None
    """The machine reason (``order_not_found``, ``customer_asked_for_human``, ``guard:…``)."""
    why: str
    """The reason in words."""
    note: str


class ReplyWindow(BaseModel):
    """WhatsApp's 24-hour customer-service window: a free-form reply (a person's too) may go
    only while it is open; after it closes only an approved template may be sent."""

    window_open: bool
    window_closes_at: dt.datetime | None
    """``customers.last_inbound_at`` + 24 h; None when the customer never wrote."""


class ConversationSummary(BaseModel):
    id: uuid.UUID
    status: str
    customer: CustomerPublic
    last_message: LastMessage | None
    last_message_at: dt.datetime | None
    needs_human: bool
    """The conversation waits for a human (hand-over, failed send, an agent took it over)."""
    awaiting_reply: bool
    """The last message is the customer's, and one that is answered (not a reaction, an edit, a
    delete or a system event: ``MessagePublic.handling`` ``no_reply``)."""
    handoff_reason: str | None
    unread: int
    """The customer's messages after the caller last read the conversation
    (``POST /api/conversations/{id}/read``); all of them if the caller never read it."""
    pending_suggestions: int
    """Replies waiting in the inbox as suggestions (message status ``suggested``)."""
    assigned_user_id: uuid.UUID | None
    assignee_name: str | None
    """The assigned person's name (their e-mail when they have no name)."""
    escalation: EscalationNote | None
    """The AI's note from its last hand-over (None if it never handed over)."""
    window_open: bool
    """Inside WhatsApp's 24-hour window (see :class:`ReplyWindow`)."""
    window_closes_at: dt.datetime | None


class ConversationPage(BaseModel):
    conversations: list[ConversationSummary]
    next_before: str | None
    """Pass as ``before`` for the next (older) page, with the same filters; None on the last."""


class MaskedEntity(BaseModel):
    ref: str
    entity_type: str
    start: int
    end: int


MessageHandling = Literal["turn", "no_reply", "handoff"]


class OutboundMark(BaseModel):
    """Why Invekto wrote this message first (``docs/outbound.md``)."""

    send_id: str | None = None
    flow: str | None = None
    """post_purchase, shipping_update, exchange_followup, review_recovery, cart_recovery,
    campaign, or None for a tenant's own rule."""
    rule_id: str | None = None
    campaign_id: str | None = None
    template: str | None = None
    variant: str | None = None


class MessagePublic(BaseModel):
    id: uuid.UUID
    direction: str
    author: str
    status: str
    kind: str
    """``text``, ``image``, ``audio``, ``video``, ``document``, ``sticker``, ``location``,
    ``contacts``, ``interactive``, ``button``, ``order``, ``reaction``, ``edit``, ``revoke``,
    ``system``, ``request_welcome``, ``unsupported``, ``unknown`` (``docs/message-kinds.md``)."""
    created_at: dt.datetime
    text: str
    """Masked."""
    entities: list[MaskedEntity]
    details: MessageDetails | None = None
    """The kind's fields (a location's place, a cart's items, a contact card, the reaction's
    emoji, the ad a customer came from, the errors; an outbound message's pricing and delivery
    errors), masked by the same rules as ``text``: free texts masked (``<PERSON>``...), phone
    numbers as ``+90 532 *** ** 33``. None for a plain text."""
    handling: MessageHandling | None = None
    """Inbound: what the message got (``turn``: answered as usual, ``no_reply``: nothing was
    due, ``handoff``: a person was asked for); None until processed, and for outbound."""
    outbound: OutboundMark | None = None
    """Set on a message Invekto wrote first (a rule's, a campaign's): which and why."""
    wa_message_id: str | None = None
    """WhatsApp's id of the message (a wamid; None for a reply not sent yet): what a reaction
    (``details.reaction.message_id``), a reply (``details.context.message_id``), an edit or a
    delete point at."""


class MessagePage(BaseModel):
    conversation_id: uuid.UUID
    status: str
    language: str
    messages: list[MessagePublic]
    """Oldest first."""
    next_before: uuid.UUID | None
    """Pass as ``before`` for the older messages; None when there are none."""


class RevealRequest(BaseModel):
    message_id: uuid.UUID
    ref: str


class RevealPublic(BaseModel):
    message_id: uuid.UUID
    ref: str
    entity_type: str
    value: str


class RevealRecord(BaseModel):
    id: uuid.UUID
    created_at: dt.datetime
    action: str
    """reveal | export | send_confirmed"""
    entity_type: str
    message_id: uuid.UUID | None
    ref: str | None
    user_id: uuid.UUID | None
    user_email: str | None
    role: str


class RevealList(BaseModel):
    reveals: list[RevealRecord]
    """Newest first."""


class AgentMessageRequest(BaseModel):
    text: str
    confirm_pii: bool = False


# ----------------------------------------------------------------------------------- masking


@dataclass(frozen=True, slots=True)
class _Masked:
    text: str
    entities: list[MaskedEntity]


def mask_text(
    message_id: uuid.UUID | str, text: str, language: str, public: frozenset[str] = frozenset()
) -> _Masked:
    """``text`` with every value replaced by ``<ENTITY_TYPE>``, and where each one now sits.
    ``public``: the tenant's own published details (folded, :func:`published_details`), left
    as they are (a clinic's doctors and address in its replies). A ref keeps the value's index
    among all the values found, as ``/reveal`` counts them."""
    found = find_pii(text, language)
    if not found:
        return _Masked(text, [])
    entities, pieces, cursor = [], [], 0
    for index, entity in enumerate(found):
        if public and pii_fold(entity.text) in public:
            continue
        token = f"<{entity.entity_type}>"
        pieces.append(text[cursor : entity.start])
        start = sum(len(p) for p in pieces)
        pieces.append(token)
        cursor = entity.end
        entities.append(
            MaskedEntity(
                ref=f"{message_id}:{index}",
                entity_type=entity.entity_type,
                start=start,
                end=start + len(token),
            )
        )
    pieces.append(text[cursor:])
    return _Masked("".join(pieces), entities)


async def published_details(session: AsyncSession, tenant_id: uuid.UUID) -> frozenset[str]:
    """What the tenant publishes itself (its settings' texts: an address, a sales name; a
    clinic's doctors), folded like PII values: never masked in the inbox."""
    tenant = await session.get(Tenant, tenant_id)
    values = setting_strings(TenantSettings.parse(tenant.settings if tenant else None))
    doctors = await session.scalars(select(Doctor.name).where(Doctor.tenant_id == tenant_id))
    values += [part for name in doctors for part in published_names(name)]
    return frozenset(pii_fold(value) for value in values if value)


NAME_REVEAL = "inbox.supervise"
"""Who sees customers' names in clear: the roles that may reveal PII and export unredacted."""
MASKED_NAME = "<PERSON>"


def names_visible(role: str, *, redact: bool = False) -> bool:
    """Whether a customer's name is shown in clear to ``role``: only to a role with
    :data:`NAME_REVEAL`, and never in what was asked for redacted (a redacted export)."""
    return not redact and allowed(role, NAME_REVEAL)


def customer_name(name: str | None, role: str, *, redact: bool = False) -> str:
    """The one rule for a customer's name wherever the inbox shows it (the conversation list,
    the customer card, exports): in clear when :func:`names_visible`, else ``<PERSON>`` (as a
    masked text shows a name); "" when the customer has none."""
    if not name:
        return ""
    return name if names_visible(role, redact=redact) else MASKED_NAME


def mask_phone(phone: str) -> str:
    """``905321112233`` → ``+90 532 *** ** 33``; other numbers keep their first and last two."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 12 and digits.startswith("90"):
        return f"+90 {digits[2:5]} *** ** {digits[-2:]}"
    if len(digits) < 6:
        return "***"
    return f"+{digits[:2]} {'*' * (len(digits) - 4)} {digits[-2:]}"


def _language(conversation: Conversation, customer: Customer | None) -> str:
    return conversation.language or (customer.language if customer else None) or "tr"


async def _mask_many(
    items: list[tuple[uuid.UUID, str, str]], public: frozenset[str] = frozenset()
) -> list[_Masked]:
    """Mask (id, text, language) triples off the event loop (Presidio is CPU work)."""
    if not items:
        return []
    return await asyncio.to_thread(lambda: [mask_text(i, t, lang, public) for i, t, lang in items])


async def public_messages(
    messages: list[Message], language: str, public: frozenset[str] = frozenset()
) -> list[MessagePublic]:
    """The messages as the inbox shows them: text and details masked (the tenant's own
    ``public`` details left as they are), off the event loop."""

    def build() -> list[MessagePublic]:
        shown = []
        for message in messages:
            details = stored_details(message)
            shown.append(
                _message_public(
                    message,
                    mask_text(message.id, message.text, language, public),
                    mask_details(details, language) if details is not None else None,
                )
            )
        return shown

    return await asyncio.to_thread(build) if messages else []


def _message_public(
    message: Message, masked: _Masked, details: MessageDetails | None = None
) -> MessagePublic:
    handling = (message.payload or {}).get("handling") if message.direction == "in" else None
    return MessagePublic(
        id=message.id,
        direction=message.direction,
        author=message.author,
        status=message.status,
        kind=message.kind,
        created_at=message.created_at,
        text=masked.text,
        entities=masked.entities,
        details=details,
        handling=handling if handling in ("turn", "no_reply", "handoff") else None,
        outbound=_outbound_mark(message),
        wa_message_id=message.wa_message_id,
    )


def _outbound_mark(message: Message) -> OutboundMark | None:
    mark = (message.payload or {}).get("outbound") if message.direction == "out" else None
    if not isinstance(mark, dict):
        return None
    return OutboundMark.model_validate(
        {
            key: str(value)
            for key, value in mark.items()
            if key in OutboundMark.model_fields and value
        }
    )


def stored_details(message: Message) -> MessageDetails | None:
    """The message's details as stored (unmasked): ``payload.details`` of an inbound message,
    ``payload.delivery`` of an outbound one; None when there are none (or they no longer read)."""
    payload = message.payload or {}
    try:
        if message.direction == "in" and payload.get("details"):
            return MessageDetails.model_validate(payload["details"])
        if message.direction == "out" and payload.get("delivery"):
            return MessageDetails(delivery=DeliveryInfo.model_validate(payload["delivery"]))
    except ValueError:
        log.warning("message %s has details that do not read", message.id)
    return None


def mask_details(details: MessageDetails, language: str) -> MessageDetails:
    """``details`` with the same masking as a text: each free text through
    :func:`invekto.guardrails.pii.mask`, each phone number through ``mask_phone``. Ids, prices,
    coordinates, codes and the ad's own texts are kept. CPU work: call it off the event loop."""

    def text(value: str | None) -> str | None:
        return mask(value, language) if value else value

    def phone(value: str | None) -> str | None:
        return mask_phone(value) if value else value

    masked = details.model_copy(deep=True)
    if masked.reply is not None:
        masked.reply.title = text(masked.reply.title)
        masked.reply.description = text(masked.reply.description)
    if masked.media is not None:
        masked.media.caption = text(masked.media.caption)
        masked.media.filename = text(masked.media.filename)
    if masked.location is not None:
        masked.location.name = text(masked.location.name)
        masked.location.address = text(masked.location.address)
    for card in masked.contacts:
        card.name = text(card.name)
        card.organization = text(card.organization)
        card.emails = [mask(email, language) for email in card.emails]
        for number in card.phones:
            number.phone, number.wa_id = phone(number.phone), phone(number.wa_id)
    if masked.order is not None:
        masked.order.text = text(masked.order.text)
    if masked.flow is not None:
        masked.flow.body = text(masked.flow.body)
        masked.flow.response = _mask_json(masked.flow.response, language)
    if masked.edit is not None:
        masked.edit.text = text(masked.edit.text)
    if masked.system is not None:
        masked.system.body = text(masked.system.body)
        masked.system.old_wa_id = phone(masked.system.old_wa_id)
        masked.system.new_wa_id = phone(masked.system.new_wa_id)
    if masked.context is not None:
        masked.context.sender = phone(masked.context.sender)
    return masked


def _mask_json(value: Any, language: str) -> Any:
    """Every string value of a (bounded) flow response masked; keys and numbers kept."""
    if isinstance(value, str):
        return mask(value, language) if value else value
    if isinstance(value, dict):
        return {key: _mask_json(inner, language) for key, inner in value.items()}
    if isinstance(value, list):
        return [_mask_json(inner, language) for inner in value]
    return value


# --------------------------------------------------------------------------------- lookups


async def _conversation(
    session: TenantSessionDep, tenant: TenantContext, conversation_id: uuid.UUID, *, lock=False
) -> tuple[Conversation, Customer]:
    query = (
        select(Conversation, Customer)
        .join(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.id == conversation_id, Conversation.tenant_id == tenant.tenant_id)
    )
    if lock:
        query = query.with_for_update(of=Conversation).execution_options(populate_existing=True)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found")
    return row[0], row[1]


def _activity():  # type: ignore[no-untyped-def]
    return func.coalesce(Conversation.last_message_at, Conversation.created_at)


def _parse_before(before: str) -> tuple[dt.datetime, uuid.UUID | None]:
    """``<ISO datetime>`` or ``<ISO datetime>~<conversation id>`` (the ``next_before`` form)."""
    stamp, _, ident = before.partition("~")
    try:
        stamp = stamp.strip()
        if "T" in stamp:  # an unencoded "+01:00" arrives as " 01:00"
            stamp = stamp.replace(" ", "+")
        at = dt.datetime.fromisoformat(stamp)
        conversation_id = uuid.UUID(ident) if ident else None
    except ValueError as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "'before' must be an ISO datetime or a next_before cursor",
        ) from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at, conversation_id


def _cursor(at: dt.datetime, conversation_id: uuid.UUID) -> str:
    stamp = at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return f"{stamp}~{conversation_id}"


ListFilter = Literal["needs_human", "ai", "suggestion", "mine", "closed", "all"]
MAX_QUERY = 100
_LIKE_SPECIALS = re.compile(r"([\\%_])")


def like_pattern(q: str) -> str:
    """``q`` as a literal ILIKE substring pattern (``\\``, ``%`` and ``_`` escaped with ``\\``)."""
    return "%" + _LIKE_SPECIALS.sub(r"\\\1", q) + "%"


def reply_window(
    last_inbound_at: dt.datetime | None, now: dt.datetime | None = None
) -> ReplyWindow:
    if last_inbound_at is None:
        return ReplyWindow(window_open=False, window_closes_at=None)
    closes = last_inbound_at + CUSTOMER_SERVICE_WINDOW
    return ReplyWindow(window_open=closes > (now or utcnow()), window_closes_at=closes)


def escalation_public(value: dict[str, Any] | None) -> EscalationNote | None:
    if not value:
        return None
    try:
        return EscalationNote.model_validate(value)
    except ValueError:  # an older or damaged note: show nothing rather than fail the inbox
        log.warning("unreadable escalation note skipped")
        return None


def _suggested(tenant_id: uuid.UUID):  # type: ignore[no-untyped-def]
    return (
        select(Message.id)
        .where(
            Message.conversation_id == Conversation.id,
            Message.tenant_id == tenant_id,
            Message.status == "suggested",
        )
        .exists()
    )


def _filtered(query, tenant: TenantContext, filter_: ListFilter, q: str | None):  # type: ignore[no-untyped-def]
    """``query`` narrowed to the list filter and the search text."""
    if filter_ == "needs_human":
        query = query.where(Conversation.status == "waiting_human")
    elif filter_ == "ai":
        query = query.where(Conversation.status == "open", ~_suggested(tenant.tenant_id))
    elif filter_ == "suggestion":
        query = query.where(_suggested(tenant.tenant_id))
    elif filter_ == "mine":
        query = query.where(Conversation.assigned_user_id == tenant.user_id)
    elif filter_ == "closed":
        query = query.where(Conversation.status == "closed")
    if q:
        pattern = like_pattern(q)
        matches = [
            select(Message.id)
            .where(
                Message.conversation_id == Conversation.id,
                Message.tenant_id == tenant.tenant_id,
                Message.text.ilike(pattern, escape="\\"),
            )
            .exists(),
        ]
        if names_visible(tenant.role):  # else a search would reveal the names masked
            matches.append(Customer.name.ilike(pattern, escape="\\"))
        digits = "".join(ch for ch in q if ch.isdigit())
        if len(digits) >= 3:
            matches.append(Customer.phone.like(like_pattern(digits), escape="\\"))
        query = query.where(or_(*matches))
    return query


async def conversation_summaries(
    session: AsyncSession,
    tenant: TenantContext,
    *,
    status_: str | None = None,
    filter_: ListFilter = "all",
    q: str | None = None,
    before: str | None = None,
    limit: int = 50,
    conversation_id: uuid.UUID | None = None,
) -> tuple[list[ConversationSummary], str | None]:
    """One page of summaries (newest activity first) and the cursor of the next page."""
    last = (
        select(
            Message.text.label("text"),
            Message.kind.label("kind"),
            Message.payload["handling"].astext.label("handling"),
            Message.direction.label("direction"),
            Message.author.label("author"),
            Message.created_at.label("created_at"),
        )
        .where(
            Message.conversation_id == Conversation.id,
            Message.tenant_id == tenant.tenant_id,
            Message.status != "suggested",
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
        .lateral("last")
    )
    pending = (
        select(func.count())
        .where(
            Message.conversation_id == Conversation.id,
            Message.tenant_id == tenant.tenant_id,
            Message.status == "suggested",
        )
        .scalar_subquery()
        .label("pending")
    )
    read_at = (
        select(ConversationRead.read_at)
        .where(
            ConversationRead.conversation_id == Conversation.id,
            ConversationRead.user_id == tenant.user_id,
            ConversationRead.tenant_id == tenant.tenant_id,
        )
        # Nested in ``unread``: correlate to the listed conversation, never re-select it.
        .correlate(Conversation)
        .scalar_subquery()
    )
    unread = (
        select(func.count())
        .where(
            Message.conversation_id == Conversation.id,
            Message.tenant_id == tenant.tenant_id,
            Message.direction == "in",
            or_(read_at.is_(None), Message.created_at > read_at),
        )
        .scalar_subquery()
        .label("unread")
    )
    assignee = aliased(User)
    activity = _activity().label("activity")
    query = (
        select(
            Conversation,
            Customer,
            activity,
            last,
            pending,
            unread,
            assignee.name.label("assignee_name"),
            assignee.email.label("assignee_email"),
        )
        .join(Customer, Customer.id == Conversation.customer_id)
        .outerjoin(last, true())
        .outerjoin(
            assignee,
            (assignee.id == Conversation.assigned_user_id)
            & (assignee.tenant_id == tenant.tenant_id),
        )
        .where(Conversation.tenant_id == tenant.tenant_id, Customer.tenant_id == tenant.tenant_id)
        .order_by(_activity().desc(), Conversation.id.desc())
        .limit(limit + 1)
    )
    if conversation_id is not None:
        query = query.where(Conversation.id == conversation_id)
    if status_ is not None:
        query = query.where(Conversation.status == status_)
    query = _filtered(query, tenant, filter_, q)
    if before is not None:
        at, after_id = _parse_before(before)
        if after_id is None:
            query = query.where(_activity() < at)
        else:
            query = query.where(tuple_(_activity(), Conversation.id) < tuple_(at, after_id))
    rows = (await session.execute(query)).all()
    page, more = rows[:limit], len(rows) > limit
    masked = await _mask_many(
        [
            (row.Conversation.id, row.text, _language(row.Conversation, row.Customer))
            for row in page
            if row.text is not None
        ],
        await published_details(session, tenant.tenant_id),
    )
    previews = iter(masked)
    now = utcnow()
    conversations = []
    for row in page:
        conversation, customer = row.Conversation, row.Customer
        last_message = None
        if row.text is not None:
            preview = next(previews).text
            if len(preview) > PREVIEW_CHARS:
                preview = preview[: PREVIEW_CHARS - 1] + "…"
            last_message = LastMessage(
                text=preview,
                kind=row.kind,
                direction=row.direction,
                author=row.author,
                created_at=row.created_at,
            )
        window = reply_window(customer.last_inbound_at, now)
        conversations.append(
            ConversationSummary(
                id=conversation.id,
                status=conversation.status,
                customer=CustomerPublic(
                    id=customer.id,
                    name=customer_name(customer.name, tenant.role),
                    phone=mask_phone(customer.phone),
                ),
                last_message=last_message,
                last_message_at=conversation.last_message_at,
                needs_human=conversation.status == "waiting_human",
                # A reaction, an edit or a system event last: nothing awaits a reply.
                awaiting_reply=row.direction == "in" and row.handling != "no_reply",
                handoff_reason=conversation.handoff_reason,
                unread=row.unread,
                pending_suggestions=row.pending,
                assigned_user_id=conversation.assigned_user_id,
                assignee_name=(row.assignee_name or row.assignee_email)
                if conversation.assigned_user_id
                else None,
                escalation=escalation_public(conversation.escalation),
                window_open=window.window_open,
                window_closes_at=window.window_closes_at,
            )
        )
    next_before = _cursor(page[-1].activity, page[-1].Conversation.id) if more else None
    return conversations, next_before


# ---------------------------------------------------------------------------------- routes


@router.get("")
async def list_conversations(
    tenant: TenantDep,
    session: TenantSessionDep,
    status_: Annotated[ConversationStatus | None, Query(alias="status")] = None,
    filter_: Annotated[
        ListFilter,
        Query(
            alias="filter",
            description="needs_human: waiting for a person; ai: open with no suggestion "
            "waiting; suggestion: a suggested reply waits; mine: assigned to the caller; "
            "closed; all (default)",
        ),
    ] = "all",
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY,
            description="search: the customer's name, digits of their phone (3 or more), or "
            "a message's text (a literal substring, case-insensitive)",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before: Annotated[str | None, Query(max_length=100)] = None,
) -> ConversationPage:
    """The tenant's conversations, newest activity first, one page at a time.

    ``before``: the ``next_before`` of the previous page (or any ISO datetime: conversations
    whose last activity is older); pass the same ``filter``/``status``/``q`` with it.
    ``last_message`` is the last message the customer saw or wrote (suggestions for the team are
    left out), masked. ``unread`` is per caller; ``pending_suggestions``, the assignee, the AI's
    ``escalation`` note and the 24-hour ``window_open`` / ``window_closes_at`` come with each.
    """
    # Control characters (a NUL would make PostgreSQL fail the query) are not searchable.
    query_text = "".join(ch for ch in (q or "") if ch.isprintable()).strip() or None
    conversations, next_before = await conversation_summaries(
        session,
        tenant,
        status_=status_,
        filter_=filter_,
        q=query_text,
        before=before,
        limit=limit,
    )
    return ConversationPage(conversations=conversations, next_before=next_before)


@router.get("/{conversation_id}/messages")
async def list_messages(
    conversation_id: uuid.UUID,
    tenant: TenantDep,
    session: TenantSessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: Annotated[uuid.UUID | None, Query(description="a message id: older ones")] = None,
) -> MessagePage:
    """The conversation's messages, oldest first, each masked (see the module docstring).

    Returns the newest ``limit`` messages; ``next_before`` (a message id) pages to older ones.
    ``entities[].ref`` (``"<message_id>:<index>"``) is what ``/reveal`` takes; ``start``/``end``
    index the masked ``text``, where the value shows as ``<ENTITY_TYPE>``.
    """
    conversation, customer = await _conversation(session, tenant, conversation_id)
    query = (
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.tenant_id == tenant.tenant_id)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        anchor = await session.scalar(
            select(Message).where(
                Message.id == before,
                Message.conversation_id == conversation.id,
                Message.tenant_id == tenant.tenant_id,
            )
        )
        if anchor is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "'before' is not a message of this chat"
            )
        query = query.where(
            tuple_(Message.created_at, Message.id) < tuple_(anchor.created_at, anchor.id)
        )
    rows = list((await session.scalars(query)).all())
    page, more = rows[:limit], len(rows) > limit
    page.reverse()
    language = _language(conversation, customer)
    return MessagePage(
        conversation_id=conversation.id,
        status=conversation.status,
        language=language,
        messages=await public_messages(
            page, language, await published_details(session, tenant.tenant_id)
        ),
        next_before=page[0].id if more else None,
    )


@router.post("/{conversation_id}/reveal", response_model=RevealPublic)
async def reveal(
    conversation_id: uuid.UUID,
    body: RevealRequest,
    session: TenantSessionDep,
    tenant: TenantContext = require_role(*SUPERVISORS),
) -> JSONResponse:
    """One raw value of one message, for a supervisor or an owner; the reveal is recorded."""
    match = _REF.match(body.ref)
    if match is None or match["message"].lower() != str(body.message_id):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "'ref' must be '<message_id>:<index>' of the given message",
        )
    conversation, customer = await _conversation(session, tenant, conversation_id)
    message = await session.scalar(
        select(Message).where(
            Message.id == body.message_id,
            Message.conversation_id == conversation.id,
            Message.tenant_id == tenant.tenant_id,
        )
    )
    if message is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "message not found in this conversation")
    found: list[PiiEntity] = await asyncio.to_thread(
        find_pii, message.text, _language(conversation, customer)
    )
    index = int(match["index"])
    if index >= len(found):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such masked value in this message")
    entity = found[index]
    _record(session, tenant, conversation, "reveal", entity.entity_type, message.id, body.ref)
    await session.commit()
    log.info(
        "pii revealed: conversation %s message %s %s by user %s",
        conversation.id,
        message.id,
        entity.entity_type,
        tenant.user_id,
    )
    public = RevealPublic(
        message_id=message.id, ref=body.ref, entity_type=entity.entity_type, value=entity.text
    )
    return JSONResponse(public.model_dump(mode="json"), headers=_NO_STORE)


@router.get("/{conversation_id}/reveals")
async def list_reveals(
    conversation_id: uuid.UUID,
    session: TenantSessionDep,
    tenant: TenantContext = require_role(*SUPERVISORS),
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RevealList:
    """Who looked behind the mask in this conversation (reveals, unredacted exports, confirmed
    sends of a national id / IBAN / card number), newest first. Never the values."""
    conversation, _ = await _conversation(session, tenant, conversation_id)
    rows = await session.execute(
        select(PiiReveal, User.email)
        .outerjoin(User, User.id == PiiReveal.user_id)
        .where(
            PiiReveal.conversation_id == conversation.id,
            PiiReveal.tenant_id == tenant.tenant_id,
        )
        .order_by(PiiReveal.created_at.desc(), PiiReveal.id.desc())
        .limit(limit)
    )
    return RevealList(
        reveals=[
            RevealRecord(
                id=r.id,
                created_at=r.created_at,
                action=r.action,
                entity_type=r.entity_type,
                message_id=r.message_id,
                ref=r.ref,
                user_id=r.user_id,
                user_email=email,
                role=r.role,
            )
            for r, email in rows
        ]
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: str) -> str:
    """Keep spreadsheet programs from running a customer's text as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


@router.get("/{conversation_id}/export")
async def export_conversation(
    conversation_id: uuid.UUID,
    tenant: TenantDep,
    session: TenantSessionDep,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    redact: bool = True,
) -> Response:
    """The whole conversation as a JSON or CSV download.

    ``redact=true`` (default): texts masked as in ``/messages`` and the customer shown as
    ``<PERSON>`` with a masked phone. ``redact=false``: the raw texts, for owners and supervisors
    only, and recorded in ``pii_reveals`` (``action`` export, ``entity_type`` EXPORT). CSV columns:
    conversation_id, message_id, created_at, direction, author, status, text; cells that a
    spreadsheet would read as a formula get a leading ``'``.
    """
    if not redact and tenant.role not in SUPERVISORS:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "needs role owner, admin or supervisor")
    conversation, customer = await _conversation(session, tenant, conversation_id)
    messages = list(
        (
            await session.scalars(
                select(Message)
                .where(
                    Message.conversation_id == conversation.id,
                    Message.tenant_id == tenant.tenant_id,
                )
                .order_by(Message.created_at, Message.id)
            )
        ).all()
    )
    language = _language(conversation, customer)
    if redact:
        shown = await public_messages(
            messages, language, await published_details(session, tenant.tenant_id)
        )
        texts = [m.text for m in shown]
        details = [m.details for m in shown]
        phone = mask_phone(customer.phone)
    else:
        texts = [m.text for m in messages]
        details = [stored_details(m) for m in messages]
        phone = customer.phone
        _record(session, tenant, conversation, "export", "EXPORT")
        await session.commit()
        log.info(
            "unredacted export: conversation %s by user %s (%s)",
            conversation.id,
            tenant.user_id,
            format,
        )
    name = customer_name(customer.name, tenant.role, redact=redact)
    filename = f"conversation-{conversation.id}-{'redacted' if redact else 'unredacted'}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', **_NO_STORE}
    if format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["conversation_id", "message_id", "created_at", "direction", "author", "status", "text"]
        )
        for message, text in zip(messages, texts, strict=True):
            writer.writerow(
                [
                    conversation.id,
                    message.id,
                    message.created_at.isoformat(),
                    message.direction,
                    message.author,
                    message.status,
                    _csv_cell(text),
                ]
            )
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
    document: dict[str, Any] = {
        "conversation": {
            "id": str(conversation.id),
            "status": conversation.status,
            "language": language,
            "created_at": conversation.created_at.isoformat(),
            "last_message_at": (
                conversation.last_message_at.isoformat() if conversation.last_message_at else None
            ),
            "customer": {"name": name, "phone": phone},
        },
        "redacted": redact,
        "exported_at": utcnow().isoformat(),
        "messages": [
            {
                "id": str(message.id),
                "created_at": message.created_at.isoformat(),
                "direction": message.direction,
                "author": message.author,
                "status": message.status,
                "kind": message.kind,
                "text": text,
                "details": (
                    found.model_dump(mode="json", exclude_defaults=True) if found else None
                ),
            }
            for message, text, found in zip(messages, texts, details, strict=True)
        ],
    }
    return JSONResponse(document, headers=headers)


@router.post(
    "/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessagePublic,
    responses={
        409: {
            "description": "``code`` pii_confirm: a national id, IBAN or card number needs "
            "confirm_pii; ``code`` window_closed: outside the 24-hour window; or closed"
        }
    },
)
async def send_agent_message(
    conversation_id: uuid.UUID,
    body: AgentMessageRequest,
    tenant: TenantDep,
    session: TenantSessionDep,
) -> Response:
    """A human's reply from the inbox: stored (author ``agent``, status ``queued``) and sent to
    the customer's WhatsApp by the send job, like the AI's replies.

    A TC kimlik no, IBAN or card number in ``text`` answers 409
    ``{"code": "pii_confirm", "detail", "entities": [{"entity_type", "start", "end"}]}``
    (offsets in ``text``) and sends nothing; send again with ``confirm_pii: true`` to send it
    anyway (recorded in ``pii_reveals`` as ``send_confirmed``). Outside the customer's 24-hour
    window (see ``window_open`` in the list) it answers 409 ``{"code": "window_closed",
    "detail", "window_closes_at"}`` and stores nothing: WhatsApp would refuse a free-form text.
    An open conversation goes to ``waiting_human``: a human is in charge, and the AI only drafts
    suggestions from then on. A closed conversation answers 409. Answers the stored message,
    masked like ``/messages``.
    """
    text = body.text.strip()
    if not text:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'text' is empty")
    if len(text) > MAX_AGENT_TEXT:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"'text' is longer than {MAX_AGENT_TEXT} characters",
        )
    conversation, customer = await _conversation(session, tenant, conversation_id)
    if conversation.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, "conversation is closed")
    window = reply_window(customer.last_inbound_at)
    if not window.window_open:
        return JSONResponse(
            {
                "detail": "the customer's 24-hour window is closed: WhatsApp accepts only an "
                "approved template now",
                "code": "window_closed",
                "window_closes_at": (
                    window.window_closes_at.isoformat() if window.window_closes_at else None
                ),
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    language = _language(conversation, customer)
    flagged: list[PiiEntity] = await asyncio.to_thread(check_agent_message, text, language)
    kinds = sorted({e.entity_type for e in flagged})
    if flagged and not body.confirm_pii:
        return JSONResponse(
            {
                "code": "pii_confirm",
                "detail": f"the message contains {', '.join(kinds)}: check it is meant for this "
                "customer and send again with confirm_pii=true",
                "entities": [
                    {"entity_type": e.entity_type, "start": e.start, "end": e.end} for e in flagged
                ],
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    conversation, customer = await _conversation(session, tenant, conversation_id, lock=True)
    if conversation.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, "conversation is closed")
    payload: dict[str, Any] = {"agent_user_id": str(tenant.user_id), "language": language}
    if flagged:
        payload["pii_confirmed"] = kinds
    message = Message(
        tenant_id=tenant.tenant_id,
        conversation_id=conversation.id,
        direction="out",
        kind="text",
        text=text,
        author="agent",
        status="queued",
        payload=payload,
    )
    session.add(message)
    await session.flush()
    await enqueue_send(session, message_id=message.id, conversation_id=conversation.id)
    await enqueue_note_human_reply(session, message_id=message.id, conversation_id=conversation.id)
    for entity in flagged:
        _record(session, tenant, conversation, "send_confirmed", entity.entity_type, message.id)
    if conversation.status == "open":
        conversation.status = "waiting_human"
        conversation.handoff_reason = "agent_took_over"
    conversation.last_message_at = utcnow()
    await _announce_agent_message(session, tenant, conversation, message)
    await session.commit()
    log.info(
        "agent %s replied in conversation %s (confirmed: %s)",
        tenant.user_id,
        conversation.id,
        ",".join(kinds) or "-",
    )
    (masked,) = await _mask_many(
        [(message.id, message.text, language)], await published_details(session, tenant.tenant_id)
    )
    public = _message_public(message, masked)
    return JSONResponse(public.model_dump(mode="json"), status_code=status.HTTP_201_CREATED)


__all__ = ["customer_name", "mask_phone", "mask_text", "names_visible", "router"]


async def _announce_agent_message(
    session: AsyncSession, tenant: TenantContext, conversation: Conversation, message: Message
) -> None:
    """The inbox events of an agent's reply, in its transaction (ids and statuses, no text)."""
    await publish(
        session,
        tenant_id=tenant.tenant_id,
        conversation_id=conversation.id,
        kind=MESSAGE_STORED,
        payload={
            "message_id": message.id,
            "direction": "out",
            "author": "agent",
            "status": message.status,
            "user_id": tenant.user_id,
        },
    )
    await publish(
        session,
        tenant_id=tenant.tenant_id,
        conversation_id=conversation.id,
        kind=CONVERSATION_UPDATED,
        payload={"status": conversation.status, "handoff_reason": conversation.handoff_reason},
    )


def _record(
    session: AsyncSession,
    tenant: TenantContext,
    conversation: Conversation,
    action: str,
    entity_type: str,
    message_id: uuid.UUID | None = None,
    ref: str | None = None,
) -> None:
    """One row of the PII audit trail (who saw or sent what kind of value; never the value)."""
    session.add(
        PiiReveal(
            tenant_id=tenant.tenant_id,
            conversation_id=conversation.id,
            message_id=message_id,
            user_id=tenant.user_id,
            role=tenant.role,
            action=action,
            entity_type=entity_type,
            ref=ref,
        )
    )
