"""The WhatsApp Graph API stand-in: takes sends, keeps an outbox, posts signed status callbacks."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import secrets
import ssl
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select

from invekto.channels.base import render_template_text
from invekto.channels.whatsapp.parse import build_status_webhook, new_message_id
from invekto.channels.whatsapp.signature import SIGNATURE_HEADER, sign
from invekto.config import get_settings
from invekto.sandbox.demo import DEMO_TENANTS
from invekto.storage.models import Channel

logger = logging.getLogger(__name__)

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)
WindowErrorMode = Literal["sync", "async"]
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
}
_WINDOW_DETAILS = (
    "Message failed to send because more than 24 hours have passed since the customer last "
    "replied to this number."
)
_CODE_FOR_STATUS = {401: 190, 429: 130429}
_STATUS_FOR_CODE = {190: 401, 130429: 429, 131000: 500}


class GraphApiError(Exception):
    """A refusal the stand-in answers with Graph's error envelope."""

    def __init__(self, status: int, code: int, details: str | None = None) -> None:
        super().__init__(f"HTTP {status}, code {code}: {details}")
        self.status = status
        self.code = code
        self.details = details

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
        return {"error": error}


def window_error() -> dict[str, Any]:
    """The ``errors[]`` item of a 131047 ``failed`` status callback."""
    return {
        "code": 131047,
        "title": _ERROR_TITLES[131047],
        "message": _ERROR_TITLES[131047],
        "error_data": {"details": _WINDOW_DETAILS},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }


@dataclass(slots=True)
class _Number:
    access_token: str
    display_phone_number: str


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
            self._generation += 1
        self.status_callbacks = True
        self.window_error_mode: WindowErrorMode = "sync"
        self.strict_window = False

    def register(
        self, phone_number_id: str, access_token: str, *, display_phone_number: str | None = None
    ) -> None:
        """Make ``phone_number_id`` a known number that accepts ``access_token``."""
        number = _Number(access_token, display_phone_number or phone_number_id)
        with self._lock:
            self._numbers[phone_number_id] = number

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
        window_open = payload["type"] == "template" or self._window_open(phone_number_id, to)
        if not window_open and self.window_error_mode == "sync":
            raise GraphApiError(400, 131047, _WINDOW_DETAILS)
        entry = self._store(phone_number_id, to, payload, failed=not window_open)
        if self.status_callbacks:
            self._schedule_callbacks(entry, number, failed=not window_open)
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

    def _schedule_callbacks(self, entry: dict[str, Any], number: _Number, *, failed: bool) -> None:
        steps = (
            [("failed", [window_error()])]
            if failed
            else [("sent", None), ("delivered", None), ("read", None)]
        )
        task = asyncio.get_running_loop().create_task(
            self._post_statuses(entry, number, steps, self._generation)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_statuses(
        self,
        entry: dict[str, Any],
        number: _Number,
        steps: list[tuple[str, list[dict[str, Any]] | None]],
        generation: int,
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
                )
                await _post_signed(http, url, secret, payload)


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
            phone_number_id, token, display_phone_number=channel.display_phone_number or None
        )


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
    for key, value in config.model_dump(exclude_none=True).items():
        setattr(SANDBOX_GRAPH, key, value)
    return SANDBOX_GRAPH.config()
