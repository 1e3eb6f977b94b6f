"""Return attempts: every return conversation is recorded with its reason, what was offered and
whether the sale was kept (``deflected``)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel

from invekto.storage.models import ReturnAttempt

if TYPE_CHECKING:
    from invekto.graphs.conversation.context import TurnContext


class ReturnRecord(BaseModel):
    attempt_id: str
    reason: str | None
    action: str
    deflected: bool | None


@tool
async def record_return(
    action: str,
    runtime: ToolRuntime,
    attempt_id: str | None = None,
    order_number: str | None = None,
    reason: str | None = None,
    deflected: bool | None = None,
    details: dict[str, Any] | None = None,
) -> ReturnRecord:
    """Record a step of a return conversation: the reason, the action taken
    (asked_reason | exchange_offered | exchange_accepted | coupon_offered | coupon_accepted |
    marketplace_return | handed_over) and whether the return was avoided."""
    context: TurnContext = runtime.context
    async with context.services.db.tenant_session(context.tenant.id) as session:
        # A new attempt's id comes from the inbound message: a re-run turn finds it again.
        key = (
            uuid.UUID(attempt_id)
            if attempt_id
            else uuid.uuid5(uuid.NAMESPACE_URL, f"return:{context.inbound_message_id}")
        )
        attempt = await session.get(ReturnAttempt, key)
        if attempt is None:
            attempt = ReturnAttempt(
                id=key,
                tenant_id=context.tenant.id,
                conversation_id=context.conversation_id,
                customer_id=context.customer_id,
            )
            session.add(attempt)
        attempt.action = action
        attempt.order_number = order_number or attempt.order_number
        attempt.reason = reason or attempt.reason
        if deflected is not None:
            attempt.deflected = deflected
        if details:
            attempt.details = {**(attempt.details or {}), **details}
        await session.commit()
        return ReturnRecord(
            attempt_id=str(attempt.id),
            reason=attempt.reason,
            action=attempt.action,
            deflected=attempt.deflected,
        )
