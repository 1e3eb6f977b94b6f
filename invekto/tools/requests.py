"""Order change requests: cancel, invoice, delivery address. The agent proposes a request for
the seller's team (who act on the marketplace) and tells the customer what happens next; the
request is filed when that reply is sent, or when a person accepts it (``tools.actions``).

Every request is for one of the customer's own orders (same privacy rule as ``get_order``) and is
filed once per conversation, so a re-run turn does not file it twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, SerializeAsAny

from invekto.core.tenant_settings import TenantSettings
from invekto.tools.actions import Action, AddressChange, CancelRequest, InvoiceRequest
from invekto.tools.orders import OrderView, lookup_order

if TYPE_CHECKING:
    from invekto.tools.context import TurnContext

NOT_SHIPPED = {"Awaiting", "Created", "Picking", "Invoiced", "Repack", "UnPacked"}
ON_THE_WAY = {"Shipped", "AtCollectionPoint"}
CLOSED = {"Cancelled", "UnSupplied", "Returned"}

Outcome = Literal[
    "recorded", "shipped", "delivered", "closed", "not_found", "not_yours", "unavailable"
]


class RequestResult(BaseModel):
    reason: Outcome
    order: OrderView | None = None
    policy: str | None = None
    """For cancellations: the tenant's policy, ``confirm`` or ``review``."""
    action: SerializeAsAny[Action] | None = None
    """``recorded``: the request that is filed with the reply."""


async def _order_for_request(
    context: TurnContext, order_number: str, *, before_shipping: bool = False
) -> tuple[RequestResult | None, OrderView | None]:
    """The customer's order, or the result that refuses the request (not theirs, not found,
    marketplace down; with ``before_shipping`` also closed, shipped or delivered)."""
    found = await lookup_order(context, order_number)
    if found.reason != "ok":
        return RequestResult(reason=found.reason), None  # type: ignore[arg-type]
    order = next((o for o in found.orders if o.active), found.orders[0])
    if before_shipping:
        if order.status in CLOSED:
            return RequestResult(reason="closed", order=order), None
        if order.status in ON_THE_WAY:
            return RequestResult(reason="shipped", order=order), None
        if order.status == "Delivered":
            return RequestResult(reason="delivered", order=order), None
    return None, order


def cancellation_policy(settings: TenantSettings) -> str:
    """``confirm``: a not-yet-shipped order is cancelled on request; ``review``: the team
    decides first (the default)."""
    return settings.policies.cancellation


@tool
async def request_cancellation(order_number: str, runtime: ToolRuntime) -> RequestResult:
    """Ask the seller to cancel one of the customer's orders that has not been shipped yet."""
    context: TurnContext = runtime.context
    refused, order = await _order_for_request(context, order_number, before_shipping=True)
    if refused is not None:
        return refused
    assert order is not None
    policy = cancellation_policy(context.tenant.settings)
    action = CancelRequest(
        order_number=order.order_number, details={"status": order.status, "policy": policy}
    )
    return RequestResult(reason="recorded", order=order, policy=policy, action=action)


@tool
async def request_invoice(
    order_number: str, runtime: ToolRuntime, email: str | None = None
) -> RequestResult:
    """Ask the seller to send the invoice of one of the customer's orders (to an e-mail)."""
    context: TurnContext = runtime.context
    refused, order = await _order_for_request(context, order_number)
    if refused is not None:
        return refused
    assert order is not None
    action = InvoiceRequest(order_number=order.order_number, details={"email": email})
    return RequestResult(reason="recorded", order=order, action=action)


@tool
async def request_address_change(
    order_number: str, new_address: str, runtime: ToolRuntime
) -> RequestResult:
    """Ask the seller to change the delivery address of an order that has not been shipped."""
    context: TurnContext = runtime.context
    refused, order = await _order_for_request(context, order_number, before_shipping=True)
    if refused is not None:
        return refused
    assert order is not None
    action = AddressChange(order_number=order.order_number, details={"new_address": new_address})
    return RequestResult(reason="recorded", order=order, action=action)
