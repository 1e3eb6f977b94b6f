"""Payment links: proposed in a turn, made by a job after the decision, settled by the provider's
signed callback.

1. The revenue agent proposes :class:`PaymentLinkOffer` (the amount from the catalogue or from a
   proposal a person approved; never from model text). Its reply says the link follows. Above
   ``settings.revenue.link_auto_limit`` the reply is a suggestion: nothing is made until a
   person accepts it.
2. Committing stores a ``payment_links`` row (``creating``) and enqueues
   ``invekto.tasks.create_payment_link``: the provider is called outside any transaction the
   conversation holds. Success → ``sent`` and a message with the link; a transient failure is
   retried; a lasting one → ``failed``, the customer is told and a person takes over.
3. The provider's callback (``api.routes.payments``) passes its signature check, is stored once
   per provider key (re-deliveries change nothing), and settles the link: paid → a confirmation
   to the customer and the ``payment_received`` outbound event; failed → one follow-up.
4. A sweep expires unpaid links and follows each up once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import string
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.prompts import render
from invekto.prompts.content import PromptSet
from invekto.storage.models import (
    Conversation,
    Customer,
    Lead,
    Message,
    PaymentEvent,
    PaymentLink,
    Recommendation,
    Tenant,
    utcnow,
)
from invekto.tools.actions import Action, CommitScope, action_type

log = logging.getLogger(__name__)

CREATE_PAYMENT_LINK = "invekto.tasks.create_payment_link"
LINK_ATTEMPTS = 4
_ALPHANUM = string.ascii_letters + string.digits
PURPOSES = ("product", "proposal", "deposit", "package")


def new_reference() -> str:
    """Our id of a link (iyzico's conversationId, PayTR's callback_id: alphanumeric, ≤ 64)."""
    return "INV" + "".join(secrets.choice(_ALPHANUM) for _ in range(20))


def money(value: Decimal | float | str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def format_amount(amount: Decimal, language: str) -> str:
    """1049.7 → "1.049,70 TL" (tr), "TRY 1,049.70" (en), "1,049.70 ليرة" (ar)."""
    plain = f"{money(amount):,.2f}"
    if language == "tr":
        return plain.replace(",", "_").replace(".", ",").replace("_", ".") + " TL"
    if language == "ar":
        return f"{plain} ليرة"
    return f"TRY {plain}"


@action_type
class PaymentLinkOffer(Action):
    """Make a payment link for these items and send it (a job does, after the decision)."""

    kind: str = "payment_link"
    reference: str
    provider: str
    purpose: str = "product"
    description: str
    items: list[dict[str, Any]] = Field(default_factory=list)
    """``[{product_main_id, barcode, title, quantity, unit_price, discount_percent}]``"""
    amount: str
    currency: str = "TRY"
    language: str = "tr"
    valid_hours: int = Field(48, gt=0, le=24 * 30)
    max_installment: int = Field(1, ge=1, le=12)
    lead_id: str | None = None

    def summary(self) -> str:
        return f"Payment link ({self.provider}): {self.description} — {self.amount} {self.currency}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        existing = await scope.session.scalar(
            select(PaymentLink).where(PaymentLink.reference == self.reference)
        )
        if existing is not None:
            return {"payment_link_id": str(existing.id), "already": True}
        link = PaymentLink(
            tenant_id=scope.tenant_id,
            conversation_id=scope.conversation_id,
            customer_id=scope.customer_id,
            lead_id=uuid.UUID(self.lead_id) if self.lead_id else None,
            reference=self.reference,
            provider=self.provider,
            purpose=self.purpose,
            description=self.description[:200],
            items=list(self.items),
            amount=money(self.amount),
            currency=self.currency,
            status="creating",
            expires_at=utcnow() + dt.timedelta(hours=self.valid_hours),
        )
        scope.session.add(link)
        await scope.session.flush()
        from invekto.jobs import defer_in, send_lock

        await defer_in(
            scope.session,
            CREATE_PAYMENT_LINK,
            {
                "link_id": str(link.id),
                "tenant_id": str(scope.tenant_id),
                "language": self.language,
                "max_installment": self.max_installment,
            },
            lock=send_lock(scope.conversation_id),
        )
        for item in self.items:
            if item.get("product_main_id"):
                await accept_recommendation(scope, str(item["product_main_id"]))
        return {"payment_link_id": str(link.id)}


@action_type
class RecommendationShown(Action):
    """The products a reply recommended, logged for the revenue dashboard."""

    kind: str = "recommendation"
    picks: list[dict[str, Any]] = Field(default_factory=list)
    """``[{product_main_id, title, source, rule_id, price, discount_percent, margin_tier}]``"""
    for_product: str | None = None

    def summary(self) -> str:
        return "Recommended: " + ", ".join(str(p.get("title")) for p in self.picks)

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        ids = []
        for pick in self.picks:
            row = Recommendation(
                tenant_id=scope.tenant_id,
                conversation_id=scope.conversation_id,
                customer_id=scope.customer_id,
                product_main_id=str(pick["product_main_id"])[:100],
                title=str(pick.get("title") or "")[:500],
                for_product=self.for_product,
                source=str(pick.get("source") or "rule"),
                rule_id=uuid.UUID(pick["rule_id"]) if pick.get("rule_id") else None,
                price=money(pick["price"]) if pick.get("price") is not None else None,
                discount_percent=int(pick.get("discount_percent") or 0),
                margin_tier=str(pick.get("margin_tier") or "medium"),
                status="shown",
            )
            scope.session.add(row)
            ids.append(row)
        await scope.session.flush()
        return {"recommendation_ids": [str(r.id) for r in ids]}


@action_type
class RecommendationAnswer(Action):
    """The customer took or turned down what was recommended in this conversation."""

    kind: str = "recommendation_answer"
    product_main_ids: list[str] = Field(default_factory=list)
    accepted: bool

    def summary(self) -> str:
        verb = "accepted" if self.accepted else "declined"
        return f"Recommendation {verb}: {', '.join(self.product_main_ids) or 'all'}"

    async def commit(self, scope: CommitScope) -> dict[str, Any]:
        rows = await _open_recommendations(scope, self.product_main_ids)
        for row in rows:
            row.status = "accepted" if self.accepted else "rejected"
            row.decided_at = utcnow()
        return {"updated": len(rows)}


async def _open_recommendations(
    scope: CommitScope, product_main_ids: list[str]
) -> list[Recommendation]:
    query = select(Recommendation).where(
        Recommendation.tenant_id == scope.tenant_id,
        Recommendation.conversation_id == scope.conversation_id,
        Recommendation.status == "shown",
    )
    if product_main_ids:
        query = query.where(Recommendation.product_main_id.in_(product_main_ids))
    return list(await scope.session.scalars(query))


async def accept_recommendation(scope: CommitScope, product_main_id: str) -> None:
    for row in await _open_recommendations(scope, [product_main_id]):
        row.status, row.decided_at = "accepted", utcnow()


# --- messages to the customer --------------------------------------------------------------------


async def tell_customer(
    session: AsyncSession, link: PaymentLink, key: str, *, reason: str
) -> Message | None:
    """Store an AI message about ``link`` in its conversation, in the conversation's language,
    and enqueue its send (the caller commits). Outside the 24-hour window the send job refuses
    it and the inbox shows why."""
    if link.conversation_id is None:
        return None
    conversation = await session.get(Conversation, link.conversation_id)
    tenant = await session.get(Tenant, link.tenant_id)
    if conversation is None or tenant is None:
        return None
    language = conversation.language or tenant.default_language
    text = render(
        key, language, PromptSet.parse(tenant.prompts), "revenue", **link_values(link, language)
    )
    message = Message(
        tenant_id=link.tenant_id,
        conversation_id=conversation.id,
        direction="out",
        kind="text",
        author="ai",
        status="queued",
        text=text,
        payload={
            "decision": {"outcome": "auto_reply", "reason": reason, "agent": "revenue"},
            "payment_link": {"id": str(link.id), "reference": link.reference},
        },
    )
    session.add(message)
    await session.flush()
    from invekto.jobs import enqueue_send

    await enqueue_send(session, message_id=message.id, conversation_id=conversation.id)
    conversation.last_message_at = utcnow()
    return message


def link_values(link: PaymentLink, language: str) -> dict[str, Any]:
    hours = (link.expires_at - utcnow()).total_seconds() / 3600
    return {
        "amount": format_amount(link.paid_amount or link.amount, language),
        "description": link.description,
        "url": link.url or "",
        "valid_hours": max(1, round(hours)),
    }


# --- callbacks -----------------------------------------------------------------------------------


async def settle(
    session: AsyncSession,
    link: PaymentLink,
    *,
    provider: str,
    dedupe_key: str,
    succeeded: bool,
    amount: Decimal | None,
    payload: dict[str, Any],
) -> bool:
    """Record one verified callback and settle the link; False when it was seen before (a
    re-delivery: nothing changes) or the link is already paid. The caller commits."""
    inserted = await session.scalar(
        insert(PaymentEvent)
        .values(
            id=uuid.uuid4(),
            tenant_id=link.tenant_id,
            link_id=link.id,
            provider=provider,
            dedupe_key=dedupe_key[:200],
            status="success" if succeeded else "failure",
            amount=amount,
            payload=payload,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["provider", "dedupe_key"])
        .returning(PaymentEvent.id)
    )
    if inserted is None or link.status == "paid":
        return False
    if succeeded:
        link.status, link.paid_at = "paid", utcnow()
        link.paid_amount = amount if amount is not None else link.amount
        await tell_customer(session, link, "payment_received", reason="payment_received")
        await _paid_side_effects(session, link)
    elif link.followed_up_at is None:
        link.followed_up_at = utcnow()
        await tell_customer(session, link, "payment_failed_follow_up", reason="payment_failed")
    return True


async def _paid_side_effects(session: AsyncSession, link: PaymentLink) -> None:
    """A paid link: its lead is won, its recommended products accepted, and the
    ``payment_received`` event goes to the outbound rules."""
    if link.lead_id is not None:
        lead = await session.get(Lead, link.lead_id)
        if lead is not None:
            lead.status, lead.updated_at = "won", utcnow()
    products = [str(i.get("product_main_id")) for i in link.items if i.get("product_main_id")]
    if products and link.conversation_id is not None:
        rows = await session.scalars(
            select(Recommendation).where(
                Recommendation.tenant_id == link.tenant_id,
                Recommendation.conversation_id == link.conversation_id,
                Recommendation.product_main_id.in_(products),
                Recommendation.status != "accepted",
            )
        )
        for row in rows:
            row.status, row.decided_at = "accepted", utcnow()
    tenant = await session.get(Tenant, link.tenant_id)
    customer = await session.get(Customer, link.customer_id) if link.customer_id else None
    if tenant is not None and customer is not None:
        from invekto.outbound.events import emit

        await emit(
            session,
            tenant,
            customer,
            "payment_received",
            {
                "order_number": link.reference,
                "customer_name": customer.name or "",
                "amount": str(link.paid_amount or link.amount),
                "currency": link.currency,
            },
            key=f"payment:{link.id}",
        )


async def expire_links(session: AsyncSession, *, now: dt.datetime | None = None) -> int:
    """Unpaid links past their expiry: ``expired``, each followed up once. The caller commits."""
    now = now or utcnow()
    links = list(
        await session.scalars(
            select(PaymentLink)
            .where(PaymentLink.status.in_(("sent", "creating")), PaymentLink.expires_at <= now)
            .with_for_update(skip_locked=True)
            .limit(500)
        )
    )
    for link in links:
        link.status = "expired"
        if link.followed_up_at is None:
            link.followed_up_at = now
            await tell_customer(session, link, "payment_link_expired", reason="payment_expired")
    return len(links)


# --- making the link (the job) -------------------------------------------------------------------


class LinkNotReady(Exception):
    """A transient provider failure: the job retries."""


async def make_link(
    services: Any,
    link_id: uuid.UUID,
    tenant_id: uuid.UUID,
    *,
    language: str,
    max_installment: int,
    last_attempt: bool,
    hand_over: Callable[[AsyncSession, PaymentLink, str], Awaitable[None]] | None = None,
) -> str:
    """Create the provider's link for a ``creating`` row and send it to the customer; returns
    the link's status. A transient failure raises :class:`LinkNotReady` (unless it is the last
    attempt); a lasting one marks the link ``failed``, tells the customer and calls ``hand_over``
    (the conversation to a person, with its escalation note) in the same transaction."""
    from invekto.integrations.payments.base import LinkRequest, PaymentError
    from invekto.storage.models import IntegrationAccount

    async with services.db.tenant_session(tenant_id) as session:
        link = await session.get(PaymentLink, link_id)
        if link is None or link.status != "creating":
            return link.status if link is not None else "missing"
        account = await session.scalar(
            select(IntegrationAccount).where(
                IntegrationAccount.tenant_id == tenant_id,
                IntegrationAccount.provider == link.provider,
                IntegrationAccount.status == "connected",
            )
        )
        request = LinkRequest(
            reference=link.reference,
            name=_link_name(link.description),
            description=link.description,
            amount=money(link.amount),
            currency=link.currency,
            max_installment=max_installment,
            language=language,
            expires_at=link.expires_at,
            callback_url=f"{services.settings.base_url}/webhooks/payments/{link.provider}",
        )
    error: str | None = None
    created = None
    if account is None:
        error = f"no connected {link.provider} account"
    else:
        try:
            created = await services.payment_client(account).create_link(request)
        except PaymentError as exc:
            if exc.retryable and not last_attempt:
                raise LinkNotReady(exc.reason) from exc
            error = exc.reason
    async with services.db.tenant_session(tenant_id) as session:
        link = await session.get(PaymentLink, link_id, with_for_update=True)
        if link is None or link.status != "creating":
            return link.status if link is not None else "missing"
        if created is not None:
            link.status, link.external_id, link.url = "sent", created.external_id, created.url
            await tell_customer(session, link, "payment_link_ready", reason="payment_link")
        else:
            link.status, link.last_error = "failed", error
            await tell_customer(session, link, "payment_link_failed", reason="payment_link_failed")
            if hand_over is not None:
                await hand_over(session, link, error or "")
        await session.commit()
        return link.status


def _link_name(description: str) -> str:
    name = " ".join(description.split())[:200]
    return name if len(name) >= 4 else f"{name} - ödeme"
