"""B2B leads: flag the buyer, keep what they want, and alert the tenant's sales contact.

Both tools propose (``tools.actions.LeadUpdate`` / ``SalesAlert``): the lead is stored and the
alert queued when the reply that goes with them is sent or accepted. The lead as collected so far
travels in the flow (``flow["lead"]``), so the next turn builds on it whether or not the earlier
suggestion has been accepted yet.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, Field, SerializeAsAny

from invekto.integrations.alerts import sales_settings
from invekto.integrations.orders import MarketplaceUnavailable
from invekto.revenue.leads import Qualification, score_lead
from invekto.tools.actions import Action, LeadItem, LeadUpdate, SalesAlert

if TYPE_CHECKING:
    from invekto.tools.context import TurnContext

LeadProduct = LeadItem


class LeadView(BaseModel):
    lead_id: str
    status: str
    company: str | None = None
    products: list[LeadProduct] = Field(default_factory=list)
    contact_email: str | None = None
    signal_text: str = ""
    past_orders: dict[str, Any] | None = None
    qualification: dict[str, Any] = Field(default_factory=dict)
    """Budget, timing and need as said so far (``revenue.leads.Qualification``)."""
    score: int | None = None
    score_reasons: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="company | products")
    action: SerializeAsAny[Action] | None = None


class AlertResult(BaseModel):
    lead_id: str
    channels: list[str] = Field(default_factory=list, description="webhook | email, to be queued")
    action: SerializeAsAny[Action] | None = None


UNNAMED = "-"
"""A quantity said before the product ("200 adet alacağım"): replaced once a product is named."""


def _missing(company: str | None, products: list[LeadProduct]) -> list[str]:
    missing = []
    if not company:
        missing.append("company")
    if not products or not any(p.quantity for p in products):
        missing.append("products")
    return missing


async def _current(context: TurnContext, state: dict[str, Any]) -> LeadView | None:
    """The lead being collected: the flow's, else this conversation's committed lead that is
    still collecting."""
    flow = state.get("flow") or {}
    if flow.get("lead"):
        return LeadView.model_validate(flow["lead"])
    lead = await context.ports.casework.latest_lead(context.conversation_id)
    if lead is None or lead.status != "collecting":
        return None
    return LeadView(
        lead_id=str(lead.id),
        status=lead.status,
        company=lead.company,
        products=[LeadProduct(**p) for p in lead.products or []],
        contact_email=lead.contact_email,
        signal_text=lead.signal_text,
        past_orders=lead.past_orders or None,
        qualification={"budget": lead.budget, "timing": lead.timing, "need": lead.need},
        score=lead.score,
        score_reasons=list(lead.score_reasons or []),
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
    lead = await _current(context, runtime.state or {})
    if lead is None:
        lead = LeadView(
            lead_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"lead:{context.inbound_message_id}")),
            status="collecting",
        )
    if company:
        lead.company = company.strip()[:300]
    if contact_email:
        lead.contact_email = contact_email
    if past_orders is not None:
        lead.past_orders = past_orders
    if products:
        known = {p.product.casefold(): p for p in lead.products}
        placeholder = known.get(UNNAMED)
        if placeholder is not None and any(p.product != UNNAMED for p in products):
            # "200 adet alacağım" then "beyaz keten gömlek": the quantity was for that product.
            del known[UNNAMED]
            products = [
                p.model_copy(update={"quantity": p.quantity or placeholder.quantity})
                for p in products
            ]
        for item in products:
            entry = known.setdefault(item.product.casefold(), LeadProduct(product=item.product))
            if item.quantity:
                entry.quantity = item.quantity
        lead.products = list(known.values())
    if signal_text and signal_text not in lead.signal_text:
        lead.signal_text = (
            f"{lead.signal_text}\n{signal_text}" if lead.signal_text else signal_text
        )[:4000]
    lead.missing = _missing(lead.company, lead.products)
    qualification = Qualification.from_json(lead.qualification)
    if signal_text:
        qualification.absorb(signal_text)
    lead.qualification = qualification.as_json()
    matches, estimate = await _catalogue_estimate(context, lead.products)
    score = score_lead(
        quantities=[p.quantity for p in lead.products],
        company=lead.company,
        qualification=qualification,
        contact_email=lead.contact_email,
        past_orders=int((lead.past_orders or {}).get("count") or 0),
        min_quantity=context.tenant.settings.b2b.min_quantity,
        estimate=estimate,
        catalogue_matches=matches,
    )
    lead.score, lead.score_reasons = score.value, score.reasons
    lead.action = LeadUpdate(
        lead_id=lead.lead_id,
        signal_text=lead.signal_text,
        company=lead.company,
        products=lead.products,
        contact_email=lead.contact_email,
        past_orders=lead.past_orders,
        budget=qualification.budget,
        timing=qualification.timing,
        need=qualification.need,
        score=score.value,
        score_reasons=score.reasons,
    )
    return lead


async def _catalogue_estimate(
    context: TurnContext, products: list[LeadProduct]
) -> tuple[int, Decimal | None]:
    """How many of the lead's products the catalogue has, and what they would cost at its
    prices (None when any price or quantity is unknown)."""
    matches, estimate = 0, Decimal(0)
    complete = bool(products)
    for item in products[:5]:
        if item.product == UNNAMED:
            complete = False
            continue
        try:
            found = await context.ports.catalogue.search(item.product, infer_filters=False, limit=1)
        except MarketplaceUnavailable:
            return matches, None
        row = found.products[0] if found.products else None
        price = (row.sale_price or row.list_price) if row is not None else None
        if row is not None:
            matches += 1
        if price is None or not item.quantity:
            complete = False
        else:
            estimate += Decimal(str(price)) * item.quantity
    return matches, estimate if complete else None


@tool
async def alert_sales(lead_id: str, runtime: ToolRuntime) -> AlertResult:
    """Send this conversation's lead to the tenant's sales contact (webhook and/or e-mail)."""
    context: TurnContext = runtime.context
    sales = sales_settings(context.tenant.settings)
    channels = [
        name for name, key in (("webhook", "webhook_url"), ("email", "email")) if sales[key]
    ]
    return AlertResult(
        lead_id=lead_id, channels=channels, action=SalesAlert(lead_id=lead_id, channels=channels)
    )
