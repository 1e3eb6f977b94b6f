"""Sending a stored outbound message over its channel, respecting the 24-hour window."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy import func, select

from invekto.channels.access import SendAccess
from invekto.channels.whatsapp.client import OutsideCustomerServiceWindow, WhatsAppSendError
from invekto.channels.whatsapp.ingest import REPLY_OPAQUE, apply_early_statuses
from invekto.storage.models import Channel, Conversation, Customer, Message, utcnow

log = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = dt.timedelta(hours=24)

SETTLE_WAIT_S = 60.0
"""How long after its claim a message left in ``sending`` (its attempt died before recording
the outcome) waits for the status callback that names it before it is sent again. Meta's
``sent`` callback normally follows the send within seconds; the wait counts from the claim, so
it also covers the HTTP exchange itself. Read at each decision (tests shorten it)."""
SETTLE_POLL_MIN_S = 1.0
SETTLE_POLL_MAX_S = 10.0
"""While it waits, the job comes back every half of the time waited so far, within these."""


class RetryableSendError(Exception):
    """The send failed in a way worth another attempt later (the job retries).

    ``attempts``: the sends of this message tried so far (``messages.attempts``)."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts


class AwaitingStatusCallback(Exception):
    """A previous attempt claimed the message and never recorded its outcome: the send may have
    reached Meta. The job comes back in ``retry_in_s`` to see whether the status callback that
    names the message (``reply:<id>``) settled it; after ``SETTLE_WAIT_S`` it sends again."""

    def __init__(self, message_id: uuid.UUID, *, waited_s: float, retry_in_s: float) -> None:
        super().__init__(
            f"message {message_id}: claimed {waited_s:.1f}s ago and not recorded; "
            f"waiting for its status callback (again in {retry_in_s:.1f}s)"
        )
        self.message_id = message_id
        self.waited_s = waited_s
        self.retry_in_s = retry_in_s


MAX_INTERACTIVE_BODY = 1024
"""WhatsApp's limit for an interactive message's body; a longer reply goes as plain text."""


def reply_opaque(message_id: uuid.UUID) -> str:
    """The ``biz_opaque_callback_data`` of a customer-service send: Meta echoes it in the
    message's status callbacks, which settle a send whose worker died (``ingest``)."""
    return f"{REPLY_OPAQUE}{message_id}"


async def send_stored_message(services: SendAccess, message_id: uuid.UUID) -> str:
    """Send one queued message. Returns its final state; raises RetryableSendError to retry.

    No lock is held while the Graph API is called: the message is first claimed
    (``queued`` → ``sending``, ``status_at`` = the claim, committed), then sent, then recorded.
    Each send carries ``biz_opaque_callback_data`` = ``reply:<message id>``. A job that died
    after the claim leaves ``sending``: when its send reached Meta, the status callback naming
    the message settles it (``ingest._settle_reply``) and the retried job finds it sent. A
    retried job that finds ``sending`` raises ``AwaitingStatusCallback`` (it comes back shortly,
    without holding a worker) until ``SETTLE_WAIT_S`` after the claim; only then does it send
    again (the Cloud API has no idempotency key: a send whose callback is later than that, or
    lost, still goes twice; a rare duplicate is better than silence).
    """
    claimed = await _claim(services, message_id)
    if claimed is None:
        return "skipped"
    message, customer, channel = claimed
    template = (message.payload or {}).get("template")
    window_open = bool(customer.last_inbound_at) and (
        utcnow() - customer.last_inbound_at < CUSTOMER_SERVICE_WINDOW
    )
    if not window_open and not template:
        await mark_failed(
            services,
            message_id,
            {
                "code": 131047,
                "title": "outside_24h_window",
                "detail": "no template for this message",
            },
        )
        return "failed"
    opaque = reply_opaque(message_id)
    try:
        async with services.whatsapp_client(channel) as client:
            buttons = ((message.payload or {}).get("interactive") or {}).get("buttons")
            if window_open and buttons and len(message.text) <= MAX_INTERACTIVE_BODY:
                # Reply buttons (offered slots): the text says the same, so a client that shows
                # no buttons still works.
                result = await client.send_interactive_buttons(
                    to=customer.phone,
                    body=message.text,
                    buttons=[(str(b[0]), str(b[1])) for b in buttons[:3]],
                    biz_opaque_callback_data=opaque,
                )
            elif window_open:
                result = await client.send_text(
                    to=customer.phone, body=message.text, biz_opaque_callback_data=opaque
                )
            else:
                result = await client.send_template(
                    to=customer.phone,
                    name=template["name"],
                    language=template.get("language", "tr"),
                    parameters=list(template.get("parameters", [])),
                    biz_opaque_callback_data=opaque,
                )
    except WhatsAppSendError as exc:
        if exc.retryable and not isinstance(exc, OutsideCustomerServiceWindow):
            if await _record(services, message_id, status="queued", error=_error(exc)):
                return "sent"  # an earlier attempt's callback settled it meanwhile
            raise RetryableSendError(str(exc), attempts=message.attempts) from exc
        await mark_failed(services, message_id, _error(exc))
        return "failed"
    await _record(services, message_id, status="sent", wa_message_id=result.message_id)
    return "sent"


async def _claim(
    services: SendAccess, message_id: uuid.UUID
) -> tuple[Message, Customer, Channel] | None:
    """``queued`` → ``sending`` (committed); None when there is nothing to send. A message
    already ``sending`` was claimed by an attempt that never recorded its outcome: it is
    claimed again only ``SETTLE_WAIT_S`` after that claim (``AwaitingStatusCallback`` until
    then), so the status callback of a send that did go out can settle it first."""
    async with services.db.session() as session:
        row = (
            await session.execute(
                select(Message, func.now()).where(Message.id == message_id).with_for_update()
            )
        ).one_or_none()
        if row is None:
            return None
        message, now = row
        if message.status not in ("queued", "sending"):
            return None
        if message.status == "sending":
            _wait_for_callback(message, now)
        message.status, message.status_at = "sending", now
        message.attempts = (message.attempts or 0) + 1
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        customer = await session.get(Customer, conversation.customer_id)
        channel = await session.get(Channel, conversation.channel_id)
        assert customer is not None and channel is not None
        await session.commit()
        return message, customer, channel


def _wait_for_callback(message: Message, now: dt.datetime) -> None:
    """Raise ``AwaitingStatusCallback`` while the message's last claim is younger than
    ``SETTLE_WAIT_S``; past it (or with no claim time), the message may be sent again."""
    if message.status_at is None:
        return
    waited = (now - message.status_at).total_seconds()
    remaining = SETTLE_WAIT_S - waited
    if remaining > 0:
        step = min(max(waited / 2, SETTLE_POLL_MIN_S), SETTLE_POLL_MAX_S)
        raise AwaitingStatusCallback(
            message.id, waited_s=waited, retry_in_s=min(step, remaining + 0.1)
        )
    log.warning(
        "message %s: no status callback %.0fs after its claim; sending it again",
        message.id,
        waited,
    )


async def _record(
    services: SendAccess,
    message_id: uuid.UUID,
    *,
    status: str,
    wa_message_id: str | None = None,
    error: dict | None = None,
) -> bool:
    """Store the outcome of a send, then any status callbacks that raced ahead of it. True, and
    nothing changed, when a status callback already settled the message: this send's own,
    faster than this recording (its status may be ahead: delivered, read), or, for a failed
    send, an earlier attempt's."""
    async with services.db.session() as session:
        message = await session.get(Message, message_id, with_for_update=True)
        assert message is not None
        if message.wa_message_id is not None and wa_message_id in (None, message.wa_message_id):
            return True
        if wa_message_id and message.wa_message_id is not None:
            log.warning(
                "message %s went out twice (%s, then %s): the earlier attempt's callback came "
                "after the wait",
                message_id,
                message.wa_message_id,
                wa_message_id,
            )
        message.status, message.error = status, error
        if wa_message_id:
            message.wa_message_id = wa_message_id
            message.sent_at = message.status_at = utcnow()
            await session.flush()
            await apply_early_statuses(session, wa_message_id)
        await session.commit()
        return False


async def mark_failed(services: SendAccess, message_id: uuid.UUID, error: dict) -> None:
    """Give up on a message: failed, and its conversation waits for a human."""
    async with services.db.session() as session:
        message = await session.get(Message, message_id, with_for_update=True)
        if message is None or message.status not in ("queued", "sending"):
            return
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        _fail(message, conversation, error)
        await session.commit()


def _error(exc: WhatsAppSendError) -> dict:
    return {"code": exc.code, "title": type(exc).__name__, "detail": str(exc)[:500]}


def _fail(message: Message, conversation: Conversation, error: dict) -> None:
    """A reply that cannot go out is a conversation a human must look at."""
    message.status, message.error, message.status_at = "failed", error, utcnow()
    conversation.status = "waiting_human"
    conversation.handoff_reason = f"send_failed:{error.get('code')}"
    log.warning("message %s not sent: %s", message.id, error)
