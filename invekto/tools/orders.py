"""Order tools: look up one order by number, or the customer's recent orders.

Privacy: an order is shown only to the phone that placed it. A number that belongs to someone
else comes back as ``not_yours`` with no details at all.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, Field

from invekto.integrations.orders import ACTIVE_STATUSES, MarketplaceUnavailable

if TYPE_CHECKING:
    from invekto.storage.models import OrderCache
    from invekto.tools.context import TurnContext


class OrderView(BaseModel):
    """What a customer may learn about their own order."""

    order_number: str
    status: str
    items: list[str]
    cargo_provider: str | None = None
    tracking_number: str | None = None
    tracking_link: str | None = None
    order_date: dt.datetime | None = None
    estimated_delivery_start: dt.datetime | None = None
    estimated_delivery_end: dt.datetime | None = None
    delivered_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class OrderResult(BaseModel):
    reason: Literal["ok", "not_found", "not_yours", "unavailable"]
    orders: list[OrderView] = Field(default_factory=list, description="one per package")
    stale: bool = False


class CustomerOrders(BaseModel):
    orders: list[OrderView] = Field(default_factory=list)
    stale: bool = False
    unavailable: bool = False


def order_view(row: OrderCache) -> OrderView:
    items = [_item_text(line) for line in row.lines]
    return OrderView(
        order_number=row.order_number,
        status=row.status,
        items=items,
        cargo_provider=row.cargo_provider,
        tracking_number=row.tracking_number,
        tracking_link=row.tracking_link,
        order_date=row.order_date,
        estimated_delivery_start=row.estimated_delivery_start,
        estimated_delivery_end=row.estimated_delivery_end,
        delivered_at=_delivered_at(row),
    )


@tool
async def get_order(order_number: str, runtime: ToolRuntime) -> OrderResult:
    """Look up one of the customer's orders by its order number (status, cargo, tracking)."""
    return await lookup_order(runtime.context, order_number)


async def lookup_order(context: TurnContext, order_number: str) -> OrderResult:
    """The order if it belongs to the customer's phone; ``not_yours`` with nothing else if not."""
    directory = context.ports.orders
    try:
        lookup = await directory.by_number(order_number.strip())
    except MarketplaceUnavailable:
        return OrderResult(reason="unavailable")
    if not lookup.orders:
        return OrderResult(reason="not_found", stale=lookup.stale)
    if any(row.customer_phone != context.customer_phone for row in lookup.orders):
        return OrderResult(reason="not_yours")
    return OrderResult(
        reason="ok", orders=[order_view(r) for r in lookup.orders], stale=lookup.stale
    )


@tool
async def find_customer_orders(runtime: ToolRuntime) -> CustomerOrders:
    """List the customer's orders of the last 30 days, found by the phone they write from."""
    context: TurnContext = runtime.context
    directory = context.ports.orders
    try:
        lookup = await directory.for_phone(context.customer_phone)
    except MarketplaceUnavailable:
        return CustomerOrders(unavailable=True)
    return CustomerOrders(orders=[order_view(r) for r in lookup.orders], stale=lookup.stale)


def _item_text(line: dict) -> str:
    quantity = int(line.get("quantity") or 1)
    name = str(line.get("product_name") or "").strip()
    return f"{name} ×{quantity}" if quantity > 1 else name


def _delivered_at(row: OrderCache) -> dt.datetime | None:
    if row.status != "Delivered":
        return None
    for history in reversed(row.raw.get("packageHistories") or []):
        if history.get("status") == "Delivered" and history.get("createdDate"):
            return dt.datetime.fromtimestamp(history["createdDate"] / 1000, dt.UTC)
    return row.last_modified
