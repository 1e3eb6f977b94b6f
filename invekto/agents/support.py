"""Support agent: "kargom nerede?" — finds the customer's order and answers with its status.

Policy (deterministic, no model): an order number in the message wins; otherwise the orders of
the phone the customer writes from. One open order → answer it; several → ask which; none open
but some delivered → the latest; none at all → ask for the order number. Someone else's order
number gets no details. A marketplace that is down → a holding reply and a human.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from typing import Any

from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolRuntime
from langgraph.runtime import Runtime

from invekto.agents.formatting import date_range_text, day_text, local_date
from invekto.graphs.conversation.context import TurnContext
from invekto.graphs.conversation.state import ConversationState, ToolCallRecord
from invekto.nlu.text import fold
from invekto.prompts import render, template
from invekto.storage.models import utcnow
from invekto.tools.orders import (
    CustomerOrders,
    OrderResult,
    OrderView,
    find_customer_orders,
    get_order,
)

NAME = "support"
MAX_ORDER_NUMBER_TRIES = 2


class _Turn:
    """Collects what one support turn does: tool calls, the reply, the next flow."""

    def __init__(self, state: ConversationState, runtime: Runtime[TurnContext]) -> None:
        self.state = state
        self.context = runtime.context
        self.runtime = runtime
        self.language = state.get("language", "tr")
        self.tools: list[ToolCallRecord] = list(state.get("tools", []))

    async def call(self, tool: BaseTool, **args: Any) -> Any:
        tool_runtime = ToolRuntime(
            state=self.state,
            context=self.context,
            config={},
            stream_writer=lambda _: None,
            tool_call_id=f"{tool.name}-{len(self.tools)}",
            store=None,
        )
        with warnings.catch_warnings():
            # ToolRuntime's generic context field makes pydantic warn while serialising it.
            warnings.filterwarnings("ignore", "Pydantic serializer warnings", UserWarning)
            result = await tool.ainvoke({**args, "runtime": tool_runtime})
        self.tools.append(
            ToolCallRecord(
                name=tool.name, args=args, result=json.dumps(result.model_dump(mode="json"))[:2000]
            )
        )
        return result

    def text(self, key: str, **values: Any) -> str:
        return render(key, self.language, self.context.tenant.settings, **values)

    def done(
        self, reply: str, *, flow: dict | None = None, handoff_reason: str | None = None
    ) -> dict[str, Any]:
        return {
            "draft": reply,
            "flow": flow,
            "tools": self.tools,
            "active_agent": NAME if flow else None,
            "handoff_reason": handoff_reason,
        }


async def support_agent(state: ConversationState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    turn = _Turn(state, runtime)
    understanding = state.get("understanding", {})
    numbers = understanding.get("entities", {}).get("order_numbers", [])
    flow = state.get("flow") or {}
    if numbers:
        return await _answer_number(turn, numbers[0], flow)
    if flow.get("name") == "order_choice":
        return await _answer_choice(turn, flow)
    if flow.get("name") == "await_order_number":
        return _ask_number_again(turn, flow)
    return await _answer_from_phone(turn)


async def _answer_number(turn: _Turn, number: str, flow: dict) -> dict[str, Any]:
    result: OrderResult = await turn.call(get_order, order_number=number)
    if result.reason == "ok":
        return turn.done(_order_reply(turn, result.orders, stale=result.stale))
    if result.reason == "not_yours":
        return turn.done(turn.text("order_not_yours"))
    if result.reason == "unavailable":
        return turn.done(turn.text("marketplace_down"), handoff_reason="marketplace_unavailable")
    tries = int(flow.get("tries", 0)) + 1 if flow.get("name") == "await_order_number" else 1
    if tries >= MAX_ORDER_NUMBER_TRIES:
        return turn.done(
            turn.text("order_not_found", order_number=number), handoff_reason="order_not_found"
        )
    return turn.done(
        turn.text("order_not_found", order_number=number),
        flow={"name": "await_order_number", "tries": tries},
    )


async def _answer_from_phone(turn: _Turn) -> dict[str, Any]:
    found: CustomerOrders = await turn.call(find_customer_orders)
    if found.unavailable:
        return turn.done(turn.text("marketplace_down"), handoff_reason="marketplace_unavailable")
    if not found.orders:
        return turn.done(
            turn.text("ask_order_number"), flow={"name": "await_order_number", "tries": 0}
        )
    active = [order for order in found.orders if order.active]
    if len(active) > 1:
        options = [order.order_number for order in active]
        lines = "\n".join(
            f"{i}) {o.order_number} – {', '.join(o.items)} ({_status_text(turn, o)})"
            for i, o in enumerate(active, start=1)
        )
        return turn.done(
            turn.text("which_order", options=lines),
            flow={"name": "order_choice", "options": options, "tries": 0},
        )
    chosen = active[0] if active else found.orders[0]
    same_order = [o for o in found.orders if o.order_number == chosen.order_number]
    return turn.done(_order_reply(turn, same_order, stale=found.stale))


async def _answer_choice(turn: _Turn, flow: dict) -> dict[str, Any]:
    options: list[str] = flow.get("options", [])
    ordinal = turn.state.get("understanding", {}).get("entities", {}).get("ordinal")
    picked: str | None = None
    if ordinal is not None and options:
        index = len(options) - 1 if ordinal == -1 else ordinal - 1
        picked = options[index] if 0 <= index < len(options) else None
    if picked is None:
        picked = await _match_by_product(turn, options)
    if picked is not None:
        return await _answer_number(turn, picked, {})
    if int(flow.get("tries", 0)) + 1 >= MAX_ORDER_NUMBER_TRIES:
        return turn.done(turn.text("handoff"), handoff_reason="order_choice_unclear")
    lines = "\n".join(f"{i}) {number}" for i, number in enumerate(options, start=1))
    return turn.done(
        turn.text("which_order", options=lines),
        flow={**flow, "tries": int(flow.get("tries", 0)) + 1},
    )


async def _match_by_product(turn: _Turn, options: list[str]) -> str | None:
    """'ayakkabı olan' → the option whose items mention ayakkabı (only one may match)."""
    words = {w for w in re.findall(r"[a-z]{4,}", fold(turn.state["turn"]["text"]))}
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


def _ask_number_again(turn: _Turn, flow: dict) -> dict[str, Any]:
    tries = int(flow.get("tries", 0)) + 1
    if tries >= MAX_ORDER_NUMBER_TRIES:
        return turn.done(turn.text("handoff"), handoff_reason="no_order_number")
    return turn.done(turn.text("ask_order_number"), flow={**flow, "tries": tries})


def _order_reply(turn: _Turn, orders: list[OrderView], *, stale: bool) -> str:
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
    elif order.status in ("Awaiting", "Created", "Picking", "Invoiced", "Repack", "UnPacked"):
        key = "order_preparing"
    elif order.status == "Delivered":
        key = "order_delivered"
    else:
        key = "order_other"
    reply = turn.text(key, **values)
    return f"{reply}\n{turn.text('order_stale_note')}" if stale else reply


def _status_text(turn: _Turn, order: OrderView) -> str:
    statuses = template("status", turn.language, turn.context.tenant.settings)
    return str(statuses.get(order.status, order.status))


def _delivered_on(turn: _Turn, order: OrderView, now: dt.datetime) -> str:
    if order.delivered_at is None:
        return "-"
    tenant = turn.context.tenant
    return day_text(
        local_date(order.delivered_at, tenant.timezone),
        language=turn.language,
        today=local_date(now, tenant.timezone),
        settings=tenant.settings,
    )
