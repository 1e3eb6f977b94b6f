"""``WabaClient``: the WhatsApp Business Account's template management (create, list, delete).

Same Graph base, version and bearer token as ``WhatsAppClient``; the calls go to
``{graph_base}/{version}/{waba_id}/message_templates`` (WIRE 7.4). Refusals are typed errors
(``WabaApiError`` and its subclasses), never a bare ``httpx`` exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import httpx

from invekto.channels.whatsapp.client import MAX_RETRY_DELAY_S, GraphClient, _retry_after

logger = logging.getLogger(__name__)

MAX_PAGES = 50
"""A listing stops after this many pages (a broken cursor must not loop forever)."""
MAX_PAGE_SIZE = 100
MAX_ERROR_TEXT = 500
TEMPLATE_EXISTS_SUBCODE = 2388024
"""Meta's ``error_subcode`` for "a template with this name and language already exists" [T]."""
LIMIT_CODES = frozenset({4, 80007, 80008, 130429})
"""Graph's rate-limit codes; 80008 is a WABA's template-creation limit [U]."""


class WabaApiError(Exception):
    """A template call the Graph API refused or that never got an answer."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        subcode: int | None = None,
        details: str | None = None,
        user_message: str | None = None,
        status_code: int | None = None,
        retryable: bool = False,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode
        self.details = details
        self.user_message = user_message
        """``error_user_msg``/``error_user_title``: what Meta says to show a person."""
        self.status_code = status_code
        self.retryable = retryable
        self.retry_after_s = retry_after_s

    @property
    def reason(self) -> str:
        """One line for a person: Meta's user message, else its details, else the message."""
        text = self.user_message or self.details or str(self)
        return text[:MAX_ERROR_TEXT]


class TemplateExists(WabaApiError):
    """A template with this name already exists in this language."""


class TemplateLimitReached(WabaApiError):
    """Too many creations (100 per WABA per hour) or calls: try again later."""


class TemplateNotFound(WabaApiError):
    """Delete of a name the WABA does not have."""


class WabaClient(GraphClient):
    """Template management of one WhatsApp Business Account.

    ``create`` is never retried (a retried creation could create twice); listing and deleting
    are retried on 429/5xx/network errors. Pass ``http`` to share a connection pool.
    """

    def __init__(
        self,
        *,
        graph_base: str,
        api_version: str,
        waba_id: str,
        access_token: str,
        timeout_s: float = 10.0,
        max_attempts: int = 3,
        backoff_s: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if not waba_id or not waba_id.isdigit():
            raise ValueError("waba_id must be the WhatsApp Business Account's numeric id")
        super().__init__(
            url=f"{graph_base.rstrip('/')}/{api_version}/{waba_id}/message_templates",
            access_token=access_token,
            timeout_s=timeout_s,
            max_attempts=max_attempts,
            backoff_s=backoff_s,
            transport=transport,
            http=http,
        )
        self.waba_id = waba_id

    async def create(self, template: dict[str, Any]) -> dict[str, Any]:
        """``POST /{waba_id}/message_templates``: ``{"id", "status", "category"}``."""
        answer = await self._call("POST", json=template, attempts=1)
        if not isinstance(answer.get("id"), str | int):
            raise WabaApiError("template creation answered without an id")
        answer["id"] = str(answer["id"])
        return answer

    async def list(
        self,
        *,
        status: str | None = None,
        name: str | None = None,
        fields: Sequence[str] = (
            "id",
            "name",
            "language",
            "status",
            "category",
            "parameter_format",
            "components",
        ),
        page_size: int = 100,
        max_pages: int = MAX_PAGES,
    ) -> list[dict[str, Any]]:
        """Every template of the WABA (optionally of one status or name), following the paging
        cursors (never a ``next`` URL given by the answer: it goes to our own base only)."""
        params: dict[str, Any] = {
            "fields": ",".join(fields),
            "limit": max(1, min(page_size, MAX_PAGE_SIZE)),
        }
        if status:
            params["status"] = status
        if name:
            params["name"] = name
        found: list[dict[str, Any]] = []
        for _ in range(max_pages):
            answer = await self._call("GET", params=params)
            data = answer.get("data")
            if not isinstance(data, list):
                raise WabaApiError("template listing answered without a data list")
            found.extend(item for item in data if isinstance(item, dict))
            after = _after_cursor(answer)
            if not after or not data:
                break
            params = {**params, "after": after}
        return found

    async def delete(self, name: str, *, hsm_id: str | None = None) -> bool:
        """``DELETE /{waba_id}/message_templates?name=..[&hsm_id=..]`` (every language of the
        name, or only the template ``hsm_id``)."""
        params = {"name": name, **({"hsm_id": hsm_id} if hsm_id else {})}
        answer = await self._call("DELETE", params=params)
        return answer.get("success") is True

    async def _call(
        self,
        method: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        attempts: int | None = None,
    ) -> dict[str, Any]:
        limit = attempts or self._max_attempts
        attempt = 1
        while True:
            try:
                return await self._attempt(method, json=json, params=params)
            except WabaApiError as error:
                if not error.retryable or attempt >= limit:
                    raise
                delay = error.retry_after_s
                delay = self._backoff_s * 2 ** (attempt - 1) if delay is None else delay
                logger.warning("WABA call attempt %d failed (%s); retrying", attempt, error)
                await asyncio.sleep(min(delay, MAX_RETRY_DELAY_S))
            attempt += 1

    async def _attempt(
        self, method: str, *, json: dict[str, Any] | None, params: dict[str, Any] | None
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(
                method,
                self.url,
                json=json,
                params=params,
                headers=self._headers,
                timeout=self._timeout_s,
            )
        except httpx.TransportError as exc:
            raise WabaApiError(
                f"WABA call failed: {type(exc).__name__}: {exc}", retryable=True
            ) from exc
        if not response.is_success:
            raise waba_error(response)
        try:
            answer = response.json()
        except ValueError as exc:
            raise WabaApiError(
                f"WABA answered HTTP {response.status_code} with no JSON",
                status_code=response.status_code,
            ) from exc
        if not isinstance(answer, dict):
            raise WabaApiError(
                "WABA answered with no JSON object", status_code=response.status_code
            )
        return answer


def waba_error(response: httpx.Response) -> WabaApiError:
    """The typed error of a non-2xx answer (with or without Graph's error envelope)."""
    try:
        envelope = response.json().get("error")
    except (ValueError, AttributeError):
        envelope = None
    envelope = envelope if isinstance(envelope, dict) else {}
    code = _int(envelope.get("code"))
    subcode = _int(envelope.get("error_subcode"))
    data = envelope.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    user = envelope.get("error_user_msg") or envelope.get("error_user_title")
    message = envelope.get("message") or response.reason_phrase
    limited = response.status_code == 429 or code in LIMIT_CODES
    error_class: type[WabaApiError] = WabaApiError
    if subcode == TEMPLATE_EXISTS_SUBCODE:
        error_class = TemplateExists
    elif limited:
        error_class = TemplateLimitReached
    elif response.status_code == 404:
        error_class = TemplateNotFound
    return error_class(
        f"WABA call failed: HTTP {response.status_code}, code {code}: {str(message)[:300]}",
        code=code,
        subcode=subcode,
        details=str(details)[:MAX_ERROR_TEXT] if details else None,
        user_message=str(user)[:MAX_ERROR_TEXT] if user else None,
        status_code=response.status_code,
        retryable=limited or response.status_code >= 500,
        retry_after_s=_retry_after(response),
    )


def _after_cursor(answer: dict[str, Any]) -> str | None:
    paging = answer.get("paging")
    cursors = paging.get("cursors") if isinstance(paging, dict) else None
    after = cursors.get("after") if isinstance(cursors, dict) else None
    if not isinstance(paging, dict) or not paging.get("next"):
        return None  # Graph leaves ``next`` out on the last page
    return after if isinstance(after, str) and 0 < len(after) <= 500 else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
