"""The WhatsApp Graph API stand-in: takes sends, keeps an outbox, posts signed status callbacks."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import logging
import re
import secrets
import ssl
import threading
import time
import zlib
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from invekto.channels.base import render_template_text
from invekto.channels.whatsapp.parse import (
    SANDBOX_WABA_ID,
    build_status_webhook,
    build_template_category_webhook,
    build_template_status_webhook,
    build_user_preferences_webhook,
    new_message_id,
)
from invekto.channels.whatsapp.signature import SIGNATURE_HEADER, sign
from invekto.config import get_settings
from invekto.sandbox.demo import DEMO_TENANTS
from invekto.storage.models import Channel

logger = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
WindowErrorMode = Literal["sync", "async"]
TemplateReview = Literal["immediate", "manual"]
DEMO_WABA_IDS = {demo.phone_number_id: f"10{demo.phone_number_id}" for demo in DEMO_TENANTS}
"""The demo numbers' WhatsApp Business Accounts (``channels.waba_id`` of the seeded channels,
see ``invekto.sandbox.seed``)."""
DEFAULT_THROUGHPUT = 80
"""Messages per second per number before 130429 (WIRE 1.5)."""
TEMPLATE_CREATIONS_PER_HOUR = 100
TEMPLATE_EXISTS_SUBCODE = 2388024
BUILTIN_TEMPLATES = frozenset(
    {("hello_world", "en_US"), ("order_update", "tr"), ("follow_up", "tr")}
)
"""Approved in every WABA, parameters not checked (Meta gives every WABA ``hello_world``;
the others are what the reply path sent before templates were managed). Any other template
must be created in the number's WABA and approved (else 132001)."""
_TEMPLATE_NAME = re.compile(r"[a-z0-9_]{1,512}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
_CATEGORIES = frozenset({"UTILITY", "MARKETING", "AUTHENTICATION"})
_CONTROL_EVENTS = {
    "approve": "APPROVED",
    "reject": "REJECTED",
    "pause": "PAUSED",
    "disable": "DISABLED",
    "reinstate": "REINSTATED",
    "flag": "FLAGGED",
}
_VERSION = re.compile(r"v\d+\.\d+")
_PHONE = re.compile(r"\+?\d{6,15}")
_MESSAGE_TYPES = frozenset(
    {"text", "template", "interactive", "image", "audio", "video", "document", "sticker"}
    | {"location", "contacts", "reaction"}
)
_ERROR_TITLES = {
    4: "Application request limit reached",
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving "
    "marketing messages on WhatsApp from your business.",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    80008: "Too many template creations for this WhatsApp Business Account",
}
_WINDOW_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number."
)
_CODE_FOR_STATUS = {401: 190, 429: 130429}
_STATUS_FOR_CODE = {190: 401, 130429: 429, 131000: 500}


class GraphApiError(Exception):
    """A refusal the stand-in answers with Graph's error envelope."""

    def __init__(
        self,
        status: int,
        code: int,
        details: str | None = None,
        *,
        subcode: int | None = None,
        user_message: str | None = None,
    ) -> None:
        super().__init__(f"HTTP {status}, code {code}: {details}")
        self.status = status
        self.code = code
        self.details = details
        self.subcode = subcode
        self.user_message = user_message

    def envelope(self) -> dict[str, Any]:
        title = _ERROR_TITLES.get(self.code, "Unknown error")
        error: dict[str, Any] = {
            "message": f"(#{self.code}) {title}" if self.code != 190 else title,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": secrets.token_urlsafe(16),
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.user_message:
            error["error_user_title"] = self.user_message[:100]
            error["error_user_msg"] = self.user_message
        return {"error": error}


def window_error() -> dict[str, Any]:
    """The ``errors[]`` item of a 131047 ``failed`` status callback."""
    return status_error(131047, _WINDOW_DETAILS)


def status_error(code: int, details: str | None = None) -> dict[str, Any]:
    """The ``errors[]`` item of a ``failed`` status callback with ``code``."""
    title = _ERROR_TITLES.get(code, "Unknown error")
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details or title},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }


@dataclass(slots=True)
class _Number:
    access_token: str
    display_phone_number: str
    waba_id: str = SANDBOX_WABA_ID


@dataclass(slots=True)
class _Template:
    """A template of a WABA as the stand-in keeps it."""

    id: str
    waba_id: str
    name: str
    language: str
    category: str
    parameter_format: str
    components: list[dict[str, Any]]
    status: str = "PENDING"
    reason: str | None = None
    ttl_seconds: int | None = None
    history: list[str] = field(default_factory=list)

    def listed(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "status": self.status,
            "category": self.category,
            "parameter_format": self.parameter_format,
            "components": self.components,
        }


@dataclass(slots=True)
class _Fault:
    status: int | None
    code: int | None
    remaining: int
    delay_s: float

    def error(self) -> GraphApiError | None:
        if self.status is None and self.code is None:
            return None
        status = self.status
        if status is None:
            status = _STATUS_FOR_CODE.get(self.code, 400) if self.code is not None else 400
        code = self.code
        if code is None:
            code = _CODE_FOR_STATUS.get(status, 131000 if status >= 500 else 131009)
        return GraphApiError(status, code, "injected by the sandbox")


class GraphSandbox:
    """In-memory state of the stand-in: numbers, outbox, customer windows, faults, switches.

    ``reset()`` forgets the outbox, windows and faults and restores the switches; the number
    registry and the callback wiring (``webhook_url``, ``app_secret``, ``callback_delay_s``) stay.
    """

    def __init__(self) -> None:
        self.webhook_url: str | None = None
        """Where status callbacks go; default ``{settings.base_url}/webhooks/whatsapp``."""
        self.app_secret: str | None = None
        """Signs the callbacks; default ``settings.whatsapp_app_secret``."""
        self.callback_delay_s: float | None = None
        """Pause before each callback; default ``settings.sandbox_status_callback_delay_s``."""
        self._numbers: dict[str, _Number] = {}
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._generation = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._outbox: list[dict[str, Any]] = []
            self._sent_to: Counter[tuple[str, str]] = Counter()
            self._inbound: dict[tuple[str, str], datetime] = {}
            self._faults: list[_Fault] = []
            self._templates: dict[str, _Template] = {}
            self._creations: dict[str, deque[float]] = {}
            self._opted_out: set[tuple[str, str]] = set()
            """(waba_id, wa_id) of customers who stopped marketing messages."""
            self._marketing_capped: Counter[tuple[str, str]] = Counter()
            """(phone_number_id, wa_id) → how many more marketing sends get 131049."""
            self._recent: dict[str, deque[float]] = {}
            self._throttled: Counter[str] = Counter()
            """phone_number_id → sends refused with 130429 (over the throughput)."""
            self._generation += 1
        self.status_callbacks = True
        self.window_error_mode: WindowErrorMode = "sync"
        self.strict_window = False
        self.template_review: TemplateReview = "immediate"
        """``immediate``: a created template is approved at once (a webhook follows);
        ``manual``: it stays PENDING until ``review_template`` (``/_control/template``)."""
        self.throughput_per_s = DEFAULT_THROUGHPUT
        self.user_error_mode: WindowErrorMode = "sync"
        """How 131050/131049 come back: the send's answer, or a ``failed`` callback."""

    def register(
        self,
        phone_number_id: str,
        access_token: str,
        *,
        display_phone_number: str | None = None,
        waba_id: str | None = None,
    ) -> None:
        """Make ``phone_number_id`` a known number that accepts ``access_token``, in the
        WhatsApp Business Account ``waba_id`` (default: one of its own)."""
        waba = waba_id or DEMO_WABA_IDS.get(phone_number_id) or _own_waba(phone_number_id)
        number = _Number(access_token, display_phone_number or phone_number_id, waba)
        with self._lock:
            self._numbers[phone_number_id] = number

    def knows_waba(self, waba_id: str) -> bool:
        with self._lock:
            return any(number.waba_id == waba_id for number in self._numbers.values())

    def waba_of(self, phone_number_id: str) -> str | None:
        with self._lock:
            number = self._numbers.get(phone_number_id)
            return number.waba_id if number else None

    def knows(self, phone_number_id: str) -> bool:
        with self._lock:
            return phone_number_id in self._numbers

    def note_inbound(self, phone_number_id: str, wa_id: str, at: datetime | None = None) -> None:
        """Record that ``wa_id`` wrote to ``phone_number_id`` (opens the 24 h window)."""
        moment = at or datetime.now(UTC)
        with self._lock:
            self._inbound[(phone_number_id, wa_id)] = (
                moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            )

    def inject(
        self,
        *,
        status: int | None = None,
        code: int | None = None,
        times: int = 1,
        delay_s: float = 0.0,
    ) -> None:
        """Make the next ``times`` sends wait ``delay_s``, then fail with status/code when given."""
        with self._lock:
            self._faults.append(_Fault(status, code, times, delay_s))

    def outbox(
        self, phone_number_id: str | None = None, to: str | None = None
    ) -> list[dict[str, Any]]:
        """Accepted sends, oldest first, optionally for one number and/or one recipient."""
        with self._lock:
            return [
                dict(entry)
                for entry in self._outbox
                if phone_number_id in (None, entry["phone_number_id"]) and to in (None, entry["to"])
            ]

    def sent_count(self, phone_number_id: str, to: str) -> int:
        """How many sends to ``to`` were accepted (cheap: for load tests that poll)."""
        with self._lock:
            return self._sent_to[(phone_number_id, to)]

    def config(self) -> dict[str, Any]:
        return {
            "status_callbacks": self.status_callbacks,
            "window_error_mode": self.window_error_mode,
            "strict_window": self.strict_window,
        }

    def full_config(self) -> dict[str, Any]:
        """``config()`` and the template/outbound switches."""
        return {
            **self.config(),
            "template_review": self.template_review,
            "throughput_per_s": self.throughput_per_s,
            "user_error_mode": self.user_error_mode,
        }

    def describe(
        self, *, version: str, phone_number_id: str, authorization: str | None
    ) -> dict[str, Any]:
        """Graph's ``GET /v{N}/{phone-number-id}``: the number's profile, or ``GraphApiError``."""
        number = self._authorize(version, phone_number_id, authorization)
        return {
            "verified_name": "Sandbox Business",
            "code_verification_status": "VERIFIED",
            "display_phone_number": number.display_phone_number,
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "id": phone_number_id,
        }

    async def accept(
        self, *, version: str, phone_number_id: str, authorization: str | None, body: bytes
    ) -> dict[str, Any]:
        """Handle one send; the success JSON, or ``GraphApiError``."""
        await self._apply_fault()
        number = self._authorize(version, phone_number_id, authorization)
        payload = _load_json(body)
        to = _validate(payload)
        self._throttle(phone_number_id)
        template = None
        refusal: dict[str, Any] | None = None
        if payload["type"] == "template":
            template = self._sendable_template(number.waba_id, payload["template"])
            refusal = self._user_refusal(number.waba_id, phone_number_id, to, template)
            if refusal is not None and self.user_error_mode == "sync":
                raise GraphApiError(400, refusal["code"], refusal["error_data"]["details"])
        window_open = payload["type"] == "template" or self._window_open(phone_number_id, to)
        if not window_open and self.window_error_mode == "sync":
            raise GraphApiError(400, 131047, _WINDOW_DETAILS)
        if not window_open:
            refusal = window_error()
        entry = self._store(phone_number_id, to, payload, failed=refusal is not None)
        if template is not None:
            entry["text"] = _render_template(template, payload["template"])
            entry["category"] = template.category
        if self.status_callbacks:
            self._schedule_callbacks(entry, number, refusal=refusal, template=template)
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": payload["to"], "wa_id": to}],
            "messages": [{"id": entry["id"], "message_status": "accepted"}],
        }

    async def _apply_fault(self) -> None:
        with self._lock:
            fault = self._faults[0] if self._faults else None
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.pop(0)
        if fault is None:
            return
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        error = fault.error()
        if error is not None:
            raise error

    def _authorize(self, version: str, phone_number_id: str, authorization: str | None) -> _Number:
        if not _VERSION.fullmatch(version):
            raise GraphApiError(400, 100, f"Unknown path components: /{version}")
        number = self._numbers.get(phone_number_id)
        if number is None:
            raise GraphApiError(
                400, 100, f"Object with ID '{phone_number_id}' does not exist or is not accessible"
            )
        if authorization != f"Bearer {number.access_token}":
            raise GraphApiError(401, 190)
        return number

    def _window_open(self, phone_number_id: str, wa_id: str) -> bool:
        with self._lock:
            last = self._inbound.get((phone_number_id, wa_id))
        if last is None:
            return not self.strict_window
        return datetime.now(UTC) - last <= CUSTOMER_SERVICE_WINDOW

    def _store(
        self, phone_number_id: str, to: str, payload: dict[str, Any], *, failed: bool
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": new_message_id("SANDBOX"),
            "phone_number_id": phone_number_id,
            "to": to,
            "type": payload["type"],
            "body": payload,
            "text": _render(payload),
            "at": datetime.now(UTC),
            "status": "failed" if failed else "accepted",
        }
        with self._lock:
            self._outbox.append(entry)
            self._sent_to[(phone_number_id, to)] += 1
        return entry

    def _schedule_callbacks(
        self,
        entry: dict[str, Any],
        number: _Number,
        *,
        refusal: dict[str, Any] | None,
        template: _Template | None = None,
    ) -> None:
        steps = (
            [("failed", [refusal])]
            if refusal is not None
            else [("sent", None), ("delivered", None), ("read", None)]
        )
        pricing = None
        if template is not None:
            pricing = {
                "billable": True,
                "pricing_model": "PMP",
                "type": "regular",
                "category": template.category.lower(),
            }
        opaque = entry["body"].get("biz_opaque_callback_data")
        self._spawn(
            self._post_statuses(
                entry,
                number,
                steps,
                self._generation,
                pricing=pricing,
                opaque=opaque if isinstance(opaque, str) else None,
            )
        )

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- throughput, consent, marketing caps --------------------------------------------------

    def throttled(self, phone_number_id: str) -> int:
        """How many sends of the number were refused for going over its throughput."""
        with self._lock:
            return self._throttled[phone_number_id]

    def _throttle(self, phone_number_id: str) -> None:
        """130429 when the number already sent ``throughput_per_s`` messages in the last second."""
        now = time.monotonic()
        with self._lock:
            recent = self._recent.setdefault(phone_number_id, deque())
            while recent and now - recent[0] >= 1.0:
                recent.popleft()
            if len(recent) >= self.throughput_per_s:
                self._throttled[phone_number_id] += 1
                raise GraphApiError(
                    429, 130429, f"over {self.throughput_per_s} messages per second"
                )
            recent.append(now)

    def _user_refusal(
        self, waba_id: str, phone_number_id: str, to: str, template: _Template
    ) -> dict[str, Any] | None:
        if template.category != "MARKETING":
            return None
        with self._lock:
            if (waba_id, to) in self._opted_out:
                return status_error(131050)
            key = (phone_number_id, to)
            if self._marketing_capped[key] > 0:
                self._marketing_capped[key] -= 1
                return status_error(131049)
        return None

    def cap_marketing(self, phone_number_id: str, wa_id: str, times: int = 1) -> None:
        """The next ``times`` marketing templates to ``wa_id`` get 131049 (0: none)."""
        with self._lock:
            self._marketing_capped[(phone_number_id, wa_id)] = max(times, 0)

    async def set_preference(
        self, phone_number_id: str, wa_id: str, value: str, detail: str = ""
    ) -> None:
        """The customer stops (``stop``) or resumes marketing messages; posts the signed
        ``user_preferences`` webhook to the app."""
        with self._lock:
            number = self._numbers.get(phone_number_id)
            if number is None:
                raise KeyError(phone_number_id)
            if value == "stop":
                self._opted_out.add((number.waba_id, wa_id))
            else:
                self._opted_out.discard((number.waba_id, wa_id))
        payload = build_user_preferences_webhook(
            phone_number_id=phone_number_id,
            display_phone_number=number.display_phone_number,
            wa_id=wa_id,
            value=value,
            detail=detail
            or (
                "User requested to stop marketing messages"
                if value == "stop"
                else "User requested to resume marketing messages"
            ),
            waba_id=number.waba_id,
        )
        await self._post_now(payload)

    # --- templates (WIRE 7.4) ----------------------------------------------------------------

    def authorize_waba(self, version: str, waba_id: str, authorization: str | None) -> None:
        if not _VERSION.fullmatch(version):
            raise GraphApiError(400, 100, f"Unknown path components: /{version}")
        with self._lock:
            tokens = {n.access_token for n in self._numbers.values() if n.waba_id == waba_id}
        if not tokens:
            raise GraphApiError(
                400, 100, f"Object with ID '{waba_id}' does not exist or is not accessible"
            )
        if authorization not in {f"Bearer {token}" for token in tokens}:
            raise GraphApiError(401, 190)

    def create_template(self, waba_id: str, body: bytes) -> dict[str, Any]:
        """``POST /{waba_id}/message_templates``: validated like Meta; PENDING, then approved
        at once (a webhook follows) unless ``template_review`` is ``manual``."""
        payload = _load_json(body)
        template = _new_template(waba_id, payload)
        now = time.monotonic()
        with self._lock:
            made = self._creations.setdefault(waba_id, deque())
            while made and now - made[0] >= 3600:
                made.popleft()
            if len(made) >= TEMPLATE_CREATIONS_PER_HOUR:
                raise GraphApiError(
                    400, 80008, f"at most {TEMPLATE_CREATIONS_PER_HOUR} creations per hour"
                )
            for other in self._templates.values():
                if (other.waba_id, other.name, other.language) == (
                    waba_id,
                    template.name,
                    template.language,
                ):
                    raise GraphApiError(
                        400,
                        100,
                        "Message template already exists",
                        subcode=TEMPLATE_EXISTS_SUBCODE,
                        user_message=f"There is already {template.language} content for "
                        f"this template. You can create a new template and try again.",
                    )
            made.append(now)
            self._templates[template.id] = template
        if self.template_review == "immediate":
            self._spawn(self._review_later(template.id, "APPROVED", None, self._generation))
        return {"id": template.id, "status": "PENDING", "category": template.category}

    def list_templates(
        self,
        waba_id: str,
        *,
        status: str | None = None,
        name: str | None = None,
        limit: int = 25,
        after: str | None = None,
    ) -> dict[str, Any]:
        """``GET /{waba_id}/message_templates`` with cursor paging."""
        with self._lock:
            found = [
                t
                for t in self._templates.values()
                if t.waba_id == waba_id
                and (status is None or t.status in status.upper().split(","))
                and (name is None or t.name == name)
            ]
        start = _cursor_index(after) if after else 0
        limit = max(1, min(limit, 100))
        page = found[start : start + limit]
        answer: dict[str, Any] = {"data": [t.listed() for t in page]}
        if page:
            cursors = {"before": _cursor(start), "after": _cursor(start + len(page) - 1 + 1)}
            answer["paging"] = {"cursors": cursors}
            if start + len(page) < len(found):
                answer["paging"]["next"] = f"?after={cursors['after']}&limit={limit}"
        return answer

    def delete_template(self, waba_id: str, name: str, hsm_id: str | None = None) -> dict[str, Any]:
        with self._lock:
            doomed = [
                t.id
                for t in self._templates.values()
                if t.waba_id == waba_id and t.name == name and hsm_id in (None, t.id)
            ]
            if not doomed:
                raise GraphApiError(404, 100, f"template {name!r} does not exist")
            for template_id in doomed:
                del self._templates[template_id]
        return {"success": True}

    def templates(self, waba_id: str | None = None) -> list[dict[str, Any]]:
        """Every template kept (for tests and the control API)."""
        with self._lock:
            return [
                {**t.listed(), "waba_id": t.waba_id, "reason": t.reason}
                for t in self._templates.values()
                if waba_id in (None, t.waba_id)
            ]

    async def review_template(
        self,
        *,
        name: str,
        language: str,
        action: str,
        waba_id: str | None = None,
        reason: str | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        """Script Meta's review: approve, reject (with a reason), pause, disable, reinstate,
        flag, or ``category`` (a new category); posts the signed webhook to the app."""
        with self._lock:
            matching = [
                t
                for t in self._templates.values()
                if t.name == name and t.language == language and waba_id in (None, t.waba_id)
            ]
        if len(matching) != 1:
            raise KeyError(f"{len(matching)} templates named {name!r} in {language!r}")
        template = matching[0]
        if action == "category":
            new = (category or "").upper()
            if new not in _CATEGORIES:
                raise ValueError("category must be UTILITY, MARKETING or AUTHENTICATION")
            previous, template.category = template.category, new
            await self._post_now(
                build_template_category_webhook(
                    waba_id=template.waba_id,
                    template_id=template.id,
                    name=template.name,
                    language=template.language,
                    new_category=new,
                    previous_category=previous,
                )
            )
            return template.listed()
        event = _CONTROL_EVENTS.get(action)
        if event is None:
            raise ValueError(f"unknown action {action!r}")
        await self._review(template, event, reason)
        return template.listed()

    async def _review_later(
        self, template_id: str, event: str, reason: str | None, generation: int
    ) -> None:
        settings = get_settings()
        delay = self.callback_delay_s
        await asyncio.sleep(settings.sandbox_status_callback_delay_s if delay is None else delay)
        with self._lock:
            template = self._templates.get(template_id)
        if template is None or generation != self._generation or template.status != "PENDING":
            return
        await self._review(template, event, reason)

    async def _review(self, template: _Template, event: str, reason: str | None) -> None:
        if event not in ("FLAGGED",):
            template.status = "APPROVED" if event == "REINSTATED" else event
        template.reason = reason
        template.history.append(event)
        await self._post_now(
            build_template_status_webhook(
                waba_id=template.waba_id,
                event=event,
                template_id=template.id,
                name=template.name,
                language=template.language,
                category=template.category,
                reason=reason,
            )
        )

    def _sendable_template(self, waba_id: str, content: dict[str, Any]) -> _Template:
        """The APPROVED template a send names, its parameters checked (132001 / 132000)."""
        name, code = content.get("name"), content["language"].get("code")
        if (name, code) in BUILTIN_TEMPLATES:
            return _Template(
                "0", waba_id, str(name), str(code), "UTILITY", "POSITIONAL", [], "APPROVED"
            )
        with self._lock:
            template = next(
                (
                    t
                    for t in self._templates.values()
                    if (t.waba_id, t.name, t.language) == (waba_id, name, code)
                ),
                None,
            )
        if template is None or template.status != "APPROVED":
            state = "does not exist" if template is None else f"is {template.status}"
            raise GraphApiError(400, 132001, f"template name ({name}) {state} in {code}")
        _check_template_parameters(template, content)
        return template

    async def _post_now(self, payload: dict[str, Any]) -> None:
        settings = get_settings()
        url = self.webhook_url or f"{settings.base_url}/webhooks/whatsapp"
        secret = self.app_secret or settings.whatsapp_app_secret
        async with httpx.AsyncClient(timeout=5.0, verify=_tls_context()) as http:
            await _post_signed(http, url, secret, payload)

    async def _post_statuses(
        self,
        entry: dict[str, Any],
        number: _Number,
        steps: list[tuple[str, list[dict[str, Any]] | None]],
        generation: int,
        *,
        pricing: dict[str, Any] | None = None,
        opaque: str | None = None,
    ) -> None:
        settings = get_settings()
        delay = self.callback_delay_s
        delay = settings.sandbox_status_callback_delay_s if delay is None else delay
        url = self.webhook_url or f"{settings.base_url}/webhooks/whatsapp"
        secret = self.app_secret or settings.whatsapp_app_secret
        async with httpx.AsyncClient(timeout=5.0, verify=_tls_context()) as http:
            for status, errors in steps:
                await asyncio.sleep(delay)
                if generation != self._generation:
                    return
                entry["status"] = status
                payload = build_status_webhook(
                    phone_number_id=entry["phone_number_id"],
                    display_phone_number=number.display_phone_number,
                    message_id=entry["id"],
                    recipient=entry["to"],
                    status=status,
                    errors=errors,
                    waba_id=number.waba_id,
                    biz_opaque_callback_data=opaque,
                    pricing=pricing,
                )
                await _post_signed(http, url, secret, payload)


def _own_waba(phone_number_id: str) -> str:
    """A number registered without a WABA gets one of its own (digits, stable)."""
    return f"9{zlib.crc32(phone_number_id.encode()):010d}"


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"i:{index}".encode()).decode().rstrip("=")


def _cursor_index(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        index = int(text.removeprefix("i:")) if text.startswith("i:") else -1
    except (ValueError, UnicodeDecodeError):
        index = -1
    if not 0 <= index < 1_000_000:
        raise GraphApiError(400, 100, "Invalid paging cursor")
    return index


def _new_template(waba_id: str, payload: dict[str, Any]) -> _Template:
    """A creation body checked like Meta does (WIRE 7.2, 7.4, 7.5); 100 with the reason."""
    name = payload.get("name")
    if not isinstance(name, str) or not _TEMPLATE_NAME.fullmatch(name):
        raise GraphApiError(400, 100, "name must be 1-512 lowercase letters, digits or _")
    language = payload.get("language")
    if not isinstance(language, str) or not _LANGUAGE_CODE.fullmatch(language):
        raise GraphApiError(400, 100, "language must be a language code (tr, en, en_US...)")
    category = payload.get("category")
    if category not in _CATEGORIES:
        raise GraphApiError(400, 100, "category must be UTILITY, MARKETING or AUTHENTICATION")
    parameter_format = payload.get("parameter_format", "POSITIONAL")
    if parameter_format not in ("POSITIONAL", "NAMED"):
        raise GraphApiError(400, 100, "parameter_format must be POSITIONAL or NAMED")
    ttl = payload.get("message_send_ttl_seconds")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 30):
        raise GraphApiError(400, 100, "message_send_ttl_seconds must be a number ≥ 30")
    components = payload.get("components")
    if not isinstance(components, list) or not 1 <= len(components) <= 4:
        raise GraphApiError(400, 100, "components must be a list of 1 to 4 components")
    kinds = [c.get("type") if isinstance(c, dict) else None for c in components]
    if kinds.count("BODY") != 1 or len(set(kinds)) != len(kinds):
        raise GraphApiError(400, 100, "exactly one BODY, and each component type once")
    named = parameter_format == "NAMED"
    for component in components:
        _check_component(component, named)
    return _Template(
        id=str(secrets.randbelow(9 * 10**14) + 10**15),
        waba_id=waba_id,
        name=name,
        language=language,
        category=category,
        parameter_format=parameter_format,
        components=components,
        ttl_seconds=ttl,
    )


def _check_component(component: dict[str, Any], named: bool) -> None:
    kind = component["type"]
    if kind == "BUTTONS":
        _check_template_buttons(component.get("buttons"))
        return
    if kind not in ("HEADER", "BODY", "FOOTER"):
        raise GraphApiError(400, 100, f"unknown component type {str(kind)[:40]!r}")
    if kind == "HEADER" and component.get("format", "TEXT") != "TEXT":
        return  # media headers: an example handle, not checked here
    text = component.get("text")
    limit = {"HEADER": 60, "BODY": 1024, "FOOTER": 60}[kind]
    if not isinstance(text, str) or not 1 <= len(text) <= limit:
        raise GraphApiError(400, 100, f"{kind} text must be 1 to {limit} characters")
    tokens = _PLACEHOLDER.findall(text)
    if text.count("{{") != len(tokens) or text.count("}}") != len(tokens):
        raise GraphApiError(400, 100, f"{kind} has malformed placeholders")
    if kind == "FOOTER" and tokens:
        raise GraphApiError(400, 100, "FOOTER may not hold variables")
    if kind == "HEADER" and len(tokens) > 1:
        raise GraphApiError(400, 100, "a text HEADER holds at most one variable")
    if (
        kind == "BODY"
        and tokens
        and (_PLACEHOLDER.match(text.strip()) or re.search(r"\}\}$", text.strip()))
    ):
        raise GraphApiError(400, 100, "Variables can't be at the start or end of the template")
    if not tokens:
        return
    distinct = list(dict.fromkeys(tokens))
    example = component.get("example")
    example = example if isinstance(example, dict) else {}
    prefix = "header_text" if kind == "HEADER" else "body_text"
    if named:
        if any(token.isdigit() for token in distinct):
            raise GraphApiError(400, 100, "NAMED templates use {{name}} placeholders")
        given = example.get(f"{prefix}_named_params")
        names = (
            [p.get("param_name") for p in given if isinstance(p, dict)]
            if isinstance(given, list)
            else []
        )
        if sorted(names) != sorted(distinct) or not all(
            isinstance(p, dict) and p.get("example") for p in given or []
        ):
            raise GraphApiError(400, 100, f"{kind} needs an example for every named parameter")
        return
    if sorted(int(t) if t.isdigit() else 0 for t in distinct) != list(range(1, len(distinct) + 1)):
        raise GraphApiError(400, 100, f"{kind} placeholders must be {{{{1}}}}..{{{{n}}}}")
    given = example.get(prefix)
    values = given[0] if kind == "BODY" and isinstance(given, list) and given else given
    if not isinstance(values, list) or len(values) != len(distinct) or not all(values):
        raise GraphApiError(400, 100, f"{kind} needs one example per parameter")


def _check_template_buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 10:
        raise GraphApiError(400, 100, "BUTTONS holds 1 to 10 buttons")
    kinds = [b.get("type") if isinstance(b, dict) else None for b in buttons]
    if kinds.count("URL") > 2:
        raise GraphApiError(400, 100, "at most 2 URL buttons")
    titles = []
    for button, kind in zip(buttons, kinds, strict=True):
        text = button.get("text") if isinstance(button, dict) else None
        limit = 20 if kind == "QUICK_REPLY" else 25
        if kind not in ("QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE"):
            raise GraphApiError(400, 100, f"unknown button type {str(kind)[:40]!r}")
        if not isinstance(text, str) or not 1 <= len(text) <= limit:
            raise GraphApiError(400, 100, f"a {kind} button title is 1 to {limit} characters")
        if kind == "QUICK_REPLY":
            titles.append(text.casefold())
        if kind == "URL":
            url = button.get("url")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise GraphApiError(400, 100, "a URL button needs an http(s) url")
            if "{{" in url and not (url.endswith("{{1}}") and button.get("example")):
                raise GraphApiError(400, 100, "a URL's variable is {{1}} at its end, with example")
    if len(set(titles)) != len(titles):
        raise GraphApiError(400, 100, "quick-reply titles must be unique")


def _template_variables(template: _Template) -> dict[str, list[str]]:
    """The distinct placeholders of the header and the body."""
    found: dict[str, list[str]] = {}
    for component in template.components:
        if component.get("type") in ("HEADER", "BODY") and isinstance(component.get("text"), str):
            found[component["type"].lower()] = list(
                dict.fromkeys(_PLACEHOLDER.findall(component["text"]))
            )
    return found


def _sent_parameters(content: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for component in content.get("components") or []:
        if not isinstance(component, dict):
            raise GraphApiError(400, 131009, "template.components items must be objects")
        kind = str(component.get("type", "")).lower()
        if kind in ("header", "body"):
            parameters = component.get("parameters")
            if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
                raise GraphApiError(400, 131009, f"{kind}.parameters must be a list of objects")
            found[kind] = parameters
    return found


def _check_template_parameters(template: _Template, content: dict[str, Any]) -> None:
    """132000 when the header/body parameters do not match the template's placeholders."""
    sent = _sent_parameters(content)
    for kind, expected in _template_variables(template).items():
        given = sent.get(kind, [])
        if len(given) != len(expected):
            raise GraphApiError(
                400,
                132000,
                f"{kind}: expected {len(expected)} parameters, got {len(given)}",
            )
        if template.parameter_format == "NAMED":
            names = [p.get("parameter_name") for p in given]
            if sorted(map(str, names)) != sorted(expected):
                raise GraphApiError(400, 132000, f"{kind}: parameter names do not match")
        for parameter in given:
            value = parameter.get("text")
            if parameter.get("type", "text") == "text" and (
                not isinstance(value, str) or not value.strip() or len(value) > 1024
            ):
                raise GraphApiError(400, 131009, f"{kind}: a text parameter is empty or too long")
    for kind in sent:
        if kind not in _template_variables(template) and sent[kind]:
            raise GraphApiError(400, 132000, f"{kind}: the template takes no parameters")


def _render_template(template: _Template, content: dict[str, Any]) -> str:
    """A template send as the customer reads it (header, body, footer, button titles)."""
    if not template.components:
        return render_template_text(template.name, _template_parameters(content))
    sent = _sent_parameters(content)
    lines: list[str] = []
    titles: list[str] = []
    for component in template.components:
        kind = component.get("type")
        if kind in ("HEADER", "BODY", "FOOTER") and isinstance(component.get("text"), str):
            given = sent.get(str(kind).lower(), [])
            by_name = {str(p.get("parameter_name")): str(p.get("text", "")) for p in given}
            by_number = {str(i + 1): str(p.get("text", "")) for i, p in enumerate(given)}
            values = by_name if template.parameter_format == "NAMED" else by_number
            lines.append(
                _PLACEHOLDER.sub(
                    lambda m, v=values: v.get(m.group(1), m.group(0)), component["text"]
                )  # type: ignore[misc]
            )
        elif kind == "BUTTONS":
            titles = [str(b.get("text", "")) for b in component.get("buttons") or []]
    if titles:
        lines.append(" ".join(f"[{title}]" for title in titles))
    return "\n".join(lines)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Loading the CA bundle costs ~30 ms; a callback client per send must not pay it each time."""
    return httpx.create_ssl_context()


async def _post_signed(
    http: httpx.AsyncClient, url: str, secret: str, payload: dict[str, Any]
) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
    try:
        response = await http.post(url, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        logger.warning("sandbox status callback to %s failed: %r", url, exc)
        return
    if not response.is_success:
        logger.warning("sandbox status callback to %s got HTTP %d", url, response.status_code)


def _load_json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise GraphApiError(400, 100, "The request body must be a JSON object")
    return payload


def _validate(payload: dict[str, Any]) -> str:
    """Check the send body like Graph does; the recipient's wa_id."""
    for key in ("messaging_product", "to", "type"):
        _require(payload, key, "")
    if payload["messaging_product"] != "whatsapp":
        raise GraphApiError(400, 131009, "messaging_product must be 'whatsapp'")
    if not isinstance(payload["to"], str) or not _PHONE.fullmatch(payload["to"]):
        raise GraphApiError(400, 131009, "to must be a phone number")
    message_type = payload["type"]
    if message_type not in _MESSAGE_TYPES:
        raise GraphApiError(400, 131009, f"unsupported type {message_type!r}")
    content = _require(payload, message_type, "")
    if not isinstance(content, dict):
        raise GraphApiError(400, 131009, f"{message_type} must be an object")
    opaque = payload.get("biz_opaque_callback_data")
    if opaque is not None and (not isinstance(opaque, str) or len(opaque) > 512):
        raise GraphApiError(400, 131009, "biz_opaque_callback_data is at most 512 characters")
    _CONTENT_CHECKS.get(message_type, lambda _: None)(content)
    return payload["to"].lstrip("+")


def _check_text(text: dict[str, Any]) -> None:
    body = _require(text, "body", "text.")
    if not isinstance(body, str) or len(body) > 4096:
        raise GraphApiError(400, 131009, "text.body must be a string of at most 4096 characters")


def _check_template(template: dict[str, Any]) -> None:
    _require(template, "name", "template.")
    language = _require(template, "language", "template.")
    if not isinstance(language, dict) or not language.get("code"):
        raise GraphApiError(400, 131008, "template.language.code is required")


def _check_interactive(interactive: dict[str, Any]) -> None:
    _require(interactive, "type", "interactive.")
    body = _require(interactive, "body", "interactive.")
    if not isinstance(body, dict) or not body.get("text"):
        raise GraphApiError(400, 131008, "interactive.body.text is required")
    action = _require(interactive, "action", "interactive.")
    if interactive["type"] == "button":
        _check_buttons(action.get("buttons") if isinstance(action, dict) else None)


def _check_buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise GraphApiError(400, 131009, "action.buttons must hold 1 to 3 buttons")
    for button in buttons:
        reply = button.get("reply") if isinstance(button, dict) else None
        title = reply.get("title") if isinstance(reply, dict) else None
        if not isinstance(title, str) or not 1 <= len(title) <= 20 or not reply.get("id"):
            raise GraphApiError(400, 131009, "each button needs an id and a 1-20 character title")


_CONTENT_CHECKS = {
    "text": _check_text,
    "template": _check_template,
    "interactive": _check_interactive,
}


def _require(obj: dict[str, Any], key: str, where: str) -> Any:
    if obj.get(key) in (None, ""):
        raise GraphApiError(400, 131008, f"The parameter {where}{key} is required")
    return obj[key]


def _render(payload: dict[str, Any]) -> str:
    """The readable text of a send, as the outbox shows it."""
    content = payload[payload["type"]]
    if payload["type"] == "text":
        return content["body"]
    if payload["type"] == "template":
        return render_template_text(content["name"], _template_parameters(content))
    if payload["type"] == "interactive":
        return content["body"]["text"]
    return f"[{payload['type']}]"


def _template_parameters(template: dict[str, Any]) -> list[str]:
    return [
        str(parameter.get("text", ""))
        for component in template.get("components") or []
        if isinstance(component, dict) and component.get("type") == "body"
        for parameter in component.get("parameters") or []
        if isinstance(parameter, dict)
    ]


SANDBOX_GRAPH = GraphSandbox()
for _tenant in DEMO_TENANTS:
    SANDBOX_GRAPH.register(
        _tenant.phone_number_id,
        _tenant.access_token,
        display_phone_number=_tenant.display_phone_number,
    )

router = APIRouter(tags=["sandbox"])


class InjectRequest(BaseModel):
    status: int | None = None
    code: int | None = None
    times: int = Field(default=1, ge=1)
    delay_s: float = Field(default=0.0, ge=0.0)


class InboundRequest(BaseModel):
    phone_number_id: str
    wa_id: str
    at: AwareDatetime | None = None


class ConfigRequest(BaseModel):
    status_callbacks: bool | None = None
    window_error_mode: WindowErrorMode | None = None
    strict_window: bool | None = None
    template_review: TemplateReview | None = None
    throughput_per_s: int | None = Field(default=None, ge=1, le=10_000)
    user_error_mode: WindowErrorMode | None = None


_BASE_CONFIG = frozenset({"status_callbacks", "window_error_mode", "strict_window"})


class TemplateControl(BaseModel):
    """Script Meta's review of one template (``/_control/template``)."""

    name: str = Field(max_length=512)
    language: str = Field(max_length=16)
    action: Literal["approve", "reject", "pause", "disable", "reinstate", "flag", "category"]
    waba_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=1000)
    category: Literal["UTILITY", "MARKETING", "AUTHENTICATION"] | None = None


class PreferenceControl(BaseModel):
    """A customer stops or resumes marketing messages (``/_control/user_preferences``)."""

    phone_number_id: str = Field(max_length=64)
    wa_id: str = Field(pattern=r"^\d{5,20}$")
    value: Literal["stop", "resume"]
    detail: str = Field(default="", max_length=500)


class MarketingLimitControl(BaseModel):
    """The next ``times`` marketing templates to ``wa_id`` get 131049 (0 clears)."""

    phone_number_id: str = Field(max_length=64)
    wa_id: str = Field(pattern=r"^\d{5,20}$")
    times: int = Field(default=1, ge=0, le=1000)


async def _learn_connected_number(request: Request, phone_number_id: str) -> None:
    """A number connected in this app (onboarding) is a number of the stand-in too, also after
    a restart: an unknown one is looked up among the app's active channels."""
    services = getattr(request.app.state, "services", None)
    if services is None or SANDBOX_GRAPH.knows(phone_number_id):
        return
    async with services.db.session() as session:
        channel = await session.scalar(
            select(Channel).where(
                Channel.phone_number_id == phone_number_id, Channel.active.is_(True)
            )
        )
    if channel is None:
        return
    try:
        token = services.credentials.open(channel.credentials).get("access_token")
    except ValueError:
        return
    if token:
        SANDBOX_GRAPH.register(
            phone_number_id,
            token,
            display_phone_number=channel.display_phone_number or None,
            waba_id=channel.waba_id or None,
        )


async def _learn_connected_waba(request: Request, waba_id: str) -> None:
    """A WABA of a channel connected in this app is a WABA of the stand-in too."""
    services = getattr(request.app.state, "services", None)
    if services is None or not waba_id.isdigit() or SANDBOX_GRAPH.knows_waba(waba_id):
        return
    async with services.db.session() as session:
        channels = (
            await session.scalars(
                select(Channel).where(Channel.waba_id == waba_id, Channel.active.is_(True))
            )
        ).all()
    for channel in channels:
        try:
            token = services.credentials.open(channel.credentials).get("access_token")
        except ValueError:
            continue
        if token:
            SANDBOX_GRAPH.register(
                channel.phone_number_id,
                token,
                display_phone_number=channel.display_phone_number or None,
                waba_id=waba_id,
            )


def _graph_error(error: GraphApiError) -> JSONResponse:
    return JSONResponse(error.envelope(), status_code=error.status)


@router.post("/{version}/{waba_id}/message_templates")
async def create_template(version: str, waba_id: str, request: Request) -> JSONResponse:
    """Graph's ``POST /v{N}/{waba_id}/message_templates`` (WIRE 7.4)."""
    await _learn_connected_waba(request, waba_id)
    try:
        SANDBOX_GRAPH.authorize_waba(version, waba_id, request.headers.get("Authorization"))
        return JSONResponse(SANDBOX_GRAPH.create_template(waba_id, await request.body()))
    except GraphApiError as error:
        return _graph_error(error)


@router.get("/{version}/{waba_id}/message_templates")
async def list_templates(
    version: str,
    waba_id: str,
    request: Request,
    status: str | None = Query(default=None, max_length=200),
    name: str | None = Query(default=None, max_length=512),
    limit: int = Query(default=25, ge=1, le=1000),
    after: str | None = Query(default=None, max_length=200),
) -> JSONResponse:
    """Graph's ``GET /v{N}/{waba_id}/message_templates`` (``status``, ``name``, paging)."""
    await _learn_connected_waba(request, waba_id)
    try:
        SANDBOX_GRAPH.authorize_waba(version, waba_id, request.headers.get("Authorization"))
        answer = SANDBOX_GRAPH.list_templates(
            waba_id, status=status, name=name, limit=limit, after=after
        )
    except GraphApiError as error:
        return _graph_error(error)
    next_query = answer.get("paging", {}).get("next")
    if next_query:
        answer["paging"]["next"] = f"{str(request.url).split('?')[0]}{next_query}"
    return JSONResponse(answer)


@router.delete("/{version}/{waba_id}/message_templates")
async def delete_template(
    version: str,
    waba_id: str,
    request: Request,
    name: str = Query(default="", max_length=512),
    hsm_id: str | None = Query(default=None, max_length=64),
) -> JSONResponse:
    """Graph's ``DELETE /v{N}/{waba_id}/message_templates?name=..[&hsm_id=..]``."""
    await _learn_connected_waba(request, waba_id)
    try:
        SANDBOX_GRAPH.authorize_waba(version, waba_id, request.headers.get("Authorization"))
        if not name:
            raise GraphApiError(400, 100, "The parameter name is required")
        return JSONResponse(SANDBOX_GRAPH.delete_template(waba_id, name, hsm_id))
    except GraphApiError as error:
        return _graph_error(error)


@router.get("/_control/config")
async def read_config() -> dict[str, Any]:
    """Every switch of the stand-in (``POST`` sets them)."""
    return SANDBOX_GRAPH.full_config()


@router.get("/_templates")
async def read_templates(waba_id: str | None = None) -> list[dict[str, Any]]:
    """Every template the stand-in keeps, with its WABA and reason."""
    return SANDBOX_GRAPH.templates(waba_id)


@router.post("/{version}/{phone_number_id}/messages")
async def send_message(version: str, phone_number_id: str, request: Request) -> JSONResponse:
    """Graph's ``POST /v{N}/{phone-number-id}/messages``."""
    await _learn_connected_number(request, phone_number_id)
    try:
        answer = await SANDBOX_GRAPH.accept(
            version=version,
            phone_number_id=phone_number_id,
            authorization=request.headers.get("Authorization"),
            body=await request.body(),
        )
    except GraphApiError as error:
        return JSONResponse(error.envelope(), status_code=error.status)
    return JSONResponse(answer)


@router.get("/{version}/{phone_number_id}")
async def read_phone_number(version: str, phone_number_id: str, request: Request) -> JSONResponse:
    """Graph's ``GET /v{N}/{phone-number-id}`` (what onboarding's check calls)."""
    await _learn_connected_number(request, phone_number_id)
    try:
        answer = SANDBOX_GRAPH.describe(
            version=version,
            phone_number_id=phone_number_id,
            authorization=request.headers.get("Authorization"),
        )
    except GraphApiError as error:
        return JSONResponse(error.envelope(), status_code=error.status)
    return JSONResponse(answer)


@router.get("/_outbox")
async def read_outbox(
    phone_number_id: str | None = None, to: str | None = None
) -> list[dict[str, Any]]:
    return SANDBOX_GRAPH.outbox(phone_number_id=phone_number_id, to=to)


@router.post("/_control/reset")
async def reset() -> dict[str, bool]:
    SANDBOX_GRAPH.reset()
    return {"ok": True}


@router.post("/_control/inject")
async def inject(fault: InjectRequest) -> dict[str, bool]:
    SANDBOX_GRAPH.inject(**fault.model_dump())
    return {"ok": True}


@router.post("/_control/inbound")
async def note_inbound(inbound: InboundRequest) -> dict[str, bool]:
    SANDBOX_GRAPH.note_inbound(inbound.phone_number_id, inbound.wa_id, inbound.at)
    return {"ok": True}


@router.post("/_control/config")
async def configure(config: ConfigRequest) -> dict[str, Any]:
    """Set switches; answers the base switches and any other one that was set
    (``GET /_control/config`` has them all)."""
    given = config.model_dump(exclude_none=True)
    for key, value in given.items():
        setattr(SANDBOX_GRAPH, key, value)
    full = SANDBOX_GRAPH.full_config()
    return {key: value for key, value in full.items() if key in _BASE_CONFIG or key in given}


@router.post("/_control/template")
async def control_template(control: TemplateControl) -> JSONResponse:
    """Meta's review, scripted: approve / reject (with ``reason``) / pause / disable /
    reinstate / flag, or ``category`` (with ``category``); posts the signed webhook."""
    try:
        template = await SANDBOX_GRAPH.review_template(**control.model_dump())
    except KeyError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=404)
    except ValueError as exc:
        return JSONResponse({"detail": str(exc)}, status_code=400)
    return JSONResponse(template)


@router.post("/_control/user_preferences")
async def control_preferences(control: PreferenceControl) -> JSONResponse:
    """The customer stops or resumes marketing messages; posts the signed webhook."""
    try:
        await SANDBOX_GRAPH.set_preference(
            control.phone_number_id, control.wa_id, control.value, control.detail
        )
    except KeyError:
        return JSONResponse({"detail": "unknown phone_number_id"}, status_code=404)
    return JSONResponse({"ok": True})


@router.post("/_control/marketing_limit")
async def control_marketing_limit(control: MarketingLimitControl) -> dict[str, bool]:
    """The next ``times`` marketing templates to the customer get 131049."""
    SANDBOX_GRAPH.cap_marketing(control.phone_number_id, control.wa_id, control.times)
    return {"ok": True}
