"""``WhatsAppClient``: the async Cloud API send client (httpx) with retries and typed errors."""

from __future__ import annotations

import asyncio
import email.utils
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import httpx
from pywa.errors import WhatsAppError

from invekto.channels.base import MAX_OPAQUE_CHARS, SendResult

logger = logging.getLogger(__name__)

THROTTLING_CODES = frozenset({4, 80007, 130429, 131056})
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_RETRY_DELAY_S = 60.0


class WhatsAppSendError(Exception):
    """A send the Graph API refused or that never got an answer."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        details: str | None = None,
        status_code: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
        pywa_error: WhatsAppError | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = details
        self.status_code = status_code
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.pywa_error = pywa_error


class OutsideCustomerServiceWindow(WhatsAppSendError):
    """131047: the customer last wrote more than 24 h ago; only a template may be sent."""


class RecipientUnavailable(WhatsAppSendError):
    """131026: the number is not on WhatsApp or cannot receive this message."""


class MarketingOptedOut(WhatsAppSendError):
    """131050: the customer stopped marketing messages from this business (utility still goes)."""


class MarketingLimitReached(WhatsAppSendError):
    """131049: Meta's per-user marketing limit; wait ≥ 24 h before another marketing template."""


class TemplateNotSendable(WhatsAppSendError):
    """132000 / 132001 (/ 132005, 132007, 132012...): the template does not exist, is not
    approved in that language, or its parameters do not match it."""


_ERRORS_BY_CODE: dict[int, type[WhatsAppSendError]] = {
    131047: OutsideCustomerServiceWindow,
    131026: RecipientUnavailable,
    131050: MarketingOptedOut,
    131049: MarketingLimitReached,
    132000: TemplateNotSendable,
    132001: TemplateNotSendable,
    132005: TemplateNotSendable,
    132007: TemplateNotSendable,
    132012: TemplateNotSendable,
}


class GraphClient:
    """What every Graph API client of one endpoint shares: its URL, the bearer token, the
    timeouts and retry budget, and an httpx client (``http`` to share a connection pool; the
    client then leaves it open on ``aclose``)."""

    def __init__(
        self,
        *,
        url: str,
        access_token: str,
        timeout_s: float,
        max_attempts: int,
        backoff_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.url = url
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(transport=transport, timeout=timeout_s)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()


class WhatsAppClient(GraphClient):
    """Sends messages from one business number through ``{graph_base}/{version}/{id}/messages``.

    Retries throttling, 5xx and network failures with exponential backoff (or ``Retry-After``).
    Pass ``http`` to share a connection pool; the client then leaves it open on ``aclose``.
    """

    def __init__(
        self,
        *,
        graph_base: str,
        api_version: str,
        phone_number_id: str,
        access_token: str,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_s: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            url=f"{graph_base.rstrip('/')}/{api_version}/{phone_number_id}/messages",
            access_token=access_token,
            timeout_s=timeout_s,
            max_attempts=max_attempts,
            backoff_s=backoff_s,
            transport=transport,
            http=http,
        )
        self.phone_number_id = phone_number_id

    async def send_text(
        self,
        *,
        to: str,
        body: str,
        reply_to: str | None = None,
        preview_url: bool = False,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        """A text message; ``biz_opaque_callback_data`` as in ``send_template``."""
        payload = _envelope(to, "text", {"body": body, "preview_url": preview_url})
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        return await self._send(_with_opaque(payload, biz_opaque_callback_data))

    async def send_template(
        self,
        *,
        to: str,
        name: str,
        language: str,
        parameters: Sequence[str] = (),
        components: Sequence[dict[str, Any]] | None = None,
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        """A template message. ``components`` (e.g. from
        ``invekto.outbound.templates.send_components``) win over ``parameters`` (the body's
        positional texts). ``biz_opaque_callback_data`` (≤ 512 characters) goes at the top of
        the payload; Meta echoes it in the message's status callbacks [T/U: seen in Meta's
        send reference and third-party SDKs; the echo in status webhooks is not verified]."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if components is not None:
            if components:
                template["components"] = [dict(component) for component in components]
        elif parameters:
            body_parameters = [{"type": "text", "text": value} for value in parameters]
            template["components"] = [{"type": "body", "parameters": body_parameters}]
        payload = _envelope(to, "template", template)
        return await self._send(_with_opaque(payload, biz_opaque_callback_data))

    async def send_interactive_buttons(
        self,
        *,
        to: str,
        body: str,
        buttons: Sequence[tuple[str, str]],
        biz_opaque_callback_data: str | None = None,
    ) -> SendResult:
        """Reply buttons; ``biz_opaque_callback_data`` as in ``send_template``."""
        _check_buttons(buttons)
        interactive = {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": button_id, "title": title}}
                    for button_id, title in buttons
                ]
            },
        }
        payload = _envelope(to, "interactive", interactive)
        return await self._send(_with_opaque(payload, biz_opaque_callback_data))

    async def _send(self, payload: dict[str, Any]) -> SendResult:
        attempt = 1
        while True:
            try:
                return await self._attempt(payload)
            except WhatsAppSendError as error:
                if not error.retryable or attempt >= self._max_attempts:
                    raise
                delay = self._delay(attempt, error.retry_after_s)
                logger.warning(
                    "WhatsApp send attempt %d failed (%s); retry in %.2fs", attempt, error, delay
                )
                await asyncio.sleep(delay)
            attempt += 1

    async def _attempt(self, payload: dict[str, Any]) -> SendResult:
        try:
            response = await self._http.post(
                self.url, json=payload, headers=self._headers, timeout=self._timeout_s
            )
        except httpx.TransportError as exc:
            raise WhatsAppSendError(
                f"WhatsApp send failed: {type(exc).__name__}: {exc}", retryable=True
            ) from exc
        if not response.is_success:
            raise error_from_response(response)
        return _result(response)

    def _delay(self, attempt: int, retry_after_s: float | None) -> float:
        delay = retry_after_s if retry_after_s is not None else self._backoff_s * 2 ** (attempt - 1)
        return min(delay, MAX_RETRY_DELAY_S)


def _envelope(to: str, message_type: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": message_type,
        message_type: content,
    }


def _with_opaque(payload: dict[str, Any], opaque: str | None) -> dict[str, Any]:
    """``biz_opaque_callback_data`` at the top of the payload (≤ 512 characters), when given."""
    if opaque is not None:
        if len(opaque) > MAX_OPAQUE_CHARS:
            raise ValueError(f"biz_opaque_callback_data over {MAX_OPAQUE_CHARS} characters")
        payload["biz_opaque_callback_data"] = opaque
    return payload


def _check_buttons(buttons: Sequence[tuple[str, str]]) -> None:
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        raise ValueError(f"an interactive message needs 1 to {MAX_BUTTONS} buttons")
    ids = [button_id for button_id, _ in buttons]
    if not all(ids) or len(set(ids)) != len(ids):
        raise ValueError("button ids must be non-empty and unique")
    for _, title in buttons:
        if not 1 <= len(title) <= MAX_BUTTON_TITLE:
            raise ValueError(f"button title {title!r} must be 1 to {MAX_BUTTON_TITLE} characters")


def _result(response: httpx.Response) -> SendResult:
    try:
        message = response.json()["messages"][0]
        return SendResult(message_id=message["id"], status=message.get("message_status"))
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise WhatsAppSendError(
            f"WhatsApp answered HTTP {response.status_code} without a message id",
            status_code=response.status_code,
        ) from exc


def error_from_response(response: httpx.Response) -> WhatsAppSendError:
    """The typed error for a non-2xx Graph API answer (with or without an error envelope)."""
    envelope = _error_envelope(response)
    code = _int_or_none(envelope.get("code"))
    error_data = envelope.get("error_data")
    details = error_data.get("details") if isinstance(error_data, dict) else None
    retryable = response.status_code == 429 or response.status_code >= 500
    error_class = (
        WhatsAppSendError if code is None else _ERRORS_BY_CODE.get(code, WhatsAppSendError)
    )
    return error_class(
        f"WhatsApp send failed: HTTP {response.status_code}, code {code}: "
        f"{envelope.get('message') or response.reason_phrase}",
        code=code,
        details=details,
        status_code=response.status_code,
        retryable=retryable or code in THROTTLING_CODES,
        retry_after_s=_retry_after(response),
        pywa_error=_pywa_error(envelope, response),
    )


def _error_envelope(response: httpx.Response) -> dict[str, Any]:
    try:
        envelope = response.json().get("error")
    except (ValueError, AttributeError):
        return {}
    return envelope if isinstance(envelope, dict) else {}


def _pywa_error(envelope: dict[str, Any], response: httpx.Response) -> WhatsAppError | None:
    if not envelope:
        return None
    try:
        return WhatsAppError.from_dict(envelope, response)
    except (KeyError, TypeError, ValueError):
        return None


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` in seconds, given as a number or an HTTP date."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
