"""B2B leads: flag the buyer, keep what they want, and alert the tenant's sales contact."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, Field
from sqlalchemy import select

from invekto.storage.models import Customer, Lead, utcnow

if TYPE_CHECKING:
    from invekto.graphs.conversation.context import TurnContext

B2B_TAGS = ("b2b", "vip")


class LeadProduct(BaseModel):
    product: str
    quantity: int | None = None


class LeadView(BaseModel):
    lead_id: str
    status: str
    company: str | None = None
    products: list[LeadProduct] = Field(default_factory=list)
    contact_email: str | None = None
    missing: list[str] = Field(default_factory=list, description="company | products")


class AlertResult(BaseModel):
    lead_id: str
    channels: list[str] = Field(default_factory=list, description="webhook | email, queued")
    failed: list[str] = Field(default_factory=list, description="configured but not possible")


async def _open_lead(session: Any, context: TurnContext) -> Lead | None:
    return await session.scalar(
        select(Lead)
        .where(Lead.conversation_id == context.conversation_id)
        .order_by(Lead.created_at.desc())
        .limit(1)
    )


def _view(lead: Lead) -> LeadView:
    products = [LeadProduct(**p) for p in lead.products or []]
    missing = []
    if not lead.company:
        missing.append("company")
    if not products or not any(p.quantity for p in products):
        missing.append("products")
    return LeadView(
        lead_id=str(lead.id),
        status=lead.status,
        company=lead.company,
        products=products,
        contact_email=lead.contact_email,
        missing=missing,
    )


@tool
async def save_lead(
    runtime: ToolRuntime,
    signal_text: str | None = None,
    company: str | None = None,
    products: list[LeadProduct] | None = None,
    contact_email: str | None = None,
    past_orders: dict[str, Any] | None = None,
) -> LeadView:
    """Create or update this conversation's B2B lead and flag the customer as B2B/VIP."""
    context: TurnContext = runtime.context
    async with context.services.db.tenant_session(context.tenant.id) as session:
        lead = await _open_lead(session, context)
        if lead is None or lead.status != "collecting":
            lead = Lead(
                tenant_id=context.tenant.id,
                conversation_id=context.conversation_id,
                customer_id=context.customer_id,
                signal_text=signal_text or "",
            )
            session.add(lead)
        if company:
            lead.company = company.strip()[:300]
        if contact_email:
            lead.contact_email = contact_email
        if past_orders is not None:
            lead.past_orders = past_orders
        if products:
            known = {p["product"].casefold(): p for p in lead.products or []}
            for item in products:
                entry = known.setdefault(item.product.casefold(), {"product": item.product})
                if item.quantity:
                    entry["quantity"] = item.quantity
            lead.products = [dict(p) for p in known.values()]
        if signal_text and signal_text not in lead.signal_text:
            lead.signal_text = (
                f"{lead.signal_text}\n{signal_text}" if lead.signal_text else signal_text
            )[:4000]
        customer = await session.get(Customer, context.customer_id)
        if customer is not None:
            tags = list(customer.tags or [])
            customer.tags = tags + [t for t in B2B_TAGS if t not in tags]
        lead.updated_at = utcnow()
        await session.commit()
        return _view(lead)


@tool
async def alert_sales(runtime: ToolRuntime) -> AlertResult:
    """Send this conversation's lead to the tenant's sales contact (webhook and/or e-mail)."""
    from invekto.integrations.alerts import queue_lead_alerts

    context: TurnContext = runtime.context
    async with context.services.db.tenant_session(context.tenant.id) as session:
        lead = await _open_lead(session, context)
        if lead is None:
            return AlertResult(lead_id="")
        if lead.status == "alerted":  # a re-run turn: already done
            return AlertResult(lead_id=str(lead.id))
        alerts = await queue_lead_alerts(
            session,
            tenant_id=context.tenant.id,
            tenant_settings=context.tenant.settings,
            lead=lead,
            settings=context.services.settings,
        )
        lead.status = "alerted"
        await session.commit()
        return AlertResult(
            lead_id=str(lead.id),
            channels=[a.channel for a in alerts if a.status == "pending"],
            failed=[a.channel for a in alerts if a.status == "failed"],
        )
