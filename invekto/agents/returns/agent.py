"""Returns agent (return deflection, v1): keep the sale when the customer would rather have it.

1. Which order, and why? (the reason may already be in the first message)
2. Size or colour → offer an exchange, checking the other variant's stock.
   Changed mind → offer a coupon within the tenant's limit.
   Quality or damaged → explain how to start the return on the marketplace; a person if asked.
3. Yes → the exchange or coupon is recorded (deflected); no → the marketplace return path.

Every step is recorded in ``return_attempts`` (reason, action, deflected or not).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.dialogue import named_order, received_variant
from invekto.agents.formatting import day_text, local_date
from invekto.agents.state import ConversationState
from invekto.core.text import fold
from invekto.integrations.catalog import canonical_color, size_key, size_rank
from invekto.nlu.answers import yes_or_no
from invekto.tools.context import TurnContext
from invekto.tools.coupons import CouponResult, create_coupon
from invekto.tools.orders import (
    CustomerOrders,
    OrderResult,
    OrderView,
    find_customer_orders,
    get_order,
)
from invekto.tools.requests import NOT_SHIPPED, ON_THE_WAY
from invekto.tools.returns import ReturnRecord, record_return
from invekto.tools.stock import exchange_options

NAME = "returns"
MAX_REASON_TRIES = 2
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ReturnTurn(AgentTurn):
    delivered: str | None = None
    """When the order being returned was delivered (ISO), once known: the return window."""


async def returns_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = ReturnTurn(NAME, state, runtime)
    turn.delivered = turn.flow.get("delivered")
    step = turn.flow.get("name")
    if step == "exchange_offer":
        result = await _exchange_answer(turn)
    elif step == "coupon_offer":
        result = await _coupon_answer(turn)
    elif step == "return_path":
        result = await _path_answer(turn)
    elif step == "return_reason":
        result = await _reason_answer(turn)
    elif step == "return_order":
        result = await _order_answer(turn)
    else:
        result = await _start(turn)
    flow, delivered = result.get("flow"), turn.delivered
    if isinstance(flow, dict) and delivered and "delivered" not in flow:
        # Every later step of this return knows when the order arrived (the return window).
        result["flow"] = {**flow, "delivered": delivered}
    return result


async def _start(turn: ReturnTurn) -> dict[str, Any]:
    order, refusal = await _find_order(turn)
    if refusal is not None:
        return refusal
    if order is None:
        return turn.done(turn.text("return_ask_order"), flow={"name": "return_order", "tries": 0})
    return await _with_order(turn, order)


async def _with_order(turn: ReturnTurn, order: OrderView) -> dict[str, Any]:
    order_number = order.order_number
    turn.focus_on_order(order_number, order.status)
    if turn.intent == "return_request" and order.status in NOT_SHIPPED | ON_THE_WAY:
        # "iade etmek istiyorum" before the order arrived: a cancellation is what it can be
        # (the support agent cancels it, or says it is on its way and can be returned later).
        return turn.situated("cancel_order")
    reason = _reason(turn)
    record: ReturnRecord = await turn.call(
        record_return, action="asked_reason", order_number=order_number, reason=reason
    )
    delivered = order.delivered_at.isoformat() if order.delivered_at else None
    turn.delivered = delivered
    if reason is None:
        return turn.done(
            turn.text("return_ask_reason", order_number=order_number),
            flow={
                "name": "return_reason",
                "attempt": record.attempt_id,
                "order": order_number,
                "delivered": delivered,
                "tries": 0,
            },
        )
    return await _offer(turn, record.attempt_id, order_number, reason, delivered)


async def _find_order(turn: ReturnTurn) -> tuple[OrderView | None, dict[str, Any] | None]:
    """The order to return: the number in the message, else the customer's latest delivered
    (or latest) order. ``(None, reply)`` when the reply must stop here."""
    numbers = turn.entities.get("order_numbers") or []
    if numbers:
        found: OrderResult = await turn.call(get_order, order_number=numbers[0])
        if found.reason == "ok":
            return found.orders[0], None
        if found.reason == "not_yours":
            return None, turn.done(turn.text("order_not_yours"))
        if found.reason == "unavailable":
            return None, turn.done(
                turn.text("marketplace_down"), handoff_reason="marketplace_unavailable"
            )
        return None, None
    orders: CustomerOrders = await turn.call(find_customer_orders)
    if orders.unavailable:
        return None, turn.done(
            turn.text("marketplace_down"), handoff_reason="marketplace_unavailable"
        )
    open_orders = [o for o in orders.orders if o.status not in ("Cancelled",)]
    # The order the customer names by its product ("beyaz gömleği"), else the one the
    # conversation is about, else the latest delivered (or latest) one.
    named = named_order(turn.text_in, open_orders, turn.entities.get("products") or [])
    focused = turn.focus.get("order")
    for number in (named, focused):
        chosen = next((o for o in open_orders if o.order_number == number), None)
        if chosen is not None:
            return chosen, None
    delivered = [o for o in orders.orders if o.status == "Delivered"]
    candidates = delivered or open_orders
    if not candidates:
        return None, None
    latest = max(candidates, key=lambda o: o.delivered_at or o.order_date or _EPOCH)
    return latest, None


async def _order_answer(turn: ReturnTurn) -> dict[str, Any]:
    order, refusal = await _find_order(turn)
    if refusal is not None:
        return refusal
    if order is not None:
        return await _with_order(turn, order)
    tries = int(turn.flow.get("tries", 0)) + 1
    if tries >= MAX_REASON_TRIES:
        return turn.done(turn.text("handoff"), handoff_reason="no_order_number")
    return turn.done(turn.text("return_ask_order"), flow={**turn.flow, "tries": tries})


async def _reason_answer(turn: ReturnTurn) -> dict[str, Any]:
    flow = turn.flow
    reason = _reason(turn)
    if reason is None:
        tries = int(flow.get("tries", 0)) + 1
        if tries >= MAX_REASON_TRIES:
            return await _marketplace_path(turn, flow["attempt"], flow["order"], None)
        return turn.done(
            turn.text("return_ask_reason", order_number=flow["order"]),
            flow={**flow, "tries": tries},
        )
    return await _offer(turn, flow["attempt"], flow["order"], reason, flow.get("delivered"))


DEFLECTABLE = ("size", "colour", "changed_mind")
"""Reasons the shop takes back only within its return window (a defect is the marketplace's
and the law's matter, whenever it shows)."""


def within_return_window(
    delivered_at: dt.datetime, now: dt.datetime, *, days: int, timezone: str
) -> bool:
    """Delivered at most ``days`` calendar days ago in the shop's zone (the day of delivery is
    day 0, so with 15 days a delivery 15 days ago is still in, 16 days ago is out)."""
    return (local_date(now, timezone) - local_date(delivered_at, timezone)).days <= days


async def _offer(
    turn: ReturnTurn,
    attempt: str,
    order_number: str,
    reason: str,
    delivered: str | None = None,
) -> dict[str, Any]:
    if reason in DEFLECTABLE and delivered is not None:
        delivered_at = dt.datetime.fromisoformat(delivered)
        tenant = turn.context.tenant
        days = turn.settings.policies.return_days
        now = turn.context.received_at
        if not within_return_window(delivered_at, now, days=days, timezone=tenant.timezone):
            return await _window_passed(turn, attempt, order_number, reason, delivered_at)
    if reason in ("size", "colour"):
        return await _offer_exchange(turn, attempt, order_number, reason)
    if reason == "changed_mind":
        return await _offer_coupon(turn, attempt, order_number)
    return await _marketplace_path(turn, attempt, order_number, reason)


async def _offer_exchange(
    turn: ReturnTurn, attempt: str, order_number: str, reason: str
) -> dict[str, Any]:
    found = await turn.call(exchange_options, order_number=order_number)
    current = found.current if found.reason == "ok" else None
    if current is not None:
        # "41 numaranın fiyatı aynı mı?" next is about this product.
        turn.focus_on_product(
            current.title, current.product_main_id, color=current.color, size=current.size
        )
    offered = _wanted_options(turn, found.options, current, reason) if current else []
    if not offered:
        return await _marketplace_path(
            turn, attempt, order_number, reason, lead="return_exchange_no_stock"
        )
    labels = [_variant(o) for o in offered]
    await turn.call(
        record_return,
        attempt_id=attempt,
        order_number=order_number,
        action="exchange_offered",
        reason=reason,
        details={"offered": [o.barcode for o in offered]},
    )
    lines = "\n".join(f"{i}) {label}" for i, label in enumerate(labels, start=1))
    return turn.done(
        turn.text(
            "return_exchange_offer",
            title=current.title if current else "",
            options=lines,
        ),
        flow={
            "name": "exchange_offer",
            "attempt": attempt,
            "order": order_number,
            "options": [
                {"barcode": o.barcode, "label": label}
                for o, label in zip(offered, labels, strict=True)
            ],
        },
    )


MAX_OFFERED = 4


def _wanted_options(
    turn: ReturnTurn, options: list[Any], current: Any, reason: str = "size"
) -> list[Any]:
    """The variants to offer: those the customer asked for, never the one they complain about.

    "M aldım L ile değiştirebilir miyim" → Beyaz L (the colour they have, the size they want);
    "siyahın 43'ü ya da beyaz 42 de olur" → Siyah 43 and Beyaz 42; "siyah gelmiş ben
    kahverengi istemiştim" with Kahverengi ordered → a wrong shipment: the ordered variant
    itself; nothing said → for a colour, the other colours in their size; for a size, the
    other sizes in their colour (else any variant in stock but the colour complained about)."""
    said_colors = [canonical_color(c) for c in turn.entities.get("colors") or []]
    said_sizes = [size_key(s) for s in _said_sizes(turn, current)]
    received = received_variant(turn.text_in)
    received_color = canonical_color(received)
    received_size = size_key(received) if received and not received_color else None
    ordered_color, ordered_size = canonical_color(current.color), size_key(current.size)
    wrong_colour = ordered_color in said_colors and received_color not in (None, ordered_color)
    wrong_size = ordered_size in said_sizes and received_size not in (None, ordered_size)
    if (wrong_colour or wrong_size) and current.in_stock:
        return [current]  # the wrong variant came: the one ordered is sent
    colors = [c for c in said_colors if c not in (None, received_color)]
    sizes = [z for z in said_sizes if z not in (None, received_size)]
    in_stock = [o for o in options if o.in_stock]
    if not colors and not sizes:
        others = [o for o in in_stock if canonical_color(o.color) not in said_colors]
        if reason == "colour":
            same_size = [o for o in others if canonical_color(o.color) != ordered_color]
            same_size = [o for o in same_size if size_key(o.size) == ordered_size] or same_size
            return (same_size or others)[:MAX_OFFERED]
        same_colour = [o for o in others if canonical_color(o.color) == ordered_color]
        return _the_right_way((same_colour or others), ordered_size, turn.text_in)[:MAX_OFFERED]
    # A size said without a colour keeps the colour they have (and the other way round).
    colors = colors or ([ordered_color] if ordered_color else [])
    sizes = sizes or ([ordered_size] if ordered_size else [])
    matching = [
        o
        for o in in_stock
        if (not colors or canonical_color(o.color) in colors)
        and (not sizes or size_key(o.size) in sizes)
    ]
    if not matching and sizes and all((z or "").isdigit() for z in sizes):
        # "44 numara varsa" and 44 is out: the nearest numbers in stock, in their colour.
        wanted = int(sizes[0])  # type: ignore[arg-type]
        near = [
            o
            for o in in_stock
            if (not colors or canonical_color(o.color) in colors)
            and (size_key(o.size) or "").isdigit()
            and size_key(o.size) != ordered_size
        ]
        near.sort(key=lambda o: abs(int(size_key(o.size) or 0) - wanted))
        return near[:NEAREST]
    return matching[:MAX_OFFERED]


NEAREST = 2


_BIGGER = re.compile(
    r"\b(?:(?:kucuk|dar|kisa)\s+(?:geldi|gelmis\w*|oldu|olmus\w*|kaldi|cikti)|"
    r"(?:kucuk|dar|kisa)(?:\s+(?!olsun|olur|ister\w*|istiyor\w*)\w+)?$|"
    r"sikti|sikiyor|vurdu|too small|too tight|too short|a bit tight|a little tight|tight|"
    r"(?:bir|1|daha)\s+(?:numara|beden)?\s*buyu\w*|bigger|a size up|one size up|larger)\b"
    r"|صغير|ضيق|أكبر|اكبر"
)
"""It came too small, or a bigger one is wished ("küçük geldi", "1 numara büyük olsun")."""
_SMALLER = re.compile(
    r"\b(?:(?:buyuk|bol|uzun|genis)\s+(?:geldi|gelmis\w*|oldu|olmus\w*|kaldi|cikti)|"
    r"(?:buyuk|bol|genis)(?:\s+(?!olsun|olur|ister\w*|istiyor\w*)\w+)?$|"
    r"too big|too large|too loose|a bit loose|loose|"
    r"(?:bir|1|daha)\s+(?:numara|beden)?\s*kucu\w*|smaller|a size down|one size down)\b"
    r"|كبير|واسع|أصغر|اصغر"
)


def _the_right_way(options: list[Any], ordered_size: str | None, text: str) -> list[Any]:
    """ "Küçük geldi" → only bigger sizes, nearest first; "büyük geldi" → only smaller ones (when
    the sizes compare: numbers, or S < M < L ...). Unchanged when the message says neither."""
    bigger, smaller = _size_wish(text)
    if bigger == smaller or ordered_size is None:
        return options
    rank = size_rank(ordered_size)
    wanted = [
        o for o in options if size_rank(o.size) != rank and (size_rank(o.size) > rank) == bigger
    ]
    return sorted(wanted, key=lambda o: size_rank(o.size), reverse=not bigger) or options


def _size_wish(text: str) -> tuple[bool, bool]:
    """(a bigger size is wanted, a smaller one is wanted); "büyük geldi küçük değil" → smaller."""
    folded = re.sub(r"\b\w+\s+degil\b", " ", fold(text))  # "küçük değil": not what is meant
    return bool(_BIGGER.search(folded)), bool(_SMALLER.search(folded))


_NUMBER_SIZE = re.compile(r"(?<![\d.,])(\d{2})(?:'\w+)?(?![\d.,])")


def _said_sizes(turn: ReturnTurn, current: Any) -> list[str]:
    """The sizes in the message; for a product in numbered sizes (shoes: 42) a bare two-digit
    number counts too ("siyahın 43'ü ya da beyaz 42")."""
    sizes = list(turn.entities.get("sizes") or [])
    if current.size and current.size.isdigit():
        sizes += [n for n in _NUMBER_SIZE.findall(turn.text_in) if 30 <= int(n) <= 50]
    return list(dict.fromkeys(sizes))


async def _exchange_answer(turn: ReturnTurn) -> dict[str, Any]:
    flow = turn.flow
    options: list[dict[str, str]] = flow.get("options", [])
    chosen = _pick_option(turn, options)
    answer = yes_or_no(turn.text_in)
    if chosen is None and answer is True and len(options) == 1:
        chosen = options[0]
    if chosen is not None:
        await turn.call(
            record_return,
            attempt_id=flow["attempt"],
            order_number=flow["order"],
            action="exchange_accepted",
            deflected=True,
            details={"exchange_to": chosen["barcode"], "exchange_label": chosen["label"]},
        )
        return turn.done(turn.text("return_exchange_accepted", variant=chosen["label"]))
    if answer is False:
        return await _marketplace_path(turn, flow["attempt"], flow["order"], None)
    if any(_size_wish(turn.text_in)) or turn.entities.get("sizes") or turn.entities.get("colors"):
        # "pardon ters söyledim, büyük geldi", "41 olsun" (not offered): offer again for it.
        reason = (
            "colour" if turn.entities.get("colors") and not turn.entities.get("sizes") else "size"
        )
        return await _offer_exchange(turn, flow["attempt"], flow["order"], reason)
    lines = "\n".join(f"{i}) {o['label']}" for i, o in enumerate(options, start=1))
    return turn.done(turn.text("return_exchange_which", options=lines), flow=flow)


def _pick_option(turn: ReturnTurn, options: list[dict[str, str]]) -> dict[str, str] | None:
    ordinal = turn.entities.get("ordinal")
    if ordinal is not None and options:
        index = len(options) - 1 if ordinal == -1 else ordinal - 1
        if 0 <= index < len(options):
            return options[index]
    wanted = [
        fold(v) for v in (turn.entities.get("sizes") or []) + (turn.entities.get("colors") or [])
    ]
    matches = [o for o in options if wanted and all(w in fold(o["label"]).split() for w in wanted)]
    return matches[0] if len(matches) == 1 else None


async def _offer_coupon(turn: ReturnTurn, attempt: str, order_number: str) -> dict[str, Any]:
    coupon: CouponResult = await turn.call(create_coupon, reason="changed_mind")
    if coupon.reason != "created" or coupon.code is None:
        return await _marketplace_path(turn, attempt, order_number, "changed_mind")
    await turn.call(
        record_return,
        attempt_id=attempt,
        order_number=order_number,
        action="coupon_offered",
        reason="changed_mind",
        details={"coupon": coupon.code, "percent": coupon.percent},
    )
    return turn.done(
        turn.text("return_coupon_offer", percent=coupon.percent),
        flow={
            "name": "coupon_offer",
            "attempt": attempt,
            "order": order_number,
            "code": coupon.code,
            "percent": coupon.percent,
        },
    )


async def _coupon_answer(turn: ReturnTurn) -> dict[str, Any]:
    flow = turn.flow
    answer = yes_or_no(turn.text_in)
    if answer is True:
        await turn.call(
            record_return,
            attempt_id=flow["attempt"],
            order_number=flow["order"],
            action="coupon_accepted",
            deflected=True,
        )
        return turn.done(
            turn.text("return_coupon_accepted", code=flow["code"], percent=flow["percent"]),
        )
    if answer is False or turn.intent in ("return_request", "exchange_request"):
        return await _marketplace_path(turn, flow["attempt"], flow["order"], None)
    return turn.done(turn.text("return_coupon_offer", percent=flow["percent"]), flow=flow)


async def _marketplace_path(
    turn: ReturnTurn,
    attempt: str,
    order_number: str,
    reason: str | None,
    *,
    lead: str | None = None,
) -> dict[str, Any]:
    await turn.call(
        record_return,
        attempt_id=attempt,
        order_number=order_number,
        action="marketplace_return",
        reason=reason,
        deflected=False,
    )
    days = turn.settings.policies.return_days
    steps = turn.text("return_marketplace", order_number=order_number, return_days=days)
    reply = f"{turn.text(lead)}\n{steps}" if lead else steps
    return turn.done(
        reply,
        flow={"name": "return_path", "attempt": attempt, "order": order_number},
    )


async def _window_passed(
    turn: ReturnTurn, attempt: str, order_number: str, reason: str, delivered_at: dt.datetime
) -> dict[str, Any]:
    """Outside the return window: say so, with the delivery day and the window; a person may
    still make an exception ("evet" hands the chat over, see ``_path_answer``)."""
    tenant = turn.context.tenant
    await turn.call(
        record_return,
        attempt_id=attempt,
        order_number=order_number,
        action="window_passed",
        reason=reason,
        deflected=False,
    )
    delivered_day = day_text(
        local_date(delivered_at, tenant.timezone),
        language=turn.language,
        today=local_date(turn.context.received_at, tenant.timezone),
        prompts=turn.context.tenant.prompts,
    )
    return turn.done(
        turn.text(
            "return_window_passed",
            order_number=order_number,
            delivered_day=delivered_day,
            return_days=turn.settings.policies.return_days,
        ),
        flow={
            "name": "return_path",
            "attempt": attempt,
            "order": order_number,
            "delivered": delivered_at.isoformat(),
        },
    )


async def _path_answer(turn: ReturnTurn) -> dict[str, Any]:
    flow = turn.flow
    if yes_or_no(turn.text_in) is True:
        await turn.call(
            record_return,
            attempt_id=flow["attempt"],
            order_number=flow["order"],
            action="handed_over",
        )
        return turn.done(None, handoff_reason="return_needs_human")
    if _reason(turn) in DEFLECTABLE:
        return await _offer(
            turn, flow["attempt"], flow["order"], _reason(turn) or "", turn.delivered
        )
    return turn.done(turn.text("return_path_reminder", order_number=flow["order"]), flow=flow)


def _reason(turn: ReturnTurn) -> str | None:
    """The return reason the customer stated, in this message or before; "siyah gelmiş" (a
    colour or size that came) is one too."""
    reason = turn.entities.get("return_reason")
    if reason is None:
        received = received_variant(turn.text_in)
        if received is not None:
            reason = "colour" if canonical_color(received) else "size"
        elif any(_size_wish(turn.text_in)):
            reason = "size"  # "a bit tight", "1 numara büyük olsun"
    if reason is not None:
        turn.sure = True  # the message itself says what is wrong
        return reason
    reason = turn.slots.get("return_reason")
    if (
        reason is None
        and turn.intent == "exchange_request"
        and (turn.entities.get("sizes") or turn.entities.get("colors"))
    ):
        return "size" if turn.entities.get("sizes") else "colour"
    return reason


def _variant(option: Any) -> str:
    parts = [p for p in (option.color, option.size) if p]
    return " ".join(parts) or option.title
