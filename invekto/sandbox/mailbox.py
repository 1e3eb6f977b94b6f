"""Stand-in mailbox: the e-mails the app would send (invites, password resets) when no SMTP
server is configured. ``GET /sandbox/mailbox`` lists them, newest last (``?to=`` filters)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from fastapi import APIRouter

__all__ = ["MAILBOX", "Mailbox", "router"]

MAX_KEPT = 500


class Mailbox:
    """In-memory list of e-mails. Thread-safe: tests read it from outside the server."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._mails: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self._lock:
            self._mails = []

    def deliver(self, message: EmailMessage) -> None:
        """Keep ``message`` (the app's ``mail_sink``)."""
        body = message.get_body(("plain",))
        entry = {
            "received_at": datetime.now(UTC).isoformat(),
            "from": str(message["From"] or ""),
            "to": str(message["To"] or ""),
            "subject": str(message["Subject"] or ""),
            "text": body.get_content() if body is not None else "",
        }
        with self._lock:
            self._mails.append(entry)
            del self._mails[:-MAX_KEPT]

    def mails(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._mails if to is None or m["to"].lower() == to.lower()]


MAILBOX = Mailbox()
router = APIRouter(tags=["sandbox"])


@router.get("")
async def read_mailbox(to: str | None = None) -> list[dict[str, Any]]:
    """The e-mails kept, oldest first."""
    return MAILBOX.mails(to)


@router.post("/_control/reset")
async def reset() -> dict[str, bool]:
    MAILBOX.reset()
    return {"ok": True}
