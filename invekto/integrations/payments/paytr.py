"""PayTR's Link API over httpx (WIRE 5, 7.11): create and delete a payment link, and check the
link callback's hash.

Every call is a form-encoded POST answered with JSON. ``paytr_token`` = base64(HMAC-SHA256(
key=merchant_key, msg=<fields concatenated> + merchant_salt)), the raw digest base64-encoded.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from invekto.integrations.payments.base import CreatedLink, LinkRequest, PaymentError, to_kurus

PROVIDER = "paytr"
ISTANBUL = ZoneInfo("Europe/Istanbul")
MAX_RESPONSE_BYTES = 64 * 1024
CREATE_PATH = "/odeme/api/link/create"
DELETE_PATH = "/odeme/api/link/delete"
PAYTR_CURRENCY = {"TRY": "TL", "USD": "USD", "EUR": "EUR", "GBP": "GBP"}
_LINK_ID = re.compile(r"[A-Za-z0-9]{1,64}")
_TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def paytr_token(concat: str, merchant_key: str, merchant_salt: str) -> str:
    """base64(HMAC-SHA256(merchant_key, concat + merchant_salt))."""
    digest = hmac.new(
        merchant_key.encode(), (concat + merchant_salt).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def callback_hash(form: Mapping[str, str], merchant_key: str, merchant_salt: str) -> str:
    """The Link callback's ``hash``: base64(HMAC-SHA256(merchant_key, callback_id +
    merchant_oid + merchant_salt + status + total_amount))."""
    message = (
        form["callback_id"]
        + form["merchant_oid"]
        + merchant_salt
        + form["status"]
        + form["total_amount"]
    )
    digest = hmac.new(merchant_key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def link_callback_ok(form: Mapping[str, str], merchant_key: str, merchant_salt: str) -> bool:
    """Whether a Link callback's ``hash`` is PayTR's (constant-time compare). The same
    ``merchant_oid`` may arrive again (PayTR re-sends until it reads ``OK``): deduplicating is
    the caller's job."""
    if not merchant_key or not merchant_salt:
        return False
    given = form.get("hash")
    fields = ("callback_id", "merchant_oid", "status", "total_amount")
    if (
        not isinstance(given, str)
        or not given
        or any(not isinstance(form.get(name), str) for name in fields)
    ):
        return False
    expected = callback_hash(form, merchant_key, merchant_salt)
    return hmac.compare_digest(expected.encode(), given.encode())


class PaytrClient:
    """One merchant's PayTR account. ``base_url`` is ``https://www.paytr.com`` in production
    (the paths ``/odeme/api/link/...`` are appended)."""

    provider = PROVIDER

    def __init__(
        self,
        merchant_id: str,
        merchant_key: str,
        merchant_salt: str,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 8.0,
    ) -> None:
        if not merchant_id or not merchant_key or not merchant_salt:
            raise ValueError("PayTR needs merchant_id, merchant_key and merchant_salt")
        self._merchant_id = str(merchant_id)
        self._key = merchant_key
        self._salt = merchant_salt
        self._base = base_url.rstrip("/")
        self._transport = transport
        self._timeout_s = timeout_s

    async def create_link(self, req: LinkRequest) -> CreatedLink:
        """A ``product`` link for one unit (``min_count=max_count=1``), price in kuruş. With
        ``req.callback_url`` PayTR posts the (successful) payment there, ``callback_id`` =
        ``req.reference``. Real PayTR refuses callback links on localhost or with a port."""
        fields = {
            "merchant_id": self._merchant_id,
            "name": req.name.strip(),
            "price": str(to_kurus(req.amount)),
            "currency": PAYTR_CURRENCY[req.currency],
            "max_installment": str(req.max_installment),
            "link_type": "product",
            "lang": req.language,
            "min_count": "1",
            "max_count": "1",
            "debug_on": "1",
        }
        concat = "".join(
            fields[name]
            for name in (
                "name",
                "price",
                "currency",
                "max_installment",
                "link_type",
                "lang",
                "min_count",
            )
        )
        if req.expires_at is not None:
            fields["expiry_date"] = req.expires_at.astimezone(ISTANBUL).strftime(
                "%Y-%m-%d %H:%M:%S"
            )
        if req.callback_url:
            fields["callback_link"] = req.callback_url
            fields["callback_id"] = req.reference
        fields["paytr_token"] = paytr_token(concat, self._key, self._salt)
        answer = await self._post(CREATE_PATH, fields)
        link_id, url = answer.get("id"), answer.get("link")
        if not link_id or not url:
            raise PaymentError("PayTR answered without id/link", retryable=False)
        return CreatedLink(PROVIDER, str(link_id), str(url), req.expires_at, raw=answer)

    async def deactivate(self, external_id: str) -> None:
        """Delete the link (``/odeme/api/link/delete``; token = id + merchant_id + salt)."""
        if not isinstance(external_id, str) or not _LINK_ID.fullmatch(external_id):
            raise ValueError("not a PayTR link id")
        fields = {
            "merchant_id": self._merchant_id,
            "id": external_id,
            "debug_on": "1",
            "paytr_token": paytr_token(external_id + self._merchant_id, self._key, self._salt),
        }
        await self._post(DELETE_PATH, fields)

    # --- plumbing ---

    @contextlib.asynccontextmanager
    async def _client(self) -> AsyncIterator[httpx.AsyncClient]:
        timeout = httpx.Timeout(self._timeout_s)
        if self._transport is None:
            async with httpx.AsyncClient(timeout=timeout) as client:
                yield client
        else:
            # The caller owns the transport: closing the client would close it too.
            yield httpx.AsyncClient(transport=self._transport, timeout=timeout)

    async def _post(self, path: str, fields: dict[str, str]) -> dict[str, Any]:
        try:
            async with self._client() as client:
                async with client.stream("POST", self._base + path, data=fields) as response:
                    status = response.status_code
                    body = await _read_bounded(response)
        except _TRANSPORT_ERRORS as exc:
            raise PaymentError(
                f"PayTR unreachable: {type(exc).__name__}: {exc}", retryable=True
            ) from exc
        except httpx.HTTPError as exc:
            raise PaymentError(f"PayTR call failed: {exc}", retryable=False) from exc
        return _answer(status, body)


async def _read_bounded(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise PaymentError(
            "PayTR answer over 64 KB", retryable=False, status_code=response.status_code
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise PaymentError(
                "PayTR answer over 64 KB", retryable=False, status_code=response.status_code
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(status: int, body: bytes) -> dict[str, Any]:
    retryable = status >= 500 or status == 429
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise PaymentError(
            f"PayTR answered HTTP {status} without JSON", retryable=retryable, status_code=status
        )
    if data.get("status") != "success" or not 200 <= status < 300:
        reason = data.get("reason") or data.get("err_msg") or f"PayTR answered HTTP {status}"
        raise PaymentError(str(reason), retryable=retryable, status_code=status)
    return data
