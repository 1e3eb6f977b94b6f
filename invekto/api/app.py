"""Assemble the FastAPI app: routers, services and the in-process worker.

The sandbox stand-ins are mounted by ``invekto.stack.web_app``: the app's core never imports them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from invekto.api.routes import (
    auth,
    clinic,
    conversations,
    events,
    inbox,
    integrations,
    metrics,
    onboarding,
    outbound,
    outbound_inputs,
    suggestions,
    team,
    tenant,
    webhooks,
)
from invekto.api.webapp import mount_webapp
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

    # The docs pages load their scripts from this app, not a CDN: they work offline. In
    # production the API describes itself to nobody.
    described: dict = {
        "title": "Invekto",
        "version": "0.1.0",
        "lifespan": lifespan,
        "generate_unique_id_function": _operation_id,
    }
    if settings.env == "production":
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, **described)
    else:
        app = FastAPIOffline(**described)
    for module in (
        webhooks,
        auth,
        metrics,
        integrations,
        tenant,
        conversations,
        inbox,
        suggestions,
        events,
        team,
        onboarding,
        outbound,
        outbound_inputs,
        clinic,
    ):
        app.include_router(module.router)
    app.include_router(clinic.feeds)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/inbox")

    mount_webapp(app)

    return app
