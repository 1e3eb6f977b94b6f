"""Order change requests: cancel, invoice, delivery address. The agent records a request for the
seller's team (who act on the marketplace) and tells the customer what happens next.

Every request is for one of the customer's own orders (same privacy rule as ``get_order``) and is
recorded once per conversation, so a re-run turn does not file it twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel
from sqlalchemy import select

from invekto.storage.models import ServiceRequest
from invekto.tools.orders import OrderView, lookup_order

if TYPE_CHECKING:
    from invekto.graphs.conversation.context import TurnContext

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


async def _record(
    context: TurnContext, kind: str, order_number: str, details: dict[str, Any]
) -> None:
    async with context.services.db.tenant_session(context.tenant.id) as session:
        existing = await session.scalar(
            select(ServiceRequest).where(
                ServiceRequest.kind == kind,
                ServiceRequest.order_number == order_number,
                ServiceRequest.conversation_id == context.conversation_id,
            )
        )
        if existing is None:
            session.add(
                ServiceRequest(
                    tenant_id=context.tenant.id,
                    conversation_id=context.conversation_id,
                    customer_id=context.customer_id,
                    kind=kind,
                    order_number=order_number,
                    details=details,
                )
            )
        else:
            existing.details = {**existing.details, **details}
        await session.commit()


def cancellation_policy(settings: dict[str, Any]) -> str:
    """``confirm``: a not-yet-shipped order is cancelled on request; ``review``: the team
    decides first (the default)."""
    policy = (settings.get("policies") or {}).get("cancellation", "review")
    return policy if policy in ("confirm", "review") else "review"


@tool
async def request_cancellation(order_number: str, runtime: ToolRuntime) -> RequestResult:
    """Ask the seller to cancel one of the customer's orders that has not been shipped yet."""
    context: TurnContext = runtime.context
    refused, order = await _order_for_request(context, order_number, before_shipping=True)
    if refused is not None:
        return refused
    assert order is not None
    policy = cancellation_policy(context.tenant.settings)
    await _record(context, "cancel", order.order_number, {"status": order.status, "policy": policy})
    return RequestResult(reason="recorded", order=order, policy=policy)


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
    await _record(context, "invoice", order.order_number, {"email": email})
    return RequestResult(reason="recorded", order=order)


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
    await _record(context, "address_change", order.order_number, {"new_address": new_address})
    return RequestResult(reason="recorded", order=order)
