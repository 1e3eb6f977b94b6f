"""Serve the web app (``frontend/dist``, built by ``make install``) from the API.

``/assets/*`` are the build's hashed files; the app's own pages (``/login``, ``/inbox``,
``/inbox/<id>``, ``/dashboard``, ...) all answer ``index.html`` and the browser-side router
takes over, so deep links and reloads work. Only those prefixes are claimed: ``/api``,
``/webhooks``, ``/sandbox``, ``/docs``, ``/openapi.json`` and ``/healthz`` are never shadowed.

Without a build the API starts as usual and the pages answer 503 with how to build it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.types import Scope

log = logging.getLogger(__name__)

DIST = Path(__file__).resolve().parents[2] / "frontend" / "dist"
PAGES = (
    "login",
    "signup",
    "invite",
    "reset-password",
    "inbox",
    "dashboard",
    "prompts",
    "onboarding",
    "team",
    "settings",
    "outbound",
    "clinic",
    "revenue",
)
"""The first path segment of every page of the web app."""
PUBLIC_FILES = ("favicon.svg", "icons.svg")
BUILD_HINT = "make install  (or: cd frontend && npm ci && npm run build)"

_NOT_BUILT = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Invekto: web app not built</title></head>
<body style="font-family: 'Noto Sans', 'DejaVu Sans', sans-serif; margin: 3rem">
<h1>The web app is not built</h1>
<p>Build it with <code>{BUILD_HINT}</code>, then reload this page (no restart needed).</p>
<p>The API is running: <a href="/docs">/docs</a>.</p></body></html>"""


def _built(directory: object) -> bool:
    return Path(str(directory)).is_dir()  # one stat: cheap enough for the event loop


class _Assets(StaticFiles):
    """The build's ``assets/``: 404 (not a server error) while there is no build."""

    async def check_config(self) -> None:
        if _built(self.directory):
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not _built(self.directory):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def mount_webapp(app: FastAPI, dist: Path = DIST) -> None:
    """Add the web app's routes to ``app`` (the build is looked up per request)."""
    if not (dist / "index.html").is_file():
        log.warning("web app not built (%s missing): %s", dist / "index.html", BUILD_HINT)

    def index() -> Response:
        page = dist / "index.html"
        if not page.is_file():
            return HTMLResponse(_NOT_BUILT, status_code=503)
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    for name in PAGES:
        app.add_api_route(f"/{name}", index, methods=["GET"], include_in_schema=False)
        app.add_api_route(f"/{name}/{{rest:path}}", index, methods=["GET"], include_in_schema=False)
    for name in PUBLIC_FILES:

        def public(name: str = name) -> Response:
            path = dist / name
            if not path.is_file():
                return Response(status_code=404)
            return FileResponse(path)

        app.add_api_route(f"/{name}", public, methods=["GET"], include_in_schema=False)
    app.mount("/assets", _Assets(directory=dist / "assets", check_dir=False), name="assets")
