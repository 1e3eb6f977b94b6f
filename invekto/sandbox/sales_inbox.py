"""Stand-in for a tenant's sales system: receives lead alert webhooks and shows what arrived.

Point a tenant's ``sales.webhook_url`` at ``{base_url}/sandbox/sales-inbox`` (and, to see the
signature checked, ``sales.webhook_secret`` at :data:`SANDBOX_SALES_SECRET`), then
``GET /sandbox/sales-inbox`` lists the alerts received, newest last.

A signed delivery is checked against the inbox's secret: a wrong signature is answered with 401
(as a real receiver would, so the alert ends ``failed``) and listed as rejected. An unsigned
delivery is accepted and listed with ``signed: false``.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from invekto.integrations.alerts import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    verify_body_signature,
)
from invekto.sandbox.demo import SANDBOX_SALES_SECRET

__all__ = ["SALES_INBOX", "SANDBOX_SALES_SECRET", "SalesInbox", "router"]

MAX_KEPT = 500


class SalesInbox:
    """In-memory list of received alerts. Thread-safe: tests read it from outside the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.secret = SANDBOX_SALES_SECRET
        self._received: list[dict[str, Any]] = []
        self.reset()

    def reset(self) -> None:
        """Forget every received alert and restore the sandbox secret."""
        with self._lock:
            self._received = []
            self.secret = SANDBOX_SALES_SECRET

    def receive(self, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
        """Record one delivery; returns the entry (``accepted`` False: bad signature or body)."""
        signature = headers.get(SIGNATURE_HEADER.lower())
        with self._lock:
            secret = self.secret
        valid = verify_body_signature(secret, body, signature) if signature else None
        payload: Any = None
        error: str | None = None
        try:
            payload = json.loads(body)
        except ValueError:
            error = "body is not JSON"
        if valid is False:
            error = "invalid signature"
        entry = {
            "received_at": datetime.now(UTC).isoformat(),
            "delivery_id": headers.get(DELIVERY_HEADER.lower()),
            "event": headers.get(EVENT_HEADER.lower()),
            "user_agent": headers.get("user-agent"),
            "signed": signature is not None,
            "signature_valid": valid,
            "accepted": error is None,
            "error": error,
            "payload": payload,
        }
        with self._lock:
            self._received.append(entry)
            del self._received[:-MAX_KEPT]
        return entry

    def received(self, *, accepted_only: bool = False) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._received)
        return [e for e in entries if e["accepted"]] if accepted_only else entries


SALES_INBOX = SalesInbox()
router = APIRouter(tags=["sandbox"])


@router.post("")
async def receive_alert(request: Request) -> JSONResponse:
    """Where lead alert webhooks land (``X-Invekto-Signature`` checked when present)."""
    entry = SALES_INBOX.receive(await request.body(), dict(request.headers))
    if entry["accepted"]:
        return JSONResponse({"received": True, "delivery_id": entry["delivery_id"]})
    status = 401 if entry["signature_valid"] is False else 400
    return JSONResponse({"received": False, "error": entry["error"]}, status_code=status)


@router.get("")
async def list_alerts(accepted_only: bool = False) -> dict[str, Any]:
    """The alerts received so far, oldest first."""
    entries = SALES_INBOX.received(accepted_only=accepted_only)
    return {"count": len(entries), "alerts": entries}


@router.post("/_control/reset")
async def reset() -> dict[str, bool]:
    SALES_INBOX.reset()
    return {"ok": True}
