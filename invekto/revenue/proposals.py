"""B2B proposals: drafted from a lead with the catalogue's prices, approved and sent by a person.

A draft takes each of the lead's products at its catalogue price (a person may change quantities
and prices before sending: then the amounts are theirs, approved by them), a discount capped by
the tenant's maximum, terms and a validity date. Sending it writes the proposal to the customer,
optionally makes a payment link for its total (the same path as the agent's links: a job after
the commit), and emits ``proposal_sent`` so the outbound engine follows up at T+24 h.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invekto.config import Settings
from invekto.core.tenant_settings import TenantSettings
from invekto.integrations.catalog import Catalog
from invekto.prompts import render
from invekto.prompts.content import PromptSet
from invekto.revenue.leads import ProposalLine, build_proposal
from invekto.revenue.payments import PaymentLinkOffer, format_amount, money, new_reference
from invekto.revenue.rules import discount_for
from invekto.storage.models import Conversation, Customer, Lead, Message, Tenant, utcnow
from invekto.tools.actions import CommitScope

MAX_LINES = 50


class ProposalError(ValueError):
    """The proposal cannot be made or sent as asked; the message says why."""


async def draft_lines(catalogue: Catalog, lead: Lead) -> list[ProposalLine]:
    """The lead's products at the catalogue's prices (those the catalogue has)."""
    lines = []
    for item in (lead.products or [])[:MAX_LINES]:
        name, quantity = str(item.get("product") or ""), item.get("quantity")
        if not name or name == "-" or not quantity:
            continue
        found = await catalogue.search(name, infer_filters=False, limit=1)
        row = found.products[0] if found.products else None
        price = (row.sale_price or row.list_price) if row is not None else None
        if row is None or price is None:
            continue
        lines.append(
            ProposalLine(
                product_main_id=row.product_main_id,
                title=row.title,
                quantity=int(quantity),
                unit_price=money(price),
            )
        )
    return lines


def make_draft(
    lines: list[ProposalLine],
    settings: TenantSettings,
    *,
    discount_percent: int,
    valid_days: int,
    terms: str,
    now: dt.datetime,
) -> dict[str, Any]:
    if not lines:
        raise ProposalError("no line: the lead names no product with a quantity the catalogue has")
    ceiling = settings.discounts.max_percent or 0
    if discount_percent > ceiling:
        raise ProposalError(
            f"discount_percent {discount_percent} is over the tenant's maximum ({ceiling}%)"
        )
    discount = discount_for(discount_percent, settings)
    return build_proposal(
        lines, discount_percent=discount.percent, valid_days=valid_days, terms=terms, now=now
    )


def proposal_text(proposal: dict[str, Any], company: str, language: str, prompts: PromptSet) -> str:
    lines = []
    for line in proposal["lines"]:
        unit = format_amount(Decimal(line["unit_price"]), language)
        total = format_amount(Decimal(line["total"]), language)
        lines.append(f"{line['title']} × {line['quantity']} — {unit} = {total}")
    percent = int(proposal.get("discount_percent") or 0)
    note = render("proposal_discount", language, prompts, "b2b", percent=percent) if percent else ""
    return render(
        "proposal_message",
        language,
        prompts,
        "b2b",
        company=company or "-",
        proposal_lines="\n".join(lines),
        proposal_total=format_amount(Decimal(proposal["total"]), language),
        discount_note=note,
        terms=proposal.get("terms") or "",
        valid_until=proposal["valid_until"],
    )


async def send(
    session: AsyncSession,
    lead: Lead,
    *,
    user_id: uuid.UUID,
    with_link: bool,
    app_settings: Settings,
    payment_provider: str | None,
) -> dict[str, Any]:
    """Send the lead's draft proposal (the caller commits)."""
    from invekto.jobs import enqueue_send
    from invekto.outbound.events import emit

    proposal = dict(lead.proposal or {})
    if proposal.get("status") != "draft":
        raise ProposalError("there is no draft proposal to send")
    if dt.date.fromisoformat(proposal["valid_until"]) < utcnow().date():
        raise ProposalError("the draft's validity date has passed: make a new draft")
    if with_link and payment_provider is None:
        raise ProposalError("no payment provider is connected")
    tenant = await session.get(Tenant, lead.tenant_id)
    conversation = await session.get(Conversation, lead.conversation_id)
    customer = await session.get(Customer, lead.customer_id)
    if tenant is None or conversation is None or customer is None:
        raise ProposalError("the lead's conversation is gone")
    language = conversation.language or tenant.default_language
    prompts = PromptSet.parse(tenant.prompts)
    message = Message(
        tenant_id=tenant.id,
        conversation_id=conversation.id,
        direction="out",
        kind="text",
        author="agent",
        status="queued",
        text=proposal_text(proposal, lead.company or "", language, prompts),
        payload={"proposal": {"lead_id": str(lead.id), "approved_by": str(user_id)}},
    )
    session.add(message)
    await session.flush()
    await enqueue_send(session, message_id=message.id, conversation_id=conversation.id)
    result: dict[str, Any] = {"message_id": str(message.id)}
    if with_link and payment_provider is not None:
        settings = TenantSettings.model_validate(tenant.settings or {})
        offer = PaymentLinkOffer(
            reference=new_reference(),
            provider=payment_provider,
            purpose="proposal",
            description=f"{lead.company or 'Teklif'} — teklif"[:200],
            items=[
                {
                    "product_main_id": line["product_main_id"],
                    "title": line["title"],
                    "quantity": line["quantity"],
                    "unit_price": line["unit_price"],
                    "discount_percent": proposal.get("discount_percent") or 0,
                }
                for line in proposal["lines"]
            ],
            amount=str(money(proposal["total"])),
            language=language,
            valid_hours=max(
                1, (dt.date.fromisoformat(proposal["valid_until"]) - utcnow().date()).days * 24
            ),
            max_installment=settings.revenue.max_installment,
            lead_id=str(lead.id),
        )
        scope = CommitScope(
            session=session,
            tenant_id=tenant.id,
            conversation_id=conversation.id,
            customer_id=customer.id,
            tenant_settings=settings,
            app_settings=app_settings,
            prompts=prompts,
        )
        result |= await offer.commit(scope)
    now = utcnow()
    proposal |= {"status": "sent", "sent_at": now.isoformat(), "approved_by": str(user_id)}
    lead.proposal, lead.status, lead.updated_at = proposal, "proposal_sent", now
    await emit(
        session,
        tenant,
        customer,
        "proposal_sent",
        {
            "lead_id": str(lead.id),
            "customer_name": customer.name or "",
            "company": lead.company or "",
            "total": format_amount(Decimal(proposal["total"]), language),
            "valid_until": proposal["valid_until"],
        },
        key=f"proposal:{lead.id}:{proposal['created_at']}",
    )
    conversation.last_message_at = now
    return result
