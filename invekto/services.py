"""The process-wide services: database, job queue, checkpointer, graph and API clients.

One ``Services`` per process (API server, worker, CLI), started once and closed at exit.
Tasks reach it through ``current()``; the API through ``request.app.state.services``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpx
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.graph.state import CompiledStateGraph
from psycopg_pool import AsyncConnectionPool

from invekto.channels.whatsapp.client import WhatsAppClient
from invekto.channels.whatsapp.templates import WabaClient
from invekto.config import Settings
from invekto.graphs.checkpoint import checkpoint_pool
from invekto.integrations.payments.base import PaymentError, PaymentLinks
from invekto.integrations.trendyol import TrendyolClient
from invekto.jobs import bind_queue, open_pool, queue
from invekto.nlu import Understander
from invekto.security import CredentialBox
from invekto.storage.db import Database, database_url
from invekto.storage.models import Channel, IntegrationAccount

log = logging.getLogger(__name__)

_current: Services | None = None


class SharedTransport(httpx.AsyncBaseTransport):
    """One connection pool (and one TLS context) for all API clients of the process.

    Clients are cheap and short-lived (one per call, with per-tenant credentials); closing one
    must not close the pool, so ``aclose`` here does nothing and ``Services.close`` closes it.
    """

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Kept open for the other clients."""

    async def close_pool(self) -> None:
        await self._inner.aclose()


@dataclass
class Services:
    settings: Settings
    db: Database
    credentials: CredentialBox
    graph: CompiledStateGraph
    understander: Understander
    _pools: list[AsyncConnectionPool] = field(default_factory=list, repr=False)
    transport: SharedTransport = field(default_factory=SharedTransport, repr=False)

    @classmethod
    async def start(cls, settings: Settings, *, url: str | None = None) -> Services:
        """Connect everything; the schema must already be migrated (``invekto migrate``)."""
        settings.check_production()
        from invekto.graphs.conversation.graph import GraphDeps, build_graph

        url = url or database_url(settings)
        job_pool = open_pool(url, max_size=settings.db_pool_size)
        graph_pool = checkpoint_pool(url, max_size=settings.db_pool_size)
        await job_pool.open()
        await graph_pool.open()
        await bind_queue(job_pool)
        understander = await asyncio.to_thread(load_understander, settings)
        await asyncio.to_thread(warm_guards)
        db = Database.connect(settings, url)
        services = cls(
            settings=settings,
            db=db,
            credentials=CredentialBox(settings.resolved_secret_key()),
            graph=None,  # type: ignore[arg-type]
            understander=understander,
            _pools=[job_pool, graph_pool],
        )
        # The graph asks for the understander on every turn, so a new one (a retrained model,
        # an LLM switched on) takes effect without a restart.
        services.graph = build_graph(
            AsyncPostgresSaver(graph_pool),  # type: ignore[arg-type]
            deps=GraphDeps(
                db=db, app_settings=settings, understander=lambda: services.understander
            ),
        )
        set_current(services)
        return services

    async def close(self) -> None:
        global _current
        if _current is self:
            _current = None
        with contextlib.suppress(Exception):
            await queue.close_async()
        await self.db.dispose()
        await self.transport.close_pool()
        for pool in self._pools:
            await pool.close()

    def whatsapp_client(self, channel: Channel) -> WhatsAppClient:
        secrets = self.credentials.open(channel.credentials) if channel.credentials else {}
        return WhatsAppClient(
            graph_base=secrets.get("graph_base") or self.settings.graph_base,
            api_version=self.settings.whatsapp_api_version,
            phone_number_id=channel.phone_number_id,
            access_token=secrets.get("access_token", ""),
            timeout_s=self.settings.whatsapp_timeout_s,
            max_attempts=self.settings.whatsapp_max_attempts,
            transport=self.transport,
        )

    def waba_client(self, channel: Channel) -> WabaClient:
        """Template management of the channel's WhatsApp Business Account (``channel.waba_id``;
        ValueError when the channel has none)."""
        secrets = self.credentials.open(channel.credentials) if channel.credentials else {}
        return WabaClient(
            graph_base=secrets.get("graph_base") or self.settings.graph_base,
            api_version=self.settings.whatsapp_api_version,
            waba_id=channel.waba_id,
            access_token=secrets.get("access_token", ""),
            timeout_s=self.settings.whatsapp_timeout_s,
            transport=self.transport,
        )

    def trendyol_client(self, account: IntegrationAccount) -> TrendyolClient:
        secrets: dict[str, Any] = self.credentials.open(account.credentials)
        return TrendyolClient(
            # A stored base URL is used only when it is one we allow (never an address a user
            # typed: the periodic sync would send the seller's key there).
            base_url=account.base_url
            if (account.base_url or "").rstrip("/") in self.settings.trendyol_bases
            else self.settings.trendyol_base,
            seller_id=account.external_id,
            api_key=secrets["api_key"],
            api_secret=secrets["api_secret"],
            integrator_name=self.settings.trendyol_integrator_name,
            timeout_s=self.settings.trendyol_timeout_s,
            max_attempts=self.settings.trendyol_max_attempts,
            backoff_s=self.settings.trendyol_backoff_s,
            transport=self.transport,
        )

    def payment_client(self, account: IntegrationAccount) -> PaymentLinks:
        """The provider client of a tenant's connected iyzico or PayTR account."""
        from invekto.integrations.payments import IyzicoClient, PaytrClient

        secrets: dict[str, Any] = self.credentials.open(account.credentials)
        if account.provider == "iyzico":
            if not self.settings.iyzico_base_url:
                raise PaymentError(
                    "no iyzico host configured (INVEKTO_IYZICO_BASE_URL)", retryable=False
                )
            context = (
                ssl.create_default_context(cafile=self.settings.iyzico_ca_file)
                if self.settings.iyzico_ca_file
                else None
            )
            return IyzicoClient(
                secrets["api_key"],
                secrets["secret_key"],
                self.settings.iyzico_base_url,
                ssl_context=context,
                timeout_s=self.settings.iyzico_timeout_s,
            )
        if account.provider == "paytr":
            return PaytrClient(
                account.external_id,
                secrets["merchant_key"],
                secrets["merchant_salt"],
                self.settings.paytr_base,
                transport=self.transport,
                timeout_s=self.settings.paytr_timeout_s,
            )
        raise PaymentError(f"{account.provider} makes no payment links", retryable=False)


def warm_guards() -> None:
    """The PII analyzer and the output guard, loaded before the first message."""
    from invekto.guardrails.output import warm
    from invekto.guardrails.traces import redact_traces

    warm()
    redact_traces()


def load_understander(settings: Settings) -> Understander:
    """The local model (trained on first use, then cached), behind the LLM when one is set."""
    from invekto.nlu.llm import with_llm
    from invekto.nlu.local import shared_local

    return with_llm(shared_local(settings.nlu_dir), settings)


def set_current(services: Services | None) -> None:
    global _current
    _current = services


def current() -> Services:
    if _current is None:
        raise RuntimeError("services are not started in this process")
    return _current
