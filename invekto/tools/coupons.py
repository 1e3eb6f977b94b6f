"""Coupons: a discount code offered instead of a return (changed mind), never above the
tenant's limit (``settings.discounts.max_percent``)."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel
from sqlalchemy import select

from invekto.storage.models import Coupon, utcnow

if TYPE_CHECKING:
    from invekto.graphs.conversation.context import TurnContext

DEFAULT_RETENTION_PERCENT = 10
DEFAULT_VALID_DAYS = 30
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CouponResult(BaseModel):
    reason: str  # created | not_allowed
    code: str | None = None
    percent: int = 0
    expires_at: dt.datetime | None = None


def coupon_limits(settings: dict[str, Any]) -> tuple[int, int, int]:
    """(percent to offer, the tenant's maximum, days valid). No maximum → no coupons at all."""
    discounts = settings.get("discounts") or {}
    maximum = int(discounts.get("max_percent", 0) or 0)
    offer = int(discounts.get("retention_percent", DEFAULT_RETENTION_PERCENT))
    days = int(discounts.get("coupon_valid_days", DEFAULT_VALID_DAYS))
    return min(offer, maximum), maximum, days


@tool
async def create_coupon(
    runtime: ToolRuntime, percent: int | None = None, reason: str = "changed_mind"
) -> CouponResult:
    """Create a one-time discount code for this customer, capped at the tenant's maximum."""
    context: TurnContext = runtime.context
    offer, maximum, days = coupon_limits(context.tenant.settings)
    wanted = offer if percent is None else min(int(percent), maximum)
    if wanted <= 0:
        return CouponResult(reason="not_allowed")
    async with context.services.db.tenant_session(context.tenant.id) as session:
        existing = await session.scalar(
            select(Coupon).where(
                Coupon.conversation_id == context.conversation_id, Coupon.reason == reason
            )
        )
        if existing is None:
            existing = Coupon(
                tenant_id=context.tenant.id,
                conversation_id=context.conversation_id,
                customer_id=context.customer_id,
                code="INV-" + "".join(secrets.choice(_ALPHABET) for _ in range(8)),
                percent=Decimal(wanted),
                reason=reason,
                expires_at=utcnow() + dt.timedelta(days=days),
            )
            session.add(existing)
            await session.commit()
        return CouponResult(
            reason="created",
            code=existing.code,
            percent=int(existing.percent),
            expires_at=existing.expires_at,
        )
