"""The fixed runtime context of one turn: who the tenant and customer are, and the services."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from invekto.nlu.types import Understander
    from invekto.services import Services


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantInfo:
    id: uuid.UUID
    slug: str
    name: str
    vertical: str
    timezone: str
    default_language: str
    business_hours: dict[str, Any]
    settings: dict[str, Any]

    def automation_on(self, area: str) -> bool:
        """``settings.automation.enabled`` and the area's own switch (default on)."""
        automation = self.settings.get("automation", {})
        return bool(automation.get("enabled", True)) and bool(automation.get(area, True))


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnContext:
    """Passed as ``context=`` to the graph. Tools read the tenant and customer from here,
    never from model output."""

    tenant: TenantInfo
    conversation_id: uuid.UUID
    conversation_status: str
    customer_id: uuid.UUID
    customer_phone: str
    customer_name: str
    channel_id: uuid.UUID
    inbound_message_id: uuid.UUID
    received_at: dt.datetime
    started_at: float
    """``time.perf_counter()`` when processing of this turn began (for processing_ms)."""
    services: Services = field(repr=False)
    understander: Understander = field(repr=False)
