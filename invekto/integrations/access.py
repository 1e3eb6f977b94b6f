"""What the integrations need from the process, as a narrow port: the database, the settings,
the shared HTTP transport and a Trendyol client for an account. ``invekto.services.Services``
provides it; tests may pass anything with the same shape."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import httpx

from invekto.config import Settings
from invekto.storage.db import Database
from invekto.storage.models import IntegrationAccount


class MarketplaceAccess(Protocol):
    settings: Settings
    db: Database
    transport: httpx.AsyncBaseTransport

    def trendyol_client(self, account: IntegrationAccount) -> AbstractAsyncContextManager[Any]: ...
