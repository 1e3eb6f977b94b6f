"""Coupons: a discount code offered instead of a return (changed mind), never above the
tenant's limit (``settings.discounts.max_percent``). The code is proposed with the offer and
exists once that reply is sent or a person accepts it (``tools.actions.CouponOffer``)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import TYPE_CHECKING

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, SerializeAsAny

from invekto.core.tenant_settings import TenantSettings
from invekto.tools.actions import Action, CouponOffer, max_discount

if TYPE_CHECKING:
    from invekto.tools.context import TurnContext

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
COUPON_CODE = re.compile(r"\bINV-[A-Z0-9]{8}\b")
"""A coupon code as ``create_coupon`` makes it (random: reports mask it to stay comparable)."""


class CouponResult(BaseModel):
    reason: str  # created | not_allowed
    code: str | None = None
    percent: int = 0
    expires_at: dt.datetime | None = None
    action: SerializeAsAny[Action] | None = None
    """The coupon to create with the reply (None when this conversation already has it)."""


def coupon_limits(settings: TenantSettings) -> tuple[int, int, int]:
    """(percent to offer, the tenant's maximum, days valid). No maximum → no coupons at all."""
    discounts = settings.discounts
    maximum = max_discount(settings)
    return min(discounts.retention_percent, maximum), maximum, discounts.coupon_valid_days


@tool
async def create_coupon(
    runtime: ToolRuntime, percent: int | None = None, reason: str = "changed_mind"
) -> CouponResult:
    """Offer a one-time discount code to this customer, capped at the tenant's maximum."""
    context: TurnContext = runtime.context
    offer, maximum, days = coupon_limits(context.tenant.settings)
    wanted = offer if percent is None else min(int(percent), maximum)
    if wanted <= 0:
        return CouponResult(reason="not_allowed")
    existing = await context.ports.casework.coupon(context.conversation_id, reason)
    if existing is not None:
        return CouponResult(
            reason="created",
            code=existing.code,
            percent=int(existing.percent),
            expires_at=existing.expires_at,
        )
    code = "INV-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return CouponResult(
        reason="created",
        code=code,
        percent=wanted,
        expires_at=context.ports.clock() + dt.timedelta(days=days),
        action=CouponOffer(code=code, percent=wanted, reason=reason, valid_days=days),
    )
