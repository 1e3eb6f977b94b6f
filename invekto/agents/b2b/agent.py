"""B2B lead agent: "şirketimize 150 adet lazım faturalı".

The first turn flags the customer as B2B/VIP with the signal text, looks at their past orders and
opens a lead; the next turns collect the company, the products and the quantities (at most two
questions). Then the tenant's sales contact is alerted (webhook / e-mail, each stored with its
delivery result), the customer gets the tenant's offer text, and sales takes the chat over.
The lead and the alert are proposed actions: they happen with the reply that is sent, or when a
person accepts the suggestion.
"""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.state import ConversationState
from invekto.core.text import fold, words
from invekto.tools.context import TurnContext
from invekto.tools.leads import LeadProduct, LeadView, alert_sales, save_lead
from invekto.tools.orders import CustomerOrders, find_customer_orders

NAME = "b2b"
MAX_QUESTIONS = 2
_COMPANY = re.compile(
    r"([A-ZÇĞİÖŞÜ0-9][\wÇĞİÖŞÜçğıöşü&.\-]*(?:\s+[A-ZÇĞİÖŞÜ0-9][\wÇĞİÖŞÜçğıöşü&.\-]*){0,4}\s+"
    r"(?:Ltd\.?(?:\s*Şti\.?)?|LTD\.?(?:\s*ŞTİ\.?)?|A\.?Ş\.?|Tic\.?|Ticaret|Tekstil|"
    r"San\.?|İnşaat|Gıda|Inc\.?|LLC|GmbH|Co\.?))"
)


async def b2b_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = AgentTurn(NAME, state, runtime)
    flow = turn.flow
    first = flow.get("name") != "b2b_collect"
    args: dict[str, Any] = {"signal_text": turn.text_in}
    if first:
        orders: CustomerOrders = await turn.call(find_customer_orders)
        args["past_orders"] = _summary(orders)
    company = _company(turn, asked="company" in flow.get("missing", []))
    if company:
        args["company"] = company
    products = _products(turn)
    if products:
        args["products"] = products
    emails = turn.entities.get("emails") or []
    if emails:
        args["contact_email"] = emails[0]
    lead: LeadView = await turn.call(save_lead, **args)
    asked = int(flow.get("questions", 0))
    if lead.missing and asked < MAX_QUESTIONS:
        key = "b2b_ask_" + "_and_".join(lead.missing)
        return turn.done(
            turn.text(key, shop=turn.context.tenant.name),
            flow={
                "name": "b2b_collect",
                "missing": lead.missing,
                "questions": asked + 1,
                "lead": lead.model_dump(mode="json", exclude={"action", "missing"}),
            },
        )
    await turn.call(alert_sales, lead_id=lead.lead_id)
    return turn.done(_offer(turn, lead), handoff_reason="b2b_lead")


def _summary(orders: CustomerOrders) -> dict[str, Any]:
    return {
        "count": len(orders.orders),
        "orders": [
            {"order_number": o.order_number, "status": o.status, "items": o.items}
            for o in orders.orders[:10]
        ],
        "unavailable": orders.unavailable,
    }


def _company(turn: AgentTurn, *, asked: bool) -> str | None:
    found = turn.entities.get("company")
    if found:
        return str(found)
    match = _COMPANY.search(turn.text_in)
    if match:
        return match.group(1).strip()
    tokens = words(turn.text_in)
    if asked and 0 < len(tokens) <= 5 and not turn.entities.get("quantities"):
        return turn.text_in.strip().rstrip(".")  # the answer to "firma adınız?"
    return None


def _products(turn: AgentTurn) -> list[LeadProduct]:
    names: list[str] = list(turn.entities.get("products") or [])
    quantities: list[int] = list(turn.entities.get("quantities") or [])
    if not names and quantities:
        names = [_around_quantity(turn.text_in) or "-"]
    items = []
    for index, name in enumerate(names):
        quantity = quantities[index] if index < len(quantities) else None
        items.append(LeadProduct(product=name, quantity=quantity))
    return items


def _around_quantity(text: str) -> str | None:
    """'150 adet tişört' → 'tişört' (the word after the quantity)."""
    match = re.search(r"\d+\s*(?:adet|tane|pcs|pieces|units|koli)?\s+([^\d\s,.]{3,})", text)
    if match and fold(match.group(1)) not in {"lazim", "istiyoruz", "gerekiyor", "need", "for"}:
        return match.group(1)
    return None


def _offer(turn: AgentTurn, lead: LeadView) -> str:
    b2b = turn.settings.b2b
    summary = (
        ", ".join(f"{p.product} × {p.quantity}" if p.quantity else p.product for p in lead.products)
        or "-"
    )
    values = {
        "company": lead.company or "-",
        "summary": summary,
        "shop": turn.context.tenant.name,
        "response_time": b2b.response_time
        or ("1 iş günü" if turn.language == "tr" else "1 business day"),
        "min_quantity": b2b.min_quantity,
    }
    custom = getattr(b2b.offer_template, turn.language, None)
    return str(custom).format(**values) if custom else turn.text("b2b_offer", **values)
