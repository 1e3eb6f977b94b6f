"""Return attempts: every return conversation is recorded with its reason, what was offered and
whether the sale was kept (``deflected``). Each step is proposed with its reply and recorded
when that reply is sent or accepted (``tools.actions.ReturnStep``)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, SerializeAsAny

from invekto.tools.actions import Action, ReturnStep

if TYPE_CHECKING:
    from invekto.tools.context import TurnContext


class ReturnRecord(BaseModel):
    attempt_id: str
    reason: str | None
    action: str
    deflected: bool | None
    proposal: SerializeAsAny[Action] | None = None


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
    # A new attempt's id comes from the inbound message: a re-run turn finds it again.
    key = attempt_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"return:{context.inbound_message_id}"))
    step = ReturnStep(
        attempt_id=key,
        step=action,
        order_number=order_number,
        reason=reason,
        deflected=deflected,
        details=details or {},
    )
    return ReturnRecord(
        attempt_id=key, reason=reason, action=action, deflected=deflected, proposal=step
    )
