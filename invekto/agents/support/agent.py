"""Support agent: order status and delivery time, cancel, invoice, address change, stock and
product questions, and the tenant's shipping, payment and discount policies.

Policy (deterministic, no model): an order number in the message wins; otherwise the orders of
the phone the customer writes from. One fitting order → act on it; several → ask which; none →
ask for the order number (twice, then a human). Someone else's order number gets no details. A
marketplace that is down → a holding reply and a human. A number that is not found is quoted
back, unless it is a valid TC kimlik number (PII is never echoed).

"When will it arrive?" before buying ("sipariş versem kaç günde gelir", or from a customer with no
order who does not speak of one) gets the tenant's dispatch policy, not a request for an order
number.

Stock answers are about the variant asked: when that colour/size is out (or does not exist) the
reply says so and lists what is in stock instead. The product answered about is kept in the
state (``last_product``), so "L de var mı peki?" or "siyahı kaldı mı" right after is answered
about it, with the colour or size asked before.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.formatting import date_range_text, day_text, local_date
from invekto.agents.state import ConversationState
from invekto.core.text import fold
from invekto.integrations.catalog import canonical_color, names_a_product, size_key
from invekto.nlu.entities import is_national_id
from invekto.storage.models import utcnow
from invekto.tools.context import TurnContext
from invekto.tools.orders import (
    CustomerOrders,
    OrderResult,
    OrderView,
    find_customer_orders,
    get_order,
)
from invekto.tools.requests import (
    NOT_SHIPPED,
    RequestResult,
    request_address_change,
    request_cancellation,
    request_invoice,
)
from invekto.tools.stock import check_stock

NAME = "support"
MAX_ORDER_NUMBER_TRIES = 2
PURPOSE_OF_INTENT = {
    "cancel_order": "cancel",
    "invoice_request": "invoice",
    "address_change": "address",
}
"""What the order is wanted for; everything else order-related is a status question."""
PRODUCT_INTENTS = {"stock_question", "product_question", "price_question"}
POLICY_INTENTS = {
    "shipping_policy": "shipping_policy",
    "discount_question": "discount_policy",
    "payment_problem": "payment_policy",
}
MAX_ALTERNATIVES = 8
_BEFORE_BUYING = re.compile(
    r"\b(?:versem|verirsem|verseydim|verecek olsam|alsam|alirsam|satin alirsam|"
    r"siparis (?:vermeden|verdigimde|verdikten sonra|verilirse|verilen siparis)|"
    r"simdi (?:siparis|alsam|versem)|bugun (?:siparis|alsam|versem)|"
    r"if i (?:order|buy|purchase)|before (?:i )?(?:order|buy|purchas)\w*|when i order|"
    r"if (?:it is )?(?:ordered|bought)|ordering (?:it )?today)"
    r"|(?:اذا طلبت|لو طلبت|إذا طلبت|عند الطلب)"
)
"""A delivery-time question about an order not yet placed."""
_REFERS_TO_AN_ORDER = re.compile(
    r"\b(?:siparis(?:im|imi|imin|imiz|lerim|lerimi|imden)\w*|kargo(?:m|mu|mun|muz)\b|"
    r"paket(?:im|imi|imin|lerim)\w*|urun(?:um|umu|umun|lerim)\w*|aldigim|verdigim|"
    r"siparis verdim|siparis vermistim|gonderdiginiz|"
    r"my (?:order|package|parcel|delivery|shipment|item|purchase)s?|i (?:ordered|placed|bought))"
    r"|(?:طلبي|شحنتي|طلبيتي|طردي)"
)
"""A message that speaks of an order already placed ("siparişim", "kargom", "my order")."""
_ADDRESS = re.compile(
    r"\b(mah\w*|cad\w*|sok\w*|sk|bulvar\w*|no ?:? ?\d+|daire|apt\w*|street|st|"
    r"avenue|road|apartment)\b"
)


async def support_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = AgentTurn(NAME, state, runtime)
    flow = turn.flow
    purpose = flow.get("purpose") or PURPOSE_OF_INTENT.get(turn.intent, "status")
    numbers = turn.entities.get("order_numbers", [])
    if flow.get("name") == "await_address":
        return await _address_given(turn, flow)
    if numbers:
        return await _with_number(turn, numbers[0], purpose, flow)
    if flow.get("name") == "order_choice":
        return await _answer_choice(turn, flow)
    if flow.get("name") == "await_order_number" and not _asks_something_else(turn):
        return _ask_number_again(turn, flow)
    if turn.intent in PRODUCT_INTENTS:
        return await _stock(turn)
    if turn.intent in POLICY_INTENTS:
        return _policy(turn)
    if turn.intent == "delivery_time" and _BEFORE_BUYING.search(fold(turn.text_in)):
        return _policy(turn, "delivery_policy")
    return await _from_phone(turn, purpose)


# --- finding the order ---------------------------------------------------------------------


async def _with_number(turn: AgentTurn, number: str, purpose: str, flow: dict) -> dict[str, Any]:
    result: OrderResult = await turn.call(get_order, order_number=number)
    if result.reason == "ok":
        return await _act(turn, purpose, result.orders, stale=result.stale)
    if result.reason == "not_yours":
        return turn.done(turn.text("order_not_yours"))
    if result.reason == "unavailable":
        return turn.done(turn.text("marketplace_down"), handoff_reason="marketplace_unavailable")
    tries = int(flow.get("tries", 0)) + 1 if flow.get("name") == "await_order_number" else 1
    # A TC kimlik number sent as an order number is not quoted back (PII is never echoed).
    not_found = (
        turn.text("order_not_found_private")
        if is_national_id(number)
        else turn.text("order_not_found", order_number=number)
    )
    if tries >= MAX_ORDER_NUMBER_TRIES:
        return turn.done(not_found, handoff_reason="order_not_found")
    return turn.done(
        not_found, flow={"name": "await_order_number", "purpose": purpose, "tries": tries}
    )


def _fits(purpose: str, order: OrderView) -> bool:
    if purpose in ("cancel", "address"):
        return order.status in NOT_SHIPPED
    if purpose == "invoice":
        return True
    return order.active


async def _from_phone(turn: AgentTurn, purpose: str) -> dict[str, Any]:
    found: CustomerOrders = await turn.call(find_customer_orders)
    if found.unavailable:
        return turn.done(turn.text("marketplace_down"), handoff_reason="marketplace_unavailable")
    if not found.orders:
        if turn.intent == "delivery_time" and not _REFERS_TO_AN_ORDER.search(fold(turn.text_in)):
            # "kaç günde gelir" from someone with no order: a question before buying.
            return _policy(turn, "delivery_policy")
        return turn.done(
            turn.text("ask_order_number"),
            flow={"name": "await_order_number", "purpose": purpose, "tries": 0},
        )
    fitting = [order for order in found.orders if _fits(purpose, order)]
    if purpose in ("cancel", "address") and not fitting:
        fitting = [order for order in found.orders if order.active]
    if len(fitting) > 1:
        options = [order.order_number for order in fitting]
        lines = "\n".join(
            f"{i}) {o.order_number} – {', '.join(o.items)} ({_status_text(turn, o)})"
            for i, o in enumerate(fitting, start=1)
        )
        return turn.done(
            turn.text("which_order", options=lines),
            flow={"name": "order_choice", "purpose": purpose, "options": options, "tries": 0},
        )
    chosen = fitting[0] if fitting else found.orders[0]
    same_order = [o for o in found.orders if o.order_number == chosen.order_number]
    return await _act(turn, purpose, same_order, stale=found.stale)


async def _answer_choice(turn: AgentTurn, flow: dict) -> dict[str, Any]:
    options: list[str] = flow.get("options", [])
    ordinal = turn.entities.get("ordinal")
    picked: str | None = None
    if ordinal is not None and options:
        index = len(options) - 1 if ordinal == -1 else ordinal - 1
        picked = options[index] if 0 <= index < len(options) else None
    if picked is None:
        picked = await _match_by_product(turn, options)
    if picked is not None:
        return await _with_number(turn, picked, flow.get("purpose", "status"), flow)
    if int(flow.get("tries", 0)) + 1 >= MAX_ORDER_NUMBER_TRIES:
        return turn.done(turn.text("handoff"), handoff_reason="order_choice_unclear")
    lines = "\n".join(f"{i}) {number}" for i, number in enumerate(options, start=1))
    return turn.done(
        turn.text("which_order", options=lines),
        flow={**flow, "tries": int(flow.get("tries", 0)) + 1},
    )


async def _match_by_product(turn: AgentTurn, options: list[str]) -> str | None:
    """'ayakkabı olan' → the option whose items mention ayakkabı (only one may match)."""
    words = {w for w in re.findall(r"[a-z]{4,}", fold(turn.text_in))}
    if not words:
        return None
    found: CustomerOrders = await turn.call(find_customer_orders)
    matches = {
        o.order_number
        for o in found.orders
        if o.order_number in options
        and words & set(re.findall(r"[a-z]{4,}", fold(" ".join(o.items))))
    }
    return matches.pop() if len(matches) == 1 else None


def _asks_something_else(turn: AgentTurn) -> bool:
    """Asked for an order number, the customer asks a product or policy question instead
    ("kargo ücreti ne kadar"): it is answered, and the question for the number is dropped."""
    return turn.intent in PRODUCT_INTENTS or turn.intent in POLICY_INTENTS


def _ask_number_again(turn: AgentTurn, flow: dict) -> dict[str, Any]:
    tries = int(flow.get("tries", 0)) + 1
    if tries >= MAX_ORDER_NUMBER_TRIES:
        return turn.done(turn.text("handoff"), handoff_reason="no_order_number")
    return turn.done(turn.text("ask_order_number"), flow={**flow, "tries": tries})


# --- acting on the order -------------------------------------------------------------------


async def _act(
    turn: AgentTurn, purpose: str, orders: list[OrderView], *, stale: bool
) -> dict[str, Any]:
    order = next((o for o in orders if o.active), orders[0])
    if purpose == "cancel":
        return _after_request(
            turn, await turn.call(request_cancellation, order_number=order.order_number)
        )
    if purpose == "invoice":
        emails = turn.entities.get("emails") or []
        args: dict[str, Any] = {"order_number": order.order_number}
        if emails:
            args["email"] = emails[0]
        return _after_request(turn, await turn.call(request_invoice, **args))
    if purpose == "address":
        address = _address_in(turn.text_in)
        if order.status not in NOT_SHIPPED or address:
            result = await turn.call(
                request_address_change,
                order_number=order.order_number,
                new_address=address or "",
            )
            return _after_request(turn, result)
        return turn.done(
            turn.text("ask_new_address", order_number=order.order_number),
            flow={"name": "await_address", "purpose": "address", "order": order.order_number},
        )
    return turn.done(_order_reply(turn, orders, stale=stale))


async def _address_given(turn: AgentTurn, flow: dict) -> dict[str, Any]:
    address = _address_in(turn.text_in) or turn.text_in.strip()
    result = await turn.call(
        request_address_change, order_number=flow["order"], new_address=address
    )
    return _after_request(turn, result)


def _address_in(text: str) -> str | None:
    """The message as the new address when it reads like one (Mah., Cad., Sok., No: ...)."""
    return text.strip() if len(_ADDRESS.findall(fold(text))) >= 2 else None


def _after_request(turn: AgentTurn, result: RequestResult) -> dict[str, Any]:
    if result.reason == "not_yours":
        return turn.done(turn.text("order_not_yours"))
    if result.reason == "unavailable":
        return turn.done(turn.text("marketplace_down"), handoff_reason="marketplace_unavailable")
    if result.reason == "not_found" or result.order is None:
        return turn.done(turn.text("ask_order_number"), handoff_reason="order_not_found")
    kind = turn.tools[-1]["name"]
    order = result.order
    values = {
        "order_number": order.order_number,
        "items": ", ".join(order.items) or "-",
        "status_text": _status_text(turn, order),
        "cargo": order.cargo_provider or "-",
        "tracking_number": order.tracking_number or "-",
        "email": (turn.entities.get("emails") or [""])[0],
        "return_days": _return_days(turn),
    }
    key = {
        ("request_cancellation", "recorded"): f"cancel_recorded_{result.policy or 'review'}",
        ("request_cancellation", "shipped"): "cancel_shipped",
        ("request_cancellation", "delivered"): "cancel_delivered",
        ("request_cancellation", "closed"): "order_closed",
        ("request_invoice", "recorded"): "invoice_recorded_email"
        if values["email"]
        else "invoice_recorded",
        ("request_address_change", "recorded"): "address_recorded",
        ("request_address_change", "shipped"): "address_shipped",
        ("request_address_change", "delivered"): "cancel_delivered",
        ("request_address_change", "closed"): "order_closed",
    }.get((kind, result.reason), "handoff")
    handoff_reason = "needs_human" if key == "handoff" else None
    return turn.done(turn.text(key, **values), handoff_reason=handoff_reason)


def _return_days(turn: AgentTurn) -> int:
    return turn.settings.policies.return_days


# --- products and policies -----------------------------------------------------------------


async def _stock(turn: AgentTurn) -> dict[str, Any]:
    sizes = turn.entities.get("sizes") or []
    colors = turn.entities.get("colors") or []
    size, color = (sizes or [None])[0], (colors or [None])[0]
    query = turn.text_in  # the whole message: "keten gömlek" says more than "gömlek"
    last = turn.state.get("last_product") or {}
    if last.get("title") and not names_a_product(turn.text_in):
        # "L de var mı peki?" right after a stock answer: the same product, and the colour
        # (or size) asked then unless this message asks another.
        query = last["title"]
        if size and not color:
            color = last.get("color")
        elif color and not size:
            size = last.get("size")
    args: dict[str, Any] = {"product": query}
    if size:
        args["size"] = size
    if color:
        args["color"] = color
    result = await turn.call(check_stock, **args)
    if result.reason == "unavailable":
        return turn.done(turn.text("marketplace_down"), handoff_reason="marketplace_unavailable")
    if not result.products and not result.alternatives:
        return turn.done(turn.text("product_not_found"), handoff_reason="product_not_found")
    in_stock = [p for p in result.products if p.in_stock]
    first = (in_stock or result.products or result.alternatives)[0]
    turn.last_product = {
        "title": first.title,
        "product_main_id": first.product_main_id,
        "color": color,
        "size": size,
    }
    variants = [*result.products, *result.alternatives]
    values = {
        "title": first.title,
        "variant": "",
        "price": f"{first.sale_price} TL" if first.sale_price else "-",
        "url": first.product_url or "",
    }
    if turn.intent == "price_question" and result.products:
        shown = in_stock[0] if in_stock else first
        values["variant"] = _in_brackets(_variant(shown))
        key = "product_price"
    elif in_stock:
        # Only variants that are the colour and size asked are in ``products``.
        values["variant"] = _in_brackets(_variant(first))
        key = "stock_yes"
    else:
        # The variant asked is out of stock, or the product has no such variant: say so, in
        # the catalogue's own words, then what is in stock.
        asked = _asked_variant(color, size, variants)
        values["variant"] = _in_brackets(asked or _variant(first))
        others = [_variant(p) for p in result.alternatives if p.in_stock]
        values["others"] = ", ".join(list(dict.fromkeys(o for o in others if o))[:MAX_ALTERNATIVES])
        values["others"] = values["others"] or "-"
        key = "stock_no"
    reply = turn.text(key, **values)
    if result.stale:
        reply = f"{reply}\n{turn.text('order_stale_note')}"
    return turn.done(reply)


def _variant(product: Any) -> str:
    return " ".join(v for v in (product.color, product.size) if v)


def _in_brackets(text: str) -> str:
    return f" ({text})" if text else ""


def _asked_variant(color: str | None, size: str | None, variants: list[Any]) -> str:
    """The colour and size asked, spelt as the catalogue spells them when it has them
    ("beyaz", "xl" → "Beyaz XL"; "lacivert", "9-10 Yaş" → "Lacivert 9-10 Yaş")."""
    parts = []
    if color:
        wanted = canonical_color(color)
        spelt = next(
            (v.color for v in variants if v.color and canonical_color(v.color) == wanted), None
        )
        parts.append(spelt or _tr_title(color))
    if size:
        wanted_size = size_key(size)
        spelt = next((v.size for v in variants if v.size and size_key(v.size) == wanted_size), None)
        parts.append(spelt or size)
    return " ".join(parts)


def _tr_title(word: str) -> str:
    """Turkish title case: "ışıl" → "Işıl", "iç" → "İç"."""
    head = {"i": "İ", "ı": "I"}.get(word[:1], word[:1].upper())
    return head + word[1:]


def _policy(turn: AgentTurn, key: str | None = None) -> dict[str, Any]:
    """The tenant's policy text of the intent (or ``key``: ``delivery_policy``)."""
    policies = turn.settings.policies
    values = {
        "free_shipping_over": "-"
        if policies.free_shipping_over is None
        else policies.free_shipping_over,
        "carriers": ", ".join(policies.carriers) or "-",
        "dispatch_days": policies.dispatch_days,
        "payment_methods": ", ".join(policies.payment_methods) or "-",
        "return_days": _return_days(turn),
        "shop": turn.context.tenant.name,
    }
    key = key or POLICY_INTENTS[turn.intent]
    reason = "payment_problem" if key == "payment_policy" else None
    return turn.done(turn.text(key, **values), handoff_reason=reason)


# --- order texts ---------------------------------------------------------------------------


def _order_reply(turn: AgentTurn, orders: list[OrderView], *, stale: bool) -> str:
    order = next((o for o in orders if o.active), orders[0])
    tenant = turn.context.tenant
    now = utcnow()
    values = {
        "order_number": order.order_number,
        "items": ", ".join(order.items) or "-",
        "cargo": order.cargo_provider or "-",
        "tracking_number": order.tracking_number or "-",
        "tracking_link": order.tracking_link or "",
        "status_text": _status_text(turn, order),
        "eta": date_range_text(
            order.estimated_delivery_start,
            order.estimated_delivery_end,
            language=turn.language,
            timezone=tenant.timezone,
            now=now,
            settings=tenant.settings,
        ),
        "delivered_on": _delivered_on(turn, order, now),
    }
    if order.status in ("Shipped", "AtCollectionPoint") and order.tracking_number:
        key = "order_shipped" if order.tracking_link else "order_shipped_no_link"
    elif order.status in NOT_SHIPPED:
        key = "order_preparing"
    elif order.status == "Delivered":
        key = "order_delivered"
    else:
        key = "order_other"
    reply = turn.text(key, **values)
    return f"{reply}\n{turn.text('order_stale_note')}" if stale else reply


def _status_text(turn: AgentTurn, order: OrderView) -> str:
    statuses = turn.template("status")
    return str(statuses.get(order.status, order.status))


def _delivered_on(turn: AgentTurn, order: OrderView, now: dt.datetime) -> str:
    if order.delivered_at is None:
        return "-"
    tenant = turn.context.tenant
    return day_text(
        local_date(order.delivered_at, tenant.timezone),
        language=turn.language,
        today=local_date(now, tenant.timezone),
        settings=tenant.settings,
    )
