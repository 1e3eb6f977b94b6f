"""Assemble the FastAPI app: routers, sandbox stand-ins, services and the in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from invekto.api.routes import auth, conversations, integrations, metrics, tenant, webhooks
from invekto.config import Settings, get_settings
from invekto.services import Services

log = logging.getLogger(__name__)


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """The app. Pass ``services`` to share already-started ones (tests, CLI)."""
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or await Services.start(settings)
        worker = None
        if owned and settings.worker_in_process:
            from invekto.jobs import run_worker_for

            worker = asyncio.create_task(run_worker_for(settings, name="in-process"))
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker
            if owned:
                await app.state.services.close()

    app = FastAPI(
        title="Invekto",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    for module in (webhooks, auth, metrics, integrations, tenant, conversations):
        app.include_router(module.router)
    if settings.sandbox_on:
        _mount_sandbox(app, settings)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/sandbox/simulator" if settings.sandbox_on else "/docs")

    return app


def _mount_sandbox(app: FastAPI, settings: Settings) -> None:
    from invekto.sandbox import graph, sales_inbox, simulator, trendyol

    graph.SANDBOX_GRAPH.webhook_url = f"{settings.base_url}/webhooks/whatsapp"
    graph.SANDBOX_GRAPH.app_secret = settings.whatsapp_app_secret
    graph.SANDBOX_GRAPH.callback_delay_s = settings.sandbox_status_callback_delay_s
    app.include_router(graph.router, prefix="/sandbox/graph")
    app.include_router(trendyol.router, prefix="/sandbox/trendyol")
    app.include_router(simulator.router)
    app.include_router(sales_inbox.router, prefix="/sandbox/sales-inbox")
