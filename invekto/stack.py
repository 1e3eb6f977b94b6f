"""Run the whole stack in this process: database, services, HTTP app and a worker.

Used by ``invekto serve``, ``simulate`` and ``bench`` (and the tests), so they all exercise the
same code: real HTTP on a loopback port, the real webhook, the real job worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from invekto.api.app import create_app
from invekto.config import Settings
from invekto.jobs import run_worker_for
from invekto.schema import migrate_all
from invekto.services import Services
from invekto.storage.db import database_url


def web_app(settings: Settings, *, services: Services | None = None) -> FastAPI:
    """The API, plus the sandbox stand-ins when the sandbox is on."""
    app = create_app(settings, services=services)
    if settings.sandbox_on:
        from invekto.sandbox.mount import mount_sandbox

        mount_sandbox(app, settings)
    return app


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    settings: Settings
    services: Services
    base_url: str


@contextlib.asynccontextmanager
async def running_stack(
    settings: Settings, *, migrate: bool = True, worker: bool = True, url: str | None = None
) -> AsyncIterator[Stack]:
    """Serve ``settings`` (its port may be 0: a free one is picked) until the block ends."""
    if settings.port == 0:
        settings = settings.model_copy(update={"port": free_port(settings.host)})
    async with contextlib.AsyncExitStack() as standins:
        if settings.sandbox_on and not settings.iyzico_base_url:
            # iyzipay opens TLS to a bare host: its stand-in is served over HTTPS with a
            # throwaway CA, which the iyzico client then trusts (and nothing else).
            from invekto.sandbox.iyzico import running_iyzico_standin

            iyzico = await standins.enter_async_context(running_iyzico_standin(settings))
            settings = settings.model_copy(
                update={"iyzico_base_url": iyzico.host_port, "iyzico_ca_file": str(iyzico.ca_file)}
            )
        async with _serving(settings, migrate=migrate, worker=worker, url=url) as stack:
            yield stack


@contextlib.asynccontextmanager
async def _serving(
    settings: Settings, *, migrate: bool, worker: bool, url: str | None
) -> AsyncIterator[Stack]:
    url = url or database_url(settings)
    if migrate:
        await migrate_all(url)
    services = await Services.start(settings, url=url)
    app = web_app(settings, services=services)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=30,
        )
    )
    tasks = [asyncio.create_task(server.serve(), name="http")]
    if worker:
        tasks.append(asyncio.create_task(run_worker_for(settings, name="stack"), name="worker"))
    try:
        while not server.started:
            if tasks[0].done():
                tasks[0].result()
                raise RuntimeError("HTTP server stopped during start-up")
            await asyncio.sleep(0.02)
        yield Stack(settings=settings, services=services, base_url=settings.base_url)
    finally:
        server.should_exit = True
        for task in tasks[1:]:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await services.close()
