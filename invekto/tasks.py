"""The job definitions. Each is small: it finds the services and calls the real code."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from procrastinate import BaseRetryStrategy, JobContext, RetryStrategy
from procrastinate.jobs import Job
from procrastinate.retry import RetryDecision
from sqlalchemy import select

from invekto.integrations.alerts import AlertRetryStrategy
from invekto.jobs import queue

log = logging.getLogger(__name__)


PROCESS_ATTEMPTS = 3


@queue.task(
    name="invekto.tasks.process_inbound",
    pass_context=True,
    retry=RetryStrategy(max_attempts=PROCESS_ATTEMPTS, exponential_wait=1),
)
async def process_inbound(context: JobContext, message_id: str) -> None:
    """Understand and answer one inbound message (lock: its conversation).

    Retried on any error; when the last attempt fails too, a human takes the conversation and
    the customer is told, so no message is left unanswered.
    """
    from invekto.graphs.conversation.runner import hand_over_unprocessable
    from invekto.graphs.conversation.runner import process_inbound as run
    from invekto.services import current

    services = current()
    try:
        await run(services, uuid.UUID(message_id))
    except Exception:
        attempts = context.job.attempts if context.job else 0
        log.exception("processing %s failed (attempt %s)", message_id, attempts + 1)
        if attempts + 1 >= PROCESS_ATTEMPTS:
            await hand_over_unprocessable(services, uuid.UUID(message_id))
            return
        raise


@queue.task(
    name="invekto.tasks.note_human_reply",
    retry=RetryStrategy(max_attempts=5, exponential_wait=1),
)
async def note_human_reply(message_id: str) -> None:
    """Tell the conversation's graph state what a person sent or rejected (lock: the
    conversation, so it runs between turns, never during one)."""
    from invekto.graphs.conversation.human import note_human_reply as note
    from invekto.services import current

    await note(current(), uuid.UUID(message_id))


SEND_ATTEMPTS = 6
"""Sends of one message tried (``messages.attempts``) before it is given up."""
MAX_SEND_JOB_RUNS = 200
"""A backstop only: the sends are bounded by ``SEND_ATTEMPTS``, the waits by
``channels.outbound.SETTLE_WAIT_S``."""


class SendRetryStrategy(BaseRetryStrategy):
    """A send waiting for the status callback of an interrupted attempt
    (``AwaitingStatusCallback``) comes back after the short wait it asks for, not counted as a
    send; a transient failure (``RetryableSendError``) comes back after 2, 4, 8, 16 s... by the
    sends tried so far (the same waits as before the settle wait existed)."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        from invekto.channels.outbound import AwaitingStatusCallback, RetryableSendError

        if job.attempts + 1 >= MAX_SEND_JOB_RUNS:
            return None
        if isinstance(exception, AwaitingStatusCallback):
            return RetryDecision(retry_in={"seconds": exception.retry_in_s})
        if isinstance(exception, RetryableSendError):
            return RetryDecision(retry_in={"seconds": 2 ** max(exception.attempts, 1)})
        return None


@queue.task(
    name="invekto.tasks.send_message",
    retry=SendRetryStrategy(),
)
async def send_message(message_id: str) -> None:
    """Send one outbound message (lock: the conversation's sends, so they go out in order).

    A transient failure is retried with backoff; the last failure, or any other error, marks the
    message failed and puts the conversation in front of a human. A message an earlier run left
    in ``sending`` (its worker died) waits for its status callback first
    (``channels.outbound.send_stored_message``): the job is put back for a few seconds at a
    time, holding no worker, and the conversation's later sends stay behind it.
    """
    from invekto.channels.outbound import (
        AwaitingStatusCallback,
        RetryableSendError,
        mark_failed,
        send_stored_message,
    )
    from invekto.services import current

    services = current()
    try:
        await send_stored_message(services, uuid.UUID(message_id))
    except AwaitingStatusCallback:
        raise  # back in a few seconds (SendRetryStrategy), not a failure
    except RetryableSendError as exc:
        if exc.attempts < SEND_ATTEMPTS:
            raise
        await mark_failed(services, uuid.UUID(message_id), {"title": "gave_up", "detail": str(exc)})
    except Exception as exc:
        log.exception("sending %s failed", message_id)
        await mark_failed(
            services, uuid.UUID(message_id), {"title": type(exc).__name__, "detail": str(exc)[:500]}
        )


@queue.task(name="invekto.tasks.sync_orders")
async def sync_orders(account_id: str | None = None) -> None:
    """Pull recent marketplace orders into the cache (one account, or all of them)."""
    await _sync(account_id)


@queue.periodic(cron="*/10 * * * *", periodic_id="sync_orders")
@queue.task(name="invekto.tasks.sync_all_orders", queueing_lock="sync_all_orders")
async def sync_all_orders(timestamp: int) -> None:
    await _sync(None)


async def _sync(account_id: str | None) -> None:
    from invekto.integrations.orders import sync_account
    from invekto.integrations.trendyol import TrendyolError
    from invekto.services import current
    from invekto.storage.models import IntegrationAccount

    services = current()
    async with services.db.session() as session:
        ids = (
            [uuid.UUID(account_id)]
            if account_id
            else list(await session.scalars(select(IntegrationAccount.id)))
        )
    for one in ids:
        try:
            await sync_account(services, one, days=services.settings.order_sync_days)
        except TrendyolError:
            continue  # recorded on the account; the next run tries again


EARLY_STATUS_KEPT = dt.timedelta(hours=24)


@queue.periodic(cron="17 * * * *", periodic_id="expire_early_statuses")
@queue.task(name="invekto.tasks.expire_early_statuses", queueing_lock="expire_early_statuses")
async def expire_early_statuses(timestamp: int) -> None:
    """Status callbacks for message ids that never became ours are kept a day, not forever."""
    from invekto.channels.whatsapp.ingest import expire_early_statuses as expire
    from invekto.services import current

    async with current().db.session() as session:
        dropped = await expire(session, older_than=EARLY_STATUS_KEPT)
        await session.commit()
    if dropped:
        log.info("dropped %d status callbacks of unknown messages", dropped)


@queue.task(
    name="invekto.tasks.deliver_lead_alert",
    pass_context=True,
    retry=AlertRetryStrategy(),
)
async def deliver_lead_alert(context: JobContext, alert_id: str) -> None:
    """Deliver one B2B lead alert (webhook or e-mail) to the tenant's sales contact.

    Transient failures (5xx, 408, 429, timeouts, lost connections, SMTP 4xx) are retried with
    doubling waits, ``alerts.MAX_ATTEMPTS`` runs in all; the last failure, or a permanent one,
    leaves the alert ``failed`` with its reason. An alert already sent is skipped.
    """
    from invekto.integrations.alerts import deliver_alert
    from invekto.services import current

    attempt = (context.job.attempts if context.job else 0) + 1
    await deliver_alert(current(), uuid.UUID(alert_id), attempt=attempt)


@queue.task(name="invekto.tasks.dispatch_outbound", pass_context=True)
async def dispatch_outbound(context: JobContext, channel_id: str) -> None:
    """Send what is due on one channel (lock: the channel's dispatcher, one at a time)."""
    from invekto.outbound.dispatch import dispatch_channel
    from invekto.outbound.schedule import wake
    from invekto.services import current

    services = current()
    report = await dispatch_channel(
        services, uuid.UUID(channel_id), should_stop=lambda: bool(context.should_abort())
    )
    if report.sent or report.failed or report.skipped:
        log.info("outbound %s: %s", channel_id, report)
    if report.more:
        async with services.db.session() as session:
            await wake(session, uuid.UUID(channel_id))
            await session.commit()


@queue.periodic(cron="* * * * *", periodic_id="outbound_sweep")
@queue.task(name="invekto.tasks.outbound_sweep", queueing_lock="outbound_sweep")
async def outbound_sweep(timestamp: int) -> None:
    """Every minute: wake the dispatchers with something due, and the outbound bookkeeping."""
    from invekto.outbound.sweep import sweep
    from invekto.services import current

    await sweep(current())


@queue.task(
    name="invekto.tasks.note_outbound",
    retry=RetryStrategy(max_attempts=5, exponential_wait=1),
)
async def note_outbound(message_id: str) -> None:
    """Tell the conversation's graph state what Invekto wrote first (lock: the conversation)."""
    from invekto.graphs.conversation.proactive import note_outbound as note
    from invekto.services import current

    await note(current(), uuid.UUID(message_id))


@queue.task(name="invekto.tasks.prompt_gate", retry=RetryStrategy(max_attempts=2, wait=5))
async def prompt_gate(tenant_id: str, number: int) -> None:
    """Gate one prompt version (lock: the tenant's gates run one at a time): the eval suite of
    the tenant's vertical with the version's texts; ``active`` or ``refused`` with the report.
    A gate that cannot run at all (the eval process fails) puts the version back to draft with
    the reason, on the last attempt."""
    from invekto.prompts import versions
    from invekto.prompts.content import PromptContent
    from invekto.prompts.gate import GateError, run_gate
    from invekto.services import current
    from invekto.storage.models import PromptVersion, Tenant

    services = current()
    tenant_uuid = uuid.UUID(tenant_id)
    async with services.db.tenant_session(tenant_uuid) as session:
        version = await versions.get(session, tenant_uuid, number)
        tenant = await session.get(Tenant, tenant_uuid)
        if version is None or tenant is None or version.status != "gating":
            return
        content = PromptContent.model_validate(version.content)
        vertical, slug = tenant.vertical, tenant.slug
    try:
        result = await run_gate(services.settings, vertical, content, slug)
    except GateError as exc:
        log.error("prompt gate of version %s (tenant %s) could not run: %s", number, tenant_id, exc)
        async with services.db.tenant_session(tenant_uuid) as session:
            version = await session.scalar(
                select(PromptVersion).where(
                    PromptVersion.tenant_id == tenant_uuid, PromptVersion.number == number
                )
            )
            if version is not None:
                await versions.gate_failed(session, version, str(exc)[:2000])
                await session.commit()
        return
    async with services.db.tenant_session(tenant_uuid) as session:
        version = await session.scalar(
            select(PromptVersion)
            .where(PromptVersion.tenant_id == tenant_uuid, PromptVersion.number == number)
            .with_for_update()
        )
        if version is not None:
            await versions.decide(session, version, result.passed, result.report)
            await session.commit()


PAYMENT_LINK_ATTEMPTS = 4


@queue.task(
    name="invekto.tasks.create_payment_link",
    pass_context=True,
    retry=RetryStrategy(max_attempts=PAYMENT_LINK_ATTEMPTS, exponential_wait=2),
)
async def create_payment_link(
    context: JobContext, link_id: str, tenant_id: str, language: str, max_installment: int
) -> None:
    """Create a proposed payment link at its provider and send it (lock: the conversation's
    sends, so the link follows the reply that announced it). A provider that times out or
    answers 5xx is retried; on the last attempt, or a refusal, the link is ``failed``, the
    customer is told and a person takes over."""
    from invekto.revenue.payments import make_link
    from invekto.services import current

    attempt = (context.job.attempts if context.job else 0) + 1
    await make_link(
        current(),
        uuid.UUID(link_id),
        uuid.UUID(tenant_id),
        language=language,
        max_installment=max_installment,
        last_attempt=attempt >= PAYMENT_LINK_ATTEMPTS,
        hand_over=_payment_link_hand_over,
    )


async def _payment_link_hand_over(session: Any, link: Any, error: str) -> None:
    """A link that could not be made: the conversation goes to a person, with the reason."""
    from invekto.graphs.conversation.escalation import build_escalation
    from invekto.storage.models import Conversation

    if link.conversation_id is None:
        return
    conversation = await session.get(Conversation, link.conversation_id)
    if conversation is None or conversation.status == "waiting_human":
        return
    conversation.status, conversation.handoff_reason = "waiting_human", "payment_link_failed"
    conversation.escalation = build_escalation(
        understanding=None,
        agent="revenue",
        tools=[{"name": "create_payment_link", "args": {}, "result": error[:300]}],
        reason="payment_link_failed",
        language=conversation.language or "tr",
    )


@queue.periodic(cron="*/5 * * * *", periodic_id="expire_payment_links")
@queue.task(name="invekto.tasks.expire_payment_links", queueing_lock="expire_payment_links")
async def expire_payment_links(timestamp: int) -> None:
    """Every 5 minutes: unpaid links past their expiry are expired and followed up once."""
    from invekto.revenue.payments import expire_links
    from invekto.services import current

    async with current().db.session() as session:
        expired = await expire_links(session)
        await session.commit()
    if expired:
        log.info("expired %d payment links", expired)


@queue.periodic(cron="41 * * * *", periodic_id="bought_together")
@queue.task(name="invekto.tasks.bought_together", queueing_lock="bought_together")
async def bought_together(timestamp: int) -> None:
    """Hourly: recount the products each shop's customers buy together, and credit the
    recommendations whose product the customer then ordered on the marketplace."""
    from invekto.revenue.together import attribute_orders, recompute
    from invekto.services import current
    from invekto.storage.models import Tenant

    services = current()
    async with services.db.session() as session:
        tenants = list(await session.scalars(select(Tenant.id).where(Tenant.vertical != "clinic")))
    for tenant_id in tenants:
        async with services.db.tenant_session(tenant_id) as session:
            await recompute(session, tenant_id)
            await attribute_orders(session, tenant_id)
            await session.commit()
