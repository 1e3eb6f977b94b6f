"""Assemble the FastAPI app: routers, services and the in-process worker.

The sandbox stand-ins are mounted by ``invekto.stack.web_app``: the app's core never imports them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import psycopg
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DataError, InterfaceError, OperationalError

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
    payments,
    prompts,
    revenue,
    suggestions,
    team,
    tenant,
    webhooks,
)
from invekto.api.webapp import mount_webapp
from invekto.config import Settings, get_settings
from invekto.jobs import readiness, run_worker_for
from invekto.services import Services

log = logging.getLogger(__name__)


async def _in_process_worker(settings: Settings) -> None:
    """The in-process worker until cancelled. ``run_worker`` already starts procrastinate's
    worker again after an outage or a crash; should the supervisor itself fail, it is logged
    and started again with the same backoff, never left dead behind a healthy API."""
    delay = settings.worker_restart_backoff_s
    while True:
        try:
            await run_worker_for(settings, name="in-process")
            return
        except Exception:
            log.exception("the in-process worker failed; starting it again in %.1f s", delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, settings.worker_restart_backoff_max_s)


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
            worker = asyncio.create_task(_in_process_worker(settings), name="in-process worker")
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
        prompts,
        revenue,
        payments,
        clinic,
    ):
        app.include_router(module.router)
    app.include_router(clinic.feeds)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers (no database, no worker)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """Readiness: 200 when the database answers, a worker's heartbeat is fresh and no
        runnable job has waited too long; 503 with the reasons otherwise."""
        try:
            ready, details = await readiness(
                timeout_s=settings.ready_timeout_s,
                max_job_wait_s=settings.ready_max_job_wait_s,
                stalled_after_s=settings.worker_stalled_after_s,
            )
        except Exception as exc:  # a probe answers, it never fails
            log.warning("readiness check failed: %s", type(exc).__name__)
            ready, details = False, {"status": "not_ready", "reasons": ["readiness check failed"]}
        return JSONResponse(details, status_code=200 if ready else 503)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/inbox")

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(psycopg.OperationalError)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # The database is down or restarting: a caller that tries again loses nothing (Meta
        # redelivers a webhook on any non-2xx), so say so instead of "something broke".
        log.warning(
            "%s %s: database unavailable (%s)", request.method, request.url.path, type(exc).__name__
        )
        return JSONResponse(
            {"detail": "the database is unavailable for a moment; try again"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(DataError)
    async def value_not_storable(request: Request, exc: Exception) -> JSONResponse:
        # A value the checks let through but PostgreSQL refuses (a NUL in a text, a number
        # past bigint, an impossible date): the caller's input, so a 422, not a 500. The
        # statement's parameters are not echoed (they may hold personal data).
        log.warning("%s %s: value refused by the database", request.method, request.url.path)
        return JSONResponse(
            {"detail": "a value of the request cannot be stored (out of range or not text)"},
            status_code=422,
        )

    mount_webapp(app)

    return app
