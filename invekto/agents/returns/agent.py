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
from typing import Any

from langgraph.runtime import Runtime

from invekto.agents.base import AgentTurn
from invekto.agents.formatting import day_text, local_date
from invekto.agents.state import ConversationState
from invekto.core.text import fold
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
    reason = _reason(turn)
    order_number = order.order_number
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
    delivered = [o for o in orders.orders if o.status == "Delivered"]
    candidates = delivered or [o for o in orders.orders if o.status not in ("Cancelled",)]
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
    args: dict[str, Any] = {"order_number": order_number}
    sizes, colors = turn.entities.get("sizes") or [], turn.entities.get("colors") or []
    if sizes:
        args["size"] = sizes[0]
    if colors:
        args["color"] = colors[0]
    found = await turn.call(exchange_options, **args)
    in_stock = [o for o in found.options if o.in_stock] if found.reason == "ok" else []
    if not in_stock:
        return await _marketplace_path(
            turn, attempt, order_number, reason, lead="return_exchange_no_stock"
        )
    said = set(fold(turn.text_in).replace(",", " ").split())
    mentioned = [o for o in in_stock if said & set(fold(_variant(o)).split())]
    offered = (mentioned or in_stock)[:4]
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
            title=found.current.title if found.current else "",
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
        settings=turn.settings,
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
    reason = turn.entities.get("return_reason")
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
