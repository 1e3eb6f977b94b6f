"""The fixed runtime context of one turn: who the tenant and customer are, and the narrow ports
the agents and their tools use (orders, catalogue, casework, prompts, clock).

Passed as ``context=`` to the graph. Tools read the tenant and customer from here, never from
model output, and they cannot reach the rest of the process: there is no ``services`` here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from invekto.clinic.port import ClinicDesk
from invekto.core.tenant_settings import TenantSettings
from invekto.integrations.catalog import Catalog
from invekto.integrations.orders import OrderDirectory
from invekto.prompts.content import PromptSet
from invekto.prompts.tenant import TenantPrompts
from invekto.revenue.shelf import Shelf
from invekto.storage.casework import CaseFiles


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantInfo:
    id: uuid.UUID
    slug: str
    name: str
    vertical: str
    timezone: str
    default_language: str
    business_hours: dict[str, Any]
    settings: TenantSettings
    prompts: PromptSet = field(default_factory=PromptSet)
    """The tenant's active prompt version (``tenants.prompts``)."""

    def automation_on(self, area: str) -> bool:
        """``settings.automation.enabled`` and the area's own switch (default on)."""
        return self.settings.automation_on(area)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ports:
    """Everything an agent may touch outside the conversation state. Reads only: what an agent
    wants changed, it proposes as an action (``invekto.tools.actions``)."""

    orders: OrderDirectory
    catalogue: Catalog
    casework: CaseFiles
    prompts: TenantPrompts
    clinic: ClinicDesk | None = None
    """A clinic's practice and appointments (None for a shop)."""
    shelf: Shelf | None = None
    """Offer rules, products bought together, payment providers (the revenue agent)."""
    clock: Callable[[], dt.datetime] = utc_now


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnContext:
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
    ports: Ports = field(repr=False)
