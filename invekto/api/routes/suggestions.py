"""Suggestion decisions and who is in charge of a conversation: the inbox's write side.

A suggestion is a reply the AI drafted but did not send (automation off for that area, low
confidence, the output guard held it back, or a person is in charge), stored as a message with
status ``suggested`` and the actions its agent proposed, ``pending``. A person:

- **accepts** it: the reply is sent as is and its pending actions commit, in one transaction;
- **edits** it: their text is sent, and they choose which actions to keep (the rest are
  discarded);
- **rejects** it with a reason: nothing is sent and no action commits.

Each decision is stored once (who, when, what, the edit distance) in ``suggestion_decisions``;
deciding twice answers 409. When the customer has written again since the suggestion was made,
accepting or sending it answers 409 ``newer_messages`` until ``confirm_newer: true`` says the
person has seen them; once the customer's 24-hour window has closed they answer 409
``window_closed`` (only a template may go). The conversation's graph state is told what was
sent (or that a question was never asked) by a job that runs between the conversation's turns.

**Take over** puts a person in charge (the AI only suggests from then on); **hand back** returns
the chat to the AI. Every change publishes inbox events in its own transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections import defaultdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.api.deps import ServicesDep, TenantContext, TenantDep, TenantSessionDep
from invekto.api.routes.conversations import (
    MAX_AGENT_TEXT,
    MaskedEntity,
    mask_text,
    published_details,
    reply_window,
)
from invekto.core.tenant_settings import TenantSettings
from invekto.graphs.conversation.kinds import expects_reply
from invekto.guardrails.agent_messages import check_agent_message
from invekto.guardrails.pii import find_pii
from invekto.jobs import enqueue_note_human_reply, enqueue_send
from invekto.prompts.content import PromptSet
from invekto.storage import events
from invekto.storage.models import (
    Conversation,
    Customer,
    Message,
    PiiReveal,
    ProposedAction,
    SuggestionDecision,
    Tenant,
    utcnow,
)
from invekto.tools.actions import CommitScope, commit_rows, discard_rows

router = APIRouter(tags=["suggestions"])

REASON = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z_]{1,40})>")


# ------------------------------------------------------------------------------------ shapes


class ActionProduct(BaseModel):
    product: str
    quantity: int | None = None


class ActionFields(BaseModel):
    """An action's own fields (``invekto.tools.actions``), for showing it in the UI's language;
    only the kind's fields are set. Internal ids and the customer's contact details and texts
    (a lead's e-mail, its signal text) are left out."""

    model_config = ConfigDict(extra="ignore")

    order_number: str | None = None
    """``cancel_request`` / ``invoice_request`` / ``address_change``, ``return_step``."""
    code: str | None = None
    """``coupon``: the discount code."""
    percent: int | None = None
    """``coupon``."""
    reason: str | None = None
    """``coupon``, ``return_step``: the return reason (``changed_mind``...)."""
    valid_days: int | None = None
    """``coupon``."""
    step: str | None = None
    """``return_step``: asked_reason | exchange_offered | exchange_accepted | coupon_offered |
    coupon_accepted | marketplace_return | handed_over."""
    deflected: bool | None = None
    """``return_step``."""
    company: str | None = None
    """``lead``."""
    products: list[ActionProduct] = Field(default_factory=list)
    """``lead``: what the business customer asked for."""
    channels: list[str] = Field(default_factory=list)
    """``sales_alert``: webhook, email."""


def action_fields(payload: dict[str, Any] | None) -> ActionFields:
    """The shown fields of a stored action (``actions.payload``); none when they do not read
    (an action kind this version no longer knows)."""
    try:
        return ActionFields.model_validate(payload or {})
    except ValueError:
        return ActionFields()


class ActionPublic(BaseModel):
    id: uuid.UUID
    kind: str
    summary: str
    """One English line (kept for older clients): show ``fields`` in the UI's language."""
    fields: ActionFields
    status: str
    """pending | committed | discarded"""
    result: dict | None = None


class SuggestionPublic(BaseModel):
    message_id: uuid.UUID
    conversation_id: uuid.UUID
    inbound_message_id: uuid.UUID | None
    created_at: dt.datetime
    text: str
    """Masked like the inbox's messages; placeholders kept in an edit are restored on send."""
    entities: list[MaskedEntity]
    agent: str | None
    reason: str | None
    """Why it was not sent: automation_off, low_confidence, guard:<validator>, human_in_charge."""
    handoff: bool
    actions: list[ActionPublic]
    newer_inbound: int
    """Customer messages that arrived after the one this suggestion answers."""


class SuggestionList(BaseModel):
    suggestions: list[SuggestionPublic]


class AcceptRequest(BaseModel):
    confirm_newer: bool = False


class SendEditedRequest(BaseModel):
    text: str = Field(max_length=MAX_AGENT_TEXT)
    keep_actions: list[uuid.UUID] = Field(default_factory=list)
    """The ids of the pending actions to commit with the edited reply; the others are dropped."""
    confirm_newer: bool = False
    confirm_pii: bool = False


class RejectRequest(BaseModel):
    reason: REASON


class DecisionPublic(BaseModel):
    message_id: uuid.UUID
    decision: Literal["accepted", "edited", "rejected"]
    status: str
    """The message's status now: queued (being sent) or rejected."""
    edit_distance: int
    actions: list[ActionPublic]
    newer_inbound: int


class ConversationControl(BaseModel):
    conversation_id: uuid.UUID
    status: str
    assigned_user_id: uuid.UUID | None
    handoff_reason: str | None


# --------------------------------------------------------------------------------- helpers


def _action_public(row: ProposedAction) -> ActionPublic:
    return ActionPublic(
        id=row.id,
        kind=row.kind,
        summary=row.summary,
        fields=action_fields(row.payload),
        status=row.status,
        result=row.result,
    )


async def _actions_of(
    session: AsyncSession, tenant_id: uuid.UUID, message_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ProposedAction]]:
    grouped: dict[uuid.UUID, list[ProposedAction]] = defaultdict(list)
    if not message_ids:
        return grouped
    rows = await session.scalars(
        select(ProposedAction)
        .where(ProposedAction.tenant_id == tenant_id, ProposedAction.message_id.in_(message_ids))
        .order_by(ProposedAction.created_at, ProposedAction.id)
    )
    for row in rows:
        grouped[row.message_id].append(row)  # type: ignore[index]
    return grouped


async def _newer_inbound(session: AsyncSession, message: Message) -> int:
    """Customer messages stored after the one ``message`` answers (or after it); not the ones
    that need no reply (a reaction, an edit, a delete: ``kinds.expects_reply``)."""
    since = message.created_at
    if message.reply_to_id is not None:
        answered = await session.get(Message, message.reply_to_id)
        if answered is not None:
            since = answered.created_at
    count = await session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.tenant_id == message.tenant_id,
            Message.conversation_id == message.conversation_id,
            Message.direction == "in",
            Message.created_at > since,
            expects_reply(),
        )
    )
    return int(count or 0)


async def _suggestion(
    session: AsyncSession, tenant: TenantContext, message_id: uuid.UUID
) -> tuple[Message, Conversation]:
    """The suggestion, locked (a second decision waits, then sees the first), or 404/409."""
    message = await session.scalar(
        select(Message)
        .where(
            Message.id == message_id,
            Message.tenant_id == tenant.tenant_id,
            Message.direction == "out",
            Message.author == "ai",
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if message is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "suggestion not found")
    if message.status != "suggested":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            {"code": "already_decided", "detail": f"this reply is already {message.status}"},
        )
    conversation = await session.get(Conversation, message.conversation_id)
    assert conversation is not None
    if conversation.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, "conversation is closed")
    return message, conversation


async def _window_conflict(
    session: AsyncSession, conversation: Conversation
) -> JSONResponse | None:
    """A suggestion cannot go out once the customer's 24-hour window has closed (WhatsApp takes
    only an approved template then): 409 ``window_closed`` before anything changes."""
    customer = await session.get(Customer, conversation.customer_id)
    window = reply_window(customer.last_inbound_at if customer else None)
    if window.window_open:
        return None
    return JSONResponse(
        {
            "code": "window_closed",
            "detail": "the customer's 24-hour window is closed: WhatsApp accepts only an "
            "approved template now; reject the suggestion or send a template",
            "window_closes_at": (
                window.window_closes_at.isoformat() if window.window_closes_at else None
            ),
        },
        status_code=status.HTTP_409_CONFLICT,
    )


def _newer_conflict(newer: int) -> JSONResponse:
    return JSONResponse(
        {
            "code": "newer_messages",
            "detail": f"the customer has written {newer} message(s) since this suggestion: "
            "read them, then send again with confirm_newer=true",
            "newer_messages": newer,
        },
        status_code=status.HTTP_409_CONFLICT,
    )


def _restore_placeholders(edited: str, original: str, language: str) -> str:
    """An edit of the masked suggestion keeps ``<PHONE_NUMBER>``-style placeholders where the
    person left the value alone: put back the original values, in order, per type."""
    if not _PLACEHOLDER.search(edited):
        return edited
    values: dict[str, list[str]] = defaultdict(list)
    for entity in find_pii(original, language):
        values[entity.entity_type].append(original[entity.start : entity.end])

    def put_back(match: re.Match[str]) -> str:
        queue = values.get(match.group(1))
        return queue.pop(0) if queue else match.group(0)

    return _PLACEHOLDER.sub(put_back, edited)


async def _commit_scope(
    session: AsyncSession, services: ServicesDep, conversation: Conversation
) -> CommitScope:
    tenant = await session.get(Tenant, conversation.tenant_id)
    assert tenant is not None
    return CommitScope(
        session=session,
        tenant_id=conversation.tenant_id,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        tenant_settings=TenantSettings.parse(tenant.settings),
        app_settings=services.settings,
        prompts=PromptSet.parse(tenant.prompts),
    )


async def _decide(
    session: AsyncSession,
    services: ServicesDep,
    tenant: TenantContext,
    message: Message,
    conversation: Conversation,
    *,
    decision: Literal["accepted", "edited", "rejected"],
    sent_text: str | None,
    keep: set[uuid.UUID] | None,
    reason: str | None,
    newer: int,
) -> DecisionPublic:
    """Store the decision, send or not, commit or discard the actions, publish: one
    transaction."""
    rows = (await _actions_of(session, tenant.tenant_id, [message.id]))[message.id]
    kept = [r for r in rows if r.status == "pending" and (keep is None or r.id in keep)]
    dropped = [r for r in rows if r.status == "pending" and r not in kept]
    original = message.text
    if decision == "rejected":
        discard_rows(rows, user_id=tenant.user_id)
        message.status = "rejected"
    else:
        await commit_rows(
            kept, await _commit_scope(session, services, conversation), user_id=tenant.user_id
        )
        discard_rows(dropped, user_id=tenant.user_id)
        message.status = "queued"
        if sent_text is not None and sent_text != original:
            message.text = sent_text
        await enqueue_send(session, message_id=message.id, conversation_id=conversation.id)
        conversation.last_message_at = utcnow()
    distance = Levenshtein.distance(original, sent_text) if sent_text is not None else 0
    message.payload = {
        **(message.payload or {}),
        "decided": {
            "decision": decision,
            "by": str(tenant.user_id),
            "at": utcnow().isoformat(),
            **({"original_text": original} if message.text != original else {}),
        },
    }
    session.add(
        SuggestionDecision(
            tenant_id=tenant.tenant_id,
            conversation_id=conversation.id,
            message_id=message.id,
            user_id=tenant.user_id,
            decision=decision,
            reason=reason,
            original_text=original,
            sent_text=None if decision == "rejected" else message.text,
            edit_distance=distance,
            actions_kept=[str(r.id) for r in kept] if decision != "rejected" else [],
            actions_dropped=[str(r.id) for r in (rows if decision == "rejected" else dropped)],
            newer_inbound=newer,
        )
    )
    await enqueue_note_human_reply(session, message_id=message.id, conversation_id=conversation.id)
    await events.publish(
        session,
        tenant_id=tenant.tenant_id,
        conversation_id=conversation.id,
        kind=events.SUGGESTION_DECIDED,
        payload={
            "message_id": message.id,
            "decision": decision,
            "user_id": tenant.user_id,
            "status": message.status,
        },
    )
    await session.commit()
    return DecisionPublic(
        message_id=message.id,
        decision=decision,
        status=message.status,
        edit_distance=distance,
        actions=[_action_public(r) for r in rows],
        newer_inbound=newer,
    )


# ---------------------------------------------------------------------------------- routes


@router.get("/api/conversations/{conversation_id}/suggestions")
async def list_suggestions(
    conversation_id: uuid.UUID, tenant: TenantDep, session: TenantSessionDep
) -> SuggestionList:
    """The conversation's suggestions waiting for a decision, oldest first, with their actions
    and how many customer messages came after each."""
    conversation = await session.scalar(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.tenant_id == tenant.tenant_id
        )
    )
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found")
    messages = list(
        await session.scalars(
            select(Message)
            .where(
                Message.tenant_id == tenant.tenant_id,
                Message.conversation_id == conversation_id,
                Message.status == "suggested",
            )
            .order_by(Message.created_at)
        )
    )
    actions = await _actions_of(session, tenant.tenant_id, [m.id for m in messages])
    language = conversation.language or "tr"
    public = await published_details(session, tenant.tenant_id)
    masked = await asyncio.to_thread(
        lambda: [mask_text(m.id, m.text, language, public) for m in messages]
    )
    result = []
    for message, shown in zip(messages, masked, strict=True):
        decision = (message.payload or {}).get("decision") or {}
        result.append(
            SuggestionPublic(
                message_id=message.id,
                conversation_id=conversation_id,
                inbound_message_id=message.reply_to_id,
                created_at=message.created_at,
                text=shown.text,
                entities=shown.entities,
                agent=decision.get("agent"),
                reason=decision.get("reason"),
                handoff=bool(decision.get("handoff")),
                actions=[_action_public(r) for r in actions[message.id]],
                newer_inbound=await _newer_inbound(session, message),
            )
        )
    return SuggestionList(suggestions=result)


@router.post(
    "/api/suggestions/{message_id}/accept",
    response_model=DecisionPublic,
    responses={409: {"description": "newer customer messages, already decided, or closed"}},
)
async def accept_suggestion(
    message_id: uuid.UUID,
    body: AcceptRequest,
    tenant: TenantDep,
    session: TenantSessionDep,
    services: ServicesDep,
) -> JSONResponse | DecisionPublic:
    """Send the suggested reply as it is; its pending actions commit with it."""
    message, conversation = await _suggestion(session, tenant, message_id)
    closed = await _window_conflict(session, conversation)
    if closed is not None:
        return closed
    newer = await _newer_inbound(session, message)
    if newer and not body.confirm_newer:
        return _newer_conflict(newer)
    return await _decide(
        session,
        services,
        tenant,
        message,
        conversation,
        decision="accepted",
        sent_text=None,
        keep=None,
        reason=None,
        newer=newer,
    )


@router.post(
    "/api/suggestions/{message_id}/send",
    response_model=DecisionPublic,
    responses={
        409: {"description": "newer customer messages, PII to confirm, already decided"},
        422: {"description": "empty text or an unknown action id"},
    },
)
async def send_edited_suggestion(
    message_id: uuid.UUID,
    body: SendEditedRequest,
    tenant: TenantDep,
    session: TenantSessionDep,
    services: ServicesDep,
) -> JSONResponse | DecisionPublic:
    """Send an edited version of the suggestion (``text``), committing only the pending actions
    listed in ``keep_actions``. A national id, IBAN or card number the person typed needs
    ``confirm_pii`` (recorded), as for ``POST /api/conversations/{id}/messages``."""
    message, conversation = await _suggestion(session, tenant, message_id)
    closed = await _window_conflict(session, conversation)
    if closed is not None:
        return closed
    language = conversation.language or "tr"
    text = _restore_placeholders(body.text.strip(), message.text, language)
    if not text:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'text' is empty")
    pending = {
        r.id
        for r in (await _actions_of(session, tenant.tenant_id, [message.id]))[message.id]
        if r.status == "pending"
    }
    unknown = set(body.keep_actions) - pending
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"not pending actions of this suggestion: {', '.join(sorted(map(str, unknown)))}",
        )
    newer = await _newer_inbound(session, message)
    if newer and not body.confirm_newer:
        return _newer_conflict(newer)
    typed = text if text != message.text else ""
    flagged = await asyncio.to_thread(check_agent_message, typed, language) if typed else []
    original_values = {message.text[e.start : e.end] for e in find_pii(message.text, language)}
    flagged = [e for e in flagged if typed[e.start : e.end] not in original_values]
    if flagged and not body.confirm_pii:
        kinds = sorted({e.entity_type for e in flagged})
        return JSONResponse(
            {
                "code": "confirm_pii",
                "detail": f"the text contains {', '.join(kinds)}: check it is meant for this "
                "customer and send again with confirm_pii=true",
                "entities": [
                    {"entity_type": e.entity_type, "start": e.start, "end": e.end} for e in flagged
                ],
            },
            status_code=status.HTTP_409_CONFLICT,
        )
    for entity in flagged:
        session.add(
            PiiReveal(
                tenant_id=tenant.tenant_id,
                conversation_id=conversation.id,
                message_id=message.id,
                user_id=tenant.user_id,
                role=tenant.role,
                action="send_confirmed",
                entity_type=entity.entity_type,
            )
        )
    return await _decide(
        session,
        services,
        tenant,
        message,
        conversation,
        decision="edited" if text != message.text else "accepted",
        sent_text=text,
        keep=set(body.keep_actions),
        reason=None,
        newer=newer,
    )


@router.post(
    "/api/suggestions/{message_id}/reject",
    response_model=DecisionPublic,
    responses={409: {"description": "already decided"}},
)
async def reject_suggestion(
    message_id: uuid.UUID,
    body: RejectRequest,
    tenant: TenantDep,
    session: TenantSessionDep,
    services: ServicesDep,
) -> DecisionPublic:
    """Nothing is sent and none of its actions happen; the reason is kept for the evals."""
    message, conversation = await _suggestion(session, tenant, message_id)
    newer = await _newer_inbound(session, message)
    return await _decide(
        session,
        services,
        tenant,
        message,
        conversation,
        decision="rejected",
        sent_text=None,
        keep=set(),
        reason=body.reason,
        newer=newer,
    )


async def _control(
    session: AsyncSession, tenant: TenantContext, conversation_id: uuid.UUID
) -> Conversation:
    conversation = await session.scalar(
        select(Conversation)
        .where(Conversation.id == conversation_id, Conversation.tenant_id == tenant.tenant_id)
        .with_for_update()
    )
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "conversation not found")
    if conversation.status == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, "conversation is closed")
    return conversation


async def _changed(
    session: AsyncSession, tenant: TenantContext, conversation: Conversation
) -> ConversationControl:
    await events.publish(
        session,
        tenant_id=tenant.tenant_id,
        conversation_id=conversation.id,
        kind=events.CONVERSATION_UPDATED,
        payload={
            "status": conversation.status,
            "assigned_user_id": conversation.assigned_user_id,
            "handoff_reason": conversation.handoff_reason,
            "user_id": tenant.user_id,
        },
    )
    await session.commit()
    return ConversationControl(
        conversation_id=conversation.id,
        status=conversation.status,
        assigned_user_id=conversation.assigned_user_id,
        handoff_reason=conversation.handoff_reason,
    )


@router.post("/api/conversations/{conversation_id}/take-over")
async def take_over(
    conversation_id: uuid.UUID, tenant: TenantDep, session: TenantSessionDep
) -> ConversationControl:
    """The caller takes the chat: the AI stops answering and only suggests."""
    conversation = await _control(session, tenant, conversation_id)
    conversation.status = "waiting_human"
    conversation.assigned_user_id = tenant.user_id
    conversation.handoff_reason = conversation.handoff_reason or "agent_took_over"
    return await _changed(session, tenant, conversation)


@router.post("/api/conversations/{conversation_id}/hand-back")
async def hand_back(
    conversation_id: uuid.UUID, tenant: TenantDep, session: TenantSessionDep
) -> ConversationControl:
    """Give the chat back to the AI: it answers the customer's next message itself."""
    conversation = await _control(session, tenant, conversation_id)
    conversation.status = "open"
    conversation.assigned_user_id = None
    conversation.handoff_reason = None
    return await _changed(session, tenant, conversation)
