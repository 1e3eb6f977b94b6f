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
from decimal import Decimal
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.dialogue import named_order, named_orders, names_the_other
from invekto.agents.formatting import date_range_text, day_text, local_date
from invekto.agents.state import ConversationState
from invekto.core.text import fold
from invekto.integrations.catalog import canonical_color, names_a_product, size_key
from invekto.nlu.attributes import Attribute, asked_attributes, label, value_of
from invekto.nlu.entities import is_national_id
from invekto.nlu.rules import asks_availability, asks_price
from invekto.nlu.segments import asks
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
_ASKS_HOW_TO_PAY = re.compile(
    r"\b(?:kapida (?:odeme|nakit|kart)\w*|kapida odenir|taksit\w*|havale\w*|eft\b|"
    r"nakit\w*|kredi karti(?:yla| ile)|banka karti(?:yla| ile)|odeme (?:secenek|yontem|sekl)\w*|"
    r"nasil odeme|nasil oder\w*|ile odeyebilir\w*|ile odeme yap\w*|"
    r"cash on delivery|pay (?:on|at) (?:the )?(?:door|delivery)|installment\w*|"
    r"payment (?:option|method)s?|can i pay|how (?:can|do) i pay|bank transfer)\b"
    r"|الدفع عند الاستلام|تقسيط|طرق الدفع|كيف (?:أدفع|ادفع)"
)
"""A question about how to pay (cash on delivery, instalments, transfer), not a payment problem
("param çekildi ama sipariş yok")."""
_ADDRESS = re.compile(
    r"\b(mah\w*|cad\w*|sok\w*|sk|bulvar\w*|no ?:? ?\d+|daire|apt\w*|street|st|"
    r"avenue|road|apartment)\b"
)


async def support_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = AgentTurn(NAME, state, runtime)
    flow = turn.flow
    purpose = flow.get("purpose") or PURPOSE_OF_INTENT.get(turn.intent, "status")
    numbers = turn.entities.get("order_numbers", [])
    name = flow.get("name")
    if name == "await_address":
        if _address_in(turn.text_in) or not _another_request(turn):
            return await _address_given(turn, flow)
        if turn.intent in PURPOSE_OF_INTENT or turn.intent in ORDER_STATUS_INTENTS:
            # "forget it, can I just cancel the order instead?": the new request, same order.
            new_purpose = PURPOSE_OF_INTENT.get(turn.intent, "status")
            return await _with_number(
                turn, numbers[0] if numbers else flow["order"], new_purpose, {}
            )
        return _and_ask_again(turn, await _question(turn), flow)
    if numbers:
        return await _with_number(turn, numbers[0], purpose, flow)
    if name == "order_choice" and flow.get("answered_all") and len(turn.text_in.split()) > 3:
        # Both orders were answered: only a short "birincisi" still picks one of them.
        return await _question(turn, purpose)
    if name == "order_choice":
        if _answers_choice(turn, flow) or not _asks_something_else(turn):
            return await _answer_choice(turn, flow)
        return _and_ask_again(turn, await _question(turn), flow)
    if name == "await_order_number" and not _asks_something_else(turn):
        return _ask_number_again(turn, flow)
    return await _question(turn, purpose)


async def _question(turn: AgentTurn, purpose: str | None = None) -> dict[str, Any]:
    """A request with no flow of ours in the way: a product, a policy or an order."""
    if turn.intent in PRODUCT_INTENTS:
        return await _stock(turn)
    if turn.intent in POLICY_INTENTS:
        return _policy(turn)
    if turn.intent == "delivery_time" and _BEFORE_BUYING.search(fold(turn.text_in)):
        return _policy(turn, "delivery_policy")
    return await _from_phone(turn, purpose or PURPOSE_OF_INTENT.get(turn.intent, "status"))


ORDER_STATUS_INTENTS = {"order_status", "delivery_time"}
CONFIDENT = 0.8
"""A request the model is this sure of interrupts our own question (the address)."""
ASKING = 0.5
"""...or this sure of, when the message asks something ("var mı", "can I")."""


def _another_request(turn: AgentTurn) -> bool:
    """Asked for the new address, the customer asks something else ("bi saniye, tulumun pembe
    9-12 ayı var mı", "forget it, can I just cancel instead?"): a question or a request of
    ours the model is fairly sure of, not an address."""
    if turn.intent in ("other", "greeting", "thanks", "goodbye", "address_change"):
        return False
    confidence = float(turn.understanding.get("confidence", 0.0))
    return confidence >= CONFIDENT or (confidence >= ASKING and asks(turn.text_in))


def _and_ask_again(turn: AgentTurn, answer: dict[str, Any], flow: dict) -> dict[str, Any]:
    """Our own flow was interrupted by a question we answered: the flow's question again, unless
    the answer asks something itself or hands over."""
    if answer.get("flow") or answer.get("handoff_reason") or not answer.get("draft"):
        return answer
    question = turn.last_reply()
    if question:
        answer["draft"] = f"{answer['draft']}\n\n{turn.text('resume_flow', question=question)}"
    answer["flow"] = flow
    answer["active_agent"] = NAME
    return answer


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
    products = turn.entities.get("products") or []
    several = named_orders(turn.text_in, found.orders, products)
    if len(several) > 1 and purpose == "status":
        # "Mont ne zaman gelir, cüzdanın takip numarası ne?": both, in one reply.
        chosen = [o for o in found.orders if o.order_number in several]
        return turn.done(_all_orders_reply(turn, chosen, stale=found.stale))
    named_any = named_order(turn.text_in, found.orders, products)
    if named_any is not None:
        # "ayakkabı siparişim teslim edildi mi": the order named, whatever its status. The
        # customer's own order, named by its product: sure of which one is meant.
        turn.sure = True
        same = [o for o in found.orders if o.order_number == named_any]
        return await _act(turn, purpose, same, stale=found.stale)
    fitting = [order for order in found.orders if _fits(purpose, order)]
    if purpose in ("cancel", "address") and not fitting:
        fitting = [order for order in found.orders if order.active]
    if len(fitting) > 1 and purpose == "status" and _BOTH.search(fold(turn.text_in)):
        # Both answered; "birincisi" next still picks one of them.
        options = [order.order_number for order in fitting]
        return turn.done(
            _all_orders_reply(turn, fitting, stale=found.stale),
            flow={
                "name": "order_choice",
                "purpose": purpose,
                "options": options,
                "tries": 0,
                "answered_all": True,
            },
        )
    focused = turn.focus.get("order")
    if (
        len(fitting) == 2
        and focused in {o.order_number for o in fitting}
        and names_the_other(turn.text_in)
    ):
        # "peki diğeri": the order not talked about yet.
        other = [o for o in fitting if o.order_number != focused]
        return await _act(turn, purpose, other, stale=found.stale)
    if len(fitting) > 1:
        # The order the customer names by its product ("cüzdan siparişim"), else the one the
        # conversation is about, else ask which.
        named = named_order(turn.text_in, fitting, turn.entities.get("products") or [])
        focused = turn.focus.get("order")
        chosen_number = named or (
            focused
            if focused in {o.order_number for o in fitting} and not names_the_other(turn.text_in)
            else None
        )
        if chosen_number is not None:
            same = [o for o in found.orders if o.order_number == chosen_number]
            return await _act(turn, purpose, same, stale=found.stale)
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


_BOTH = re.compile(
    r"\b(?:ikisi\w*|iki(?:si)? (?:kargo|siparis|paket)\w*(?: de| da)?|hepsi\w*|tumu\w*|"
    r"her ikisi\w*|both|all of them|all my orders|each of them|my two \w+|two orders|"
    r"iki siparis\w*|iki paket\w*)\b|كلاهما|كليهما|الاثنين|جميع طلبات|طلبيني"
)
""""ikisi de nerede", "both of them": every order asked about, not "which one?"."""


def _all_orders_reply(turn: AgentTurn, orders: list[OrderView], *, stale: bool) -> str:
    replies = [_order_reply(turn, [order], stale=False) for order in orders]
    for order in orders[-1:]:
        turn.focus_on_order(order.order_number, order.status)
    reply = "\n\n".join(replies)
    return f"{reply}\n{turn.text('order_stale_note')}" if stale else reply


def _answers_choice(turn: AgentTurn, flow: dict) -> bool:
    """The message answers "which order?": a position, a product of one of them, both, or the
    other one."""
    if turn.entities.get("ordinal") is not None:
        return True
    text = fold(turn.text_in)
    return bool(_BOTH.search(text) or names_the_other(text) or turn.entities.get("products"))


async def _answer_choice(turn: AgentTurn, flow: dict) -> dict[str, Any]:
    options: list[str] = flow.get("options", [])
    ordinal = turn.entities.get("ordinal")
    picked: str | None = None
    if ordinal is not None and options:
        index = len(options) - 1 if ordinal == -1 else ordinal - 1
        picked = options[index] if 0 <= index < len(options) else None
    if picked is None and _BOTH.search(fold(turn.text_in)):
        found_all: CustomerOrders = await turn.call(find_customer_orders)
        chosen = [o for o in found_all.orders if o.order_number in options]
        if chosen:
            return turn.done(_all_orders_reply(turn, chosen, stale=found_all.stale))
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
    found: CustomerOrders = await turn.call(find_customer_orders)
    candidates = [o for o in found.orders if o.order_number in options]
    return named_order(turn.text_in, candidates, turn.entities.get("products") or [])


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
    turn.focus_on_order(order.order_number, order.status)
    if purpose == "cancel" and order.status == "Delivered":
        # Nothing is left to cancel: the customer can return it (the returns agent's flow).
        return turn.situated("return_request")
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
            flow={
                "name": "await_address",
                "purpose": "address",
                "order": order.order_number,
                "free_text": True,  # an address says nothing of the customer's language
            },
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
    focus = turn.focus.get("product") or {}
    follow_up = bool(focus.get("title")) and _same_product(turn.text_in, focus["title"])
    if follow_up:
        # "L de var mı peki?", "fiyatı ne kadar bunun" after a stock answer: the same product,
        # in the variant asked then unless this message asks another colour or size.
        query = focus["title"]
        size, color = size or focus.get("size"), color or focus.get("color")
    result = await turn.call(check_stock, **_stock_args(query, size, color))
    if (
        not follow_up
        and focus.get("title")
        and not (result.products or result.alternatives)
        and not turn.entities.get("products")
        and result.reason != "unavailable"
        and (
            asks_price(turn.text_in)
            or asked_attributes(turn.text_in)
            or turn.entities.get("sizes")
            or turn.entities.get("colors")
        )
    ):
        # Words we took for a product name name no product ("2 tane alırsam toplam ne öder",
        # "o numaranın siyahı var mı"): a price, an attribute or a variant of the product in
        # focus is asked after all. ("şemsiye var mı" asks none of them: not found.)
        size, color = size or focus.get("size"), color or focus.get("color")
        result = await turn.call(check_stock, **_stock_args(focus["title"], size, color))
    if result.reason == "unavailable":
        return turn.done(turn.text("marketplace_down"), handoff_reason="marketplace_unavailable")
    if not result.products and not result.alternatives:
        return turn.done(turn.text("product_not_found"), handoff_reason="product_not_found")
    in_stock = [p for p in result.products if p.in_stock]
    first = (in_stock or result.products or result.alternatives)[0]
    folded = fold(turn.text_in)
    if result.products and (
        asks_availability(folded) or asks_price(turn.text_in) or asked_attributes(folded)
    ):
        # The catalogue has the product asked and the words say what is asked of it (its
        # stock, its price, an attribute): the answer does not wait on the model's confidence.
        turn.sure = True
    turn.focus_on_product(first.title, first.product_main_id, color=color, size=size)
    # "kapüşonlu sweatshirt" names the product, it does not ask about a hood; "siyahı var mı"
    # with a colour or size asks for stock, whatever else it says.
    asked = asked_attributes(_without_words_of(turn.text_in, first.title))
    own_variant = turn.entities.get("sizes") or turn.entities.get("colors")
    availability = bool(asks_availability(turn.text_in) and own_variant)
    if not availability and (
        asked or (turn.intent == "product_question" and first.attributes and not (size or color))
    ):
        return _attributes(turn, first, asked)
    variants = [*result.products, *result.alternatives]
    values = {
        "title": first.title,
        "variant": "",
        "price": _money(first.sale_price),
        "url": first.product_url or "",
    }
    if (turn.intent == "price_question" or asks_price(turn.text_in)) and result.products:
        shown = in_stock[0] if in_stock else first
        values["variant"] = _in_brackets(_variant(shown))
        key = "product_price"
        quantity = _quantity_asked(turn)
        if quantity and quantity > 1 and shown.sale_price:
            total = _money(Decimal(shown.sale_price) * quantity)
            values.update(quantity=quantity, price=_money(shown.sale_price), total=total)
            turn.grounds.append(f"{quantity} × {shown.sale_price} = {total}")
            key = "product_total"
    elif in_stock:
        # Only variants that are the colour and size asked are in ``products``.
        values["variant"] = _in_brackets(_variant(first))
        key = "stock_yes"
    else:
        # The variant asked is out of stock, or the product has no such variant: say so, in
        # the catalogue's own words, then what is in stock.
        asked_variant = _asked_variant(color, size, variants)
        values["variant"] = _in_brackets(asked_variant or _variant(first))
        others = [_variant(p) for p in result.alternatives if p.in_stock]
        values["others"] = ", ".join(list(dict.fromkeys(o for o in others if o))[:MAX_ALTERNATIVES])
        values["others"] = values["others"] or "-"
        key = "stock_no"
    reply = turn.text(key, **values)
    if asked:
        # "M beden kaldı mı, kumaşı ne": the stock, then what the catalogue says of the fabric.
        details = _attributes(turn, first, asked)
        reply = f"{reply}\n{details['draft']}"
        if details.get("handoff_reason"):
            return turn.done(reply, handoff_reason=details["handoff_reason"])
    if result.stale:
        reply = f"{reply}\n{turn.text('order_stale_note')}"
    return turn.done(reply)


_VERB = re.compile(
    r"\w+(?:rsam|rsem|ssam|ssem|irsam|ursam|cagim|cegim|acam|ecem|icam|ucam|iyor\w*|iyom|uyom|"
    r"yorum|mek|mak|ecek|acak|abilir\w*|ebilir\w*)|oder\w*|eder\w*|tutar|gelir|made|is|it"
)
"""Words that are no product name: Turkish verb forms ("alırsam", "öder") and the like."""


def _stock_args(query: str, size: str | None, color: str | None) -> dict[str, Any]:
    args: dict[str, Any] = {"product": query}
    if size:
        args["size"] = size
    if color:
        args["color"] = color
    return args


def _same_product(text: str, title: str) -> bool:
    """The message names no product, or names the one in focus ("gömleğin fiyatı"). Words of
    an attribute ("what fabric is it made of") or a verb ("2 tane alırsam ne öder") name none."""
    words = [w for w in fold(text).split() if not _VERB.fullmatch(w)]
    if not names_a_product(" ".join(w for w in words if not asked_attributes(w))):
        return True
    title_words = set(re.findall(r"\w{4,}", fold(title)))
    words = set(re.findall(r"\w{4,}", fold(text)))
    return any(w[:5] == t[:5] for w in words for t in title_words)


def _quantity_asked(turn: AgentTurn) -> int | None:
    quantities = turn.entities.get("quantities") or []
    if quantities:
        return int(quantities[0])
    sizes = {fold(s) for s in turn.entities.get("sizes") or []}
    counted = [int(n) for n in _COUNT.findall(turn.text_in) if n not in sizes and 1 < int(n) < 100]
    if counted:
        return counted[0]  # "2 white t-shirts", "3 تيشيرتات"
    if _ASKS_TOTAL.search(fold(turn.text_in)):
        return turn.focus.get("quantity")
    return None


_COUNT = re.compile(r"(?<![\d.,/:-])(\d{1,2})(?=\s+[^\W\d_])")
"""A small number before a word ("2 white t-shirts", "3 تيشيرتات"): a count, in a price question."""


def _without_words_of(text: str, title: str) -> str:
    """``text`` without the words of the product's title ("kapüşonlu sweatshirtün kumaşı" →
    "kumaşı")."""
    stems = {w[:5] for w in re.findall(r"\w{4,}", fold(title))}
    return " ".join(w for w in fold(text).split() if w[:5] not in stems)


_ASKS_TOTAL = re.compile(r"\b(?:toplam|tutar\w*|total|altogether|in total)\b|المجموع|الإجمالي")


def _money(amount: Any) -> str:
    if amount in (None, ""):
        return "-"
    return f"{Decimal(str(amount)).quantize(Decimal('0.01'))} TL"


def _attributes(turn: AgentTurn, product: Any, asked: list[Attribute]) -> dict[str, Any]:
    """A product question answered from the catalogue's attributes: those asked, or all of
    them for a general question ("bu gömlek nasıl bir ürün")."""
    language = turn.language
    if not asked and not product.attributes:
        values = {"title": product.title, "variant": _in_brackets(_variant(product))}
        values.update(price=_money(product.sale_price), url=product.product_url or "")
        return turn.done(turn.text("stock_yes" if product.in_stock else "product_price", **values))
    if not asked:
        parts = [f"{label(n, language)} {v}" for n, v in product.attributes.items()]
        return turn.done(
            turn.text(
                "product_details",
                title=product.title,
                attributes=", ".join(parts),
                price=_money(product.sale_price),
            )
        )
    # The title answers what the attributes do not say ("kapüşonu var mı" of a "Kapüşonlu
    # Sweatshirt").
    asked = [
        a
        for a in asked
        if value_of(a, product.attributes) or not a.asked.search(fold(product.title))
    ]
    if not asked:
        return _attributes(turn, product, [])
    found = [(a, value_of(a, product.attributes)) for a in asked]
    turn.sure = True  # the attribute asked is named in the message and looked up
    known = [f"{label(pair[0], language)} {pair[1]}" for _, pair in found if pair]
    missing = [a.label.get(language, a.label["tr"]) for a, pair in found if pair is None]
    lines = []
    if known:
        lines.append(
            turn.text(
                "product_details",
                title=product.title,
                attributes=", ".join(known),
                price=_money(product.sale_price),
            )
        )
    if missing:
        lines.append(turn.text("attribute_unknown", title=product.title, asked=", ".join(missing)))
        return turn.done("\n".join(lines), handoff_reason="product_detail_unknown")
    return turn.done("\n".join(lines))


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
    reason = None
    if key == "payment_policy":
        # "kapıda ödeme var mı" is a question about how to pay, answered; "kartımdan iki kez
        # çekildi" is a problem for a person.
        if _ASKS_HOW_TO_PAY.search(fold(turn.text_in)):
            key = "payment_methods"
        else:
            reason = "payment_problem"
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
            prompts=tenant.prompts,
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
        prompts=tenant.prompts,
    )
