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
from collections.abc import Mapping, Sequence
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.state import ConversationState
from invekto.core.text import fold, words
from invekto.integrations.glossary import glossary_words
from invekto.tools.context import TurnContext
from invekto.tools.leads import UNNAMED, LeadProduct, LeadView, alert_sales, save_lead
from invekto.tools.orders import CustomerOrders, find_customer_orders

_COMPANY_AR = re.compile(
    r"(?:اسم الشركة|اسم شركتنا|اسم المؤسسة)\s*[:：]?\s*([^\n،,.]{2,60})"
    r"|(?:لشركة|شركة|مؤسسة)\s+([^\s،,.]+(?:\s+[^\s،,.]+){0,3})"
)
"""An Arabic company: "اسم الشركة: النور للتجارة", "لشركة الريان للسياحة"."""
_ASKS_MINIMUM = re.compile(
    r"\b(?:en az|minimum|min\.?|asgari|kac adetten|how many at least|smallest order)\b"
    r"|الحد الأدنى|أقل كمية|اقل كمية"
)


_COUNT = re.compile(r"(?<![\d.,/:+-])(\d{2,6})(?![\d.,/:-])(?=\s+\S)")
"""A count said without a unit ("80 black t-shirts", "200 تيشيرت")."""
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
    products = _products(turn, known=(flow.get("lead") or {}).get("products") or [])
    if products:
        args["products"] = products
    emails = turn.entities.get("emails") or []
    if emails:
        args["contact_email"] = emails[0]
    lead: LeadView = await turn.call(save_lead, **args)
    asked = int(flow.get("questions", 0))
    if lead.missing and asked < MAX_QUESTIONS:
        key = "b2b_ask_" + "_and_".join(lead.missing)
        question = turn.text(key, shop=turn.context.tenant.name)
        if _ASKS_MINIMUM.search(fold(turn.text_in)):
            # "en az kaç adetten başlıyor": the tenant's minimum, then the question.
            minimum = turn.text(
                "b2b_minimum",
                shop=turn.context.tenant.name,
                min_quantity=turn.settings.b2b.min_quantity,
            )
            question = f"{minimum} {question}"
        return turn.done(
            question,
            flow={
                "name": "b2b_collect",
                "free_text": True,  # a company name says nothing of the customer's language
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
    match = _COMPANY.search(turn.text_in) or _COMPANY_AR.search(turn.text_in)
    if match:
        return next(g for g in match.groups() if g).strip().rstrip(".،,")
    tokens = words(turn.text_in)
    if asked and 0 < len(tokens) <= 5 and not turn.entities.get("quantities"):
        return turn.text_in.strip().rstrip(".")  # the answer to "firma adınız?"
    return None


def _products(turn: AgentTurn, known: Sequence[Mapping[str, Any]] = ()) -> list[LeadProduct]:
    """The products and quantities of this message. A product named in English or Arabic comes
    from the glossary ("جوارب" → çorap); a quantity alone is for the one product already on the
    lead ("pardon 250 adet olacak") or for the product the conversation is about."""
    names: list[str] = (
        list(turn.entities.get("products") or [])
        or [w for w in glossary_words(turn.text_in) if len(w) > 2][:3]
    )
    quantities: list[int] = list(turn.entities.get("quantities") or [])
    named = [p.get("product") for p in known if p.get("product") not in (None, UNNAMED)]
    if not names and quantities:
        focus = (turn.focus.get("product") or {}).get("title")
        if len(named) == 1:
            names = [str(named[0])]
        elif focus and not named:
            names = [str(focus)]
    if not quantities and names:
        sizes = {str(s) for s in turn.entities.get("sizes") or []}
        quantities = [int(n) for n in _COUNT.findall(turn.text_in) if n not in sizes][:1]
    if not names and quantities:
        names = [_around_quantity(turn.text_in) or UNNAMED]
    items = []
    for index, name in enumerate(names):
        quantity = quantities[index] if index < len(quantities) else None
        items.append(LeadProduct(product=name, quantity=quantity))
    return items


def _around_quantity(text: str) -> str | None:
    """'150 adet tişört' → 'tişört' (the word after the quantity)."""
    match = re.search(r"\d+\s*(?:adet|tane|pcs|pieces|units|koli)?\s+([^\d\s,.]{3,})", text)
    if match and not _NOT_A_PRODUCT.fullmatch(fold(match.group(1))):
        return match.group(1)
    return None


_NOT_A_PRODUCT = re.compile(
    r"(?:lazim|gerek\w*|need\w*|for|fiyat\w*|icin|olursa|olsa|kadar|civari|civarinda|"
    r"(?:al|ver|iste|siparis|yap|dusun|planl|alin|get|buy|order|want)\w*|"
    r"\w*(?:cam|cem|cak|cek|cagim|cegim|caz|cez|icaz|iyorum|iyoruz|uyoruz|mak|mek|sak|sek|"
    r"irim|iriz|ecegiz|acagiz))"
)
"""Words after a quantity that are no product: "200 adet alcam" (alacağım), "100 tane lazım"."""


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
