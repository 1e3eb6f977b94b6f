"""Stand-in of iyzico (WIRE 4, 7.10): the iyzilink Fast Link and checkout-form endpoints that the
official SDK calls, a buyer page, and V3-signed webhooks back to the app.

The SDK only speaks TLS to a bare host, with the API paths at the root: ``standin_app()`` is the
router at ``/`` for ``serve_tls`` (``running_iyzico_standin(settings)`` does both). On the app's
own port the same router is mounted at ``/sandbox/iyzico``, where buyers open the payment pages
(``{settings.base_url}/sandbox/iyzico/pay/{token}``).

Everything is checked the way iyzico does: the ``IYZWSv2`` Authorization (HMAC-SHA256 over
random key + path without query + body, with the merchant's secret), the basket sum, the Fast
Link limits; answers carry iyzico's ``signature`` fields. Its own HMAC code is used throughout,
not the client's, so a wrong client is caught rather than mirrored.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import html
import itertools
import json
import logging
import secrets
import ssl
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from invekto.config import Settings
from invekto.sandbox.tls import TlsEndpoint, ensure_tls_files, serve_tls

logger = logging.getLogger(__name__)

DEMO_IYZICO_API_KEY = "sandbox-invekto-iyzico-api-key"
DEMO_IYZICO_SECRET = "sandbox-invekto-iyzico-secret-key"
DEMO_IYZICO_MERCHANT_ID = 3404590
FAST_LINK_MAX_TRY = Decimal("750")
TOKEN_EXPIRE_S = 1800
MAX_BODY_BYTES = 64 * 1024
SIGNATURE_HEADER = "X-IYZ-SIGNATURE-V3"
_CURRENCIES = frozenset({"TRY", "USD", "EUR", "GBP"})
_TOKEN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


class IyzicoFailure(Exception):
    """An answer with ``status: failure``. The error codes and HTTP statuses are the stand-in's
    own guesses where WIRE has none ([U])."""

    def __init__(self, http_status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message

    def body(self, locale: str, conversation_id: Any = None) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "status": "failure",
            "errorCode": self.code,
            "errorMessage": self.message,
            "locale": locale,
            "systemTime": _now_ms(),
        }
        if conversation_id:
            answer["conversationId"] = conversation_id
        return answer


@dataclass(slots=True)
class _Link:
    token: str
    api_key: str
    conversation_id: str | None
    description: str
    price: Decimal
    currency: str
    locale: str
    url: str
    status: str = "ACTIVE"
    sold_count: int = 0
    created_ms: int = field(default_factory=lambda: _now_ms())


@dataclass(slots=True)
class _Checkout:
    token: str
    api_key: str
    conversation_id: str | None
    price: Decimal
    paid_price: Decimal
    currency: str
    basket_id: str | None
    callback_url: str
    locale: str
    url: str
    payment_status: str | None = None
    payment_id: str | None = None


@dataclass(slots=True)
class _Fault:
    status: int | None
    delay_s: float
    body: str | None
    remaining: int


@dataclass
class WebhookDelivery:
    """One webhook as sent: the exact bytes and headers, and each attempt's HTTP status (or the
    connection error's name)."""

    url: str | None
    body: bytes
    headers: dict[str, str]
    attempts: list[int | str] = field(default_factory=list)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def delivered(self) -> bool:
        return any(isinstance(a, int) and 200 <= a < 300 for a in self.attempts)


class IyzicoSandbox:
    """Merchants, links, checkout forms, webhooks sent, pending faults. Thread-safe: tests poke
    it from outside the server's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.public_base: str | None = None
        """Where buyer pages are, e.g. ``{settings.base_url}/sandbox/iyzico``; unset: the
        requested host."""
        self.webhook_url: str | None = None
        """Where webhooks go, e.g. ``{settings.base_url}/webhooks/payments/iyzico``."""
        self.webhook_retry_delays_s: tuple[float, ...] = (0.05, 0.2, 0.5)
        """Pauses before each re-send of a webhook that got no 2xx (iyzico: 15 min, 3 times)."""
        self.merchant_id = DEMO_IYZICO_MERCHANT_ID
        self._tasks: set[asyncio.Task[None]] = set()
        self._payment_ids = itertools.count(24_000_000 + secrets.randbelow(1_000_000))
        self.reset()

    def reset(self) -> None:
        """Only the demo merchant; no links, forms, webhooks or faults. Wiring stays."""
        with self._lock:
            self._merchants = {DEMO_IYZICO_API_KEY: DEMO_IYZICO_SECRET}
            self._links: dict[str, _Link] = {}
            self._checkouts: dict[str, _Checkout] = {}
            self._webhooks: list[WebhookDelivery] = []
            self._faults: list[_Fault] = []

    def add_merchant(self, api_key: str, secret: str) -> None:
        with self._lock:
            self._merchants[api_key] = secret

    def inject(
        self,
        *,
        status: int | None = None,
        delay_s: float = 0.0,
        times: int = 1,
        body: str | None = None,
    ) -> None:
        """The next ``times`` API calls sleep ``delay_s``, then answer ``status`` (with ``body``,
        default a failure JSON) when given, else proceed."""
        with self._lock:
            self._faults.append(_Fault(status, delay_s, body, times))

    # --- reading state (tests) ---

    def link(self, token: str) -> dict[str, Any]:
        with self._lock:
            link = self._links[token]
            return {
                "token": link.token,
                "apiKey": link.api_key,
                "conversationId": link.conversation_id,
                "description": link.description,
                "price": link.price,
                "currencyCode": link.currency,
                "status": link.status,
                "soldCount": link.sold_count,
                "url": link.url,
            }

    def links(self) -> list[str]:
        with self._lock:
            return list(self._links)

    def webhooks(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._webhooks)

    @property
    def last_webhook(self) -> WebhookDelivery | None:
        with self._lock:
            return self._webhooks[-1] if self._webhooks else None

    # --- the API ---

    async def apply_fault(self) -> Response | None:
        with self._lock:
            fault = self._faults[0] if self._faults else None
            if fault is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.pop(0)
        if fault is None:
            return None
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault.status is None:
            return None
        body = fault.body
        if body is None:
            body = json.dumps(IyzicoFailure(fault.status, "1", "Sistem hatası").body("tr"))
        return Response(body, status_code=fault.status, media_type="application/json")

    def authenticate(self, authorization: str | None, path: str, body: str) -> str:
        """The merchant's API key when ``authorization`` is a valid ``IYZWSv2`` header for this
        path and body, else ``IyzicoFailure``."""
        prefix = "IYZWSv2 "
        if not authorization or not authorization.startswith(prefix):
            raise IyzicoFailure(401, "1001", "api bilgileri bulunamadı")
        try:
            decoded = base64.b64decode(authorization[len(prefix) :], validate=True).decode()
            parts = dict(item.split(":", 1) for item in decoded.split("&"))
            api_key, random_key, signature = (
                parts["apiKey"],
                parts["randomKey"],
                parts["signature"],
            )
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError) as exc:
            raise IyzicoFailure(401, "1000", "Geçersiz imza") from exc
        with self._lock:
            secret = self._merchants.get(api_key)
        if secret is None:
            raise IyzicoFailure(401, "1001", "api bilgileri bulunamadı")
        expected = _hex_hmac(secret, random_key + path + body)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise IyzicoFailure(401, "1000", "Geçersiz imza")
        return api_key

    def create_fast_link(self, api_key: str, payload: Any, base: str) -> dict[str, Any]:
        request = _object(payload)
        locale = _locale(request)
        description = request.get("description")
        if not isinstance(description, str) or not description.strip():
            raise IyzicoFailure(400, "12", "description gönderilmesi zorunludur")
        price = _price(request.get("price"), "price")
        currency = request.get("currencyCode")
        if currency not in _CURRENCIES:
            raise IyzicoFailure(400, "12", "currencyCode geçersiz")
        if currency == "TRY" and price > FAST_LINK_MAX_TRY:
            raise IyzicoFailure(400, "12", f"Hızlı link tutarı en fazla {FAST_LINK_MAX_TRY} TL")
        token = _new_token()
        link = _Link(
            token=token,
            api_key=api_key,
            conversation_id=_opt_str(request.get("conversationId")),
            description=description.strip(),
            price=price,
            currency=currency,
            locale=locale,
            url=f"{self.public_base or base}/pay/{token}",
        )
        with self._lock:
            self._links[token] = link
        return {
            **_envelope(locale, link.conversation_id),
            "data": {"token": token, "url": link.url},
        }

    def retrieve_link(self, api_key: str, token: str) -> dict[str, Any]:
        with self._lock:
            link = self._own_link(api_key, token)
            data = {
                "token": link.token,
                "url": link.url,
                "description": link.description,
                "price": float(link.price),
                "currencyCode": link.currency,
                "status": link.status,
                "soldCount": link.sold_count,
                "createdDate": link.created_ms,
            }
        return {**_envelope(link.locale, None), "data": data}

    def set_link_status(self, api_key: str, token: str, status: str) -> dict[str, Any]:
        if status not in ("ACTIVE", "PASSIVE"):
            raise IyzicoFailure(400, "12", "status ACTIVE ya da PASSIVE olmalıdır")
        with self._lock:
            link = self._own_link(api_key, token)
            link.status = status
        return _envelope(link.locale, None)

    def init_checkout(self, api_key: str, payload: Any, base: str) -> dict[str, Any]:
        request = _object(payload)
        locale = _locale(request)
        conversation_id = _opt_str(request.get("conversationId"))
        price = _price(request.get("price"), "price")
        paid_price = _price(request.get("paidPrice"), "paidPrice")
        currency = request.get("currency")
        if currency not in _CURRENCIES:
            raise IyzicoFailure(400, "12", "currency geçersiz")
        callback_url = request.get("callbackUrl")
        if not isinstance(callback_url, str) or not callback_url.startswith(("http://", "https")):
            raise IyzicoFailure(400, "12", "callbackUrl gönderilmesi zorunludur")
        items = request.get("basketItems")
        if not isinstance(items, list) or not items:
            raise IyzicoFailure(400, "12", "basketItems gönderilmesi zorunludur")
        total = Decimal(0)
        physical = False
        for item in items:
            item = _object(item)
            for key in ("id", "name", "category1", "itemType"):
                if not item.get(key):
                    raise IyzicoFailure(400, "12", f"basketItems.{key} gönderilmesi zorunludur")
            if item["itemType"] not in ("PHYSICAL", "VIRTUAL"):
                raise IyzicoFailure(400, "12", "itemType PHYSICAL ya da VIRTUAL olmalıdır")
            physical = physical or item["itemType"] == "PHYSICAL"
            total += _price(item.get("price"), "basketItems.price")
        if total != price:
            raise IyzicoFailure(
                400, "5005", "Sepet tutarlarının toplamı price değerine eşit olmalıdır"
            )
        buyer = _object(request.get("buyer"))
        for key in ("id", "name", "surname", "email", "identityNumber", "registrationAddress"):
            if not buyer.get(key):
                raise IyzicoFailure(400, "12", f"buyer.{key} gönderilmesi zorunludur")
        for key in ("city", "country", "ip"):
            if not buyer.get(key):
                raise IyzicoFailure(400, "12", f"buyer.{key} gönderilmesi zorunludur")
        _address(request.get("billingAddress"), "billingAddress")
        if physical:
            _address(request.get("shippingAddress"), "shippingAddress")
        token = str(uuid.uuid4())
        checkout = _Checkout(
            token=token,
            api_key=api_key,
            conversation_id=conversation_id,
            price=price,
            paid_price=paid_price,
            currency=currency,
            basket_id=_opt_str(request.get("basketId")),
            callback_url=callback_url,
            locale=locale,
            url=f"{self.public_base or base}/pay/{token}",
        )
        with self._lock:
            self._checkouts[token] = checkout
            secret = self._merchants[api_key]
        return {
            **_envelope(locale, conversation_id),
            "token": token,
            "checkoutFormContent": (
                f'<script type="text/javascript">window.location="{checkout.url}";</script>'
            ),
            "tokenExpireTime": TOKEN_EXPIRE_S,
            "paymentPageUrl": checkout.url,
            "signature": _hex_hmac(secret, f"{conversation_id or ''}:{token}"),
        }

    def checkout_detail(self, api_key: str, payload: Any) -> dict[str, Any]:
        request = _object(payload)
        token = request.get("token")
        with self._lock:
            checkout = self._checkouts.get(token) if isinstance(token, str) else None
            if checkout is None or checkout.api_key != api_key:
                raise IyzicoFailure(404, "5107", "Ödeme formu bulunamadı")
            if checkout.payment_status is None:
                raise IyzicoFailure(400, "5108", "Ödeme henüz tamamlanmadı")
            secret = self._merchants[api_key]
            answer = {
                **_envelope(checkout.locale, checkout.conversation_id),
                "price": float(checkout.price),
                "paidPrice": float(checkout.paid_price),
                "installment": 1,
                "paymentId": checkout.payment_id,
                "fraudStatus": 1,
                "basketId": checkout.basket_id,
                "currency": checkout.currency,
                "token": checkout.token,
                "callbackUrl": checkout.callback_url,
                "paymentStatus": checkout.payment_status,
            }
        fields = [
            answer["paymentStatus"],
            answer["paymentId"],
            answer["currency"],
            answer["basketId"] or "",
            answer["conversationId"] or "",
            _sdk_strip_zero(str(answer["paidPrice"])),
            _sdk_strip_zero(str(answer["price"])),
            answer["token"],
        ]
        answer["signature"] = _hex_hmac(secret, ":".join(str(f) for f in fields))
        return answer

    def _own_link(self, api_key: str, token: str) -> _Link:
        link = self._links.get(token)
        if link is None or link.api_key != api_key:
            raise IyzicoFailure(404, "5107", "iyzilink bulunamadı")
        return link

    # --- the buyer ---

    def page_for(self, token: str) -> dict[str, Any] | None:
        """What the buyer page shows, or None for an unknown token."""
        with self._lock:
            link = self._links.get(token)
            if link is not None:
                payable = link.status == "ACTIVE" and link.sold_count == 0
                return {
                    "amount": link.price,
                    "currency": link.currency,
                    "payable": payable,
                    "description": link.description,
                    "callback_url": None,
                }
            checkout = self._checkouts.get(token)
            if checkout is not None:
                return {
                    "amount": checkout.paid_price,
                    "currency": checkout.currency,
                    "payable": checkout.payment_status is None,
                    "description": "",
                    "callback_url": checkout.callback_url,
                }
        return None

    def record_payment(self, token: str, success: bool) -> WebhookDelivery:
        """Mark ``token`` (a link or a checkout form) paid or failed and build its signed
        webhook; ``ValueError`` when unknown or not payable. Deliver with ``deliver``."""
        with self._lock:
            link, checkout = self._links.get(token), self._checkouts.get(token)
            payment_id = str(next(self._payment_ids))
            status = "SUCCESS" if success else "FAILURE"
            if link is not None:
                if link.status != "ACTIVE" or link.sold_count:
                    raise ValueError(f"link {token} is not payable")
                if success:
                    link.sold_count += 1  # a Fast Link is paid once
                api_key, conversation_id = link.api_key, link.conversation_id
            elif checkout is not None:
                if checkout.payment_status is not None:
                    raise ValueError(f"checkout form {token} is already paid")
                checkout.payment_status, checkout.payment_id = status, payment_id
                api_key, conversation_id = checkout.api_key, checkout.conversation_id
            else:
                raise ValueError(f"unknown token {token}")
            secret = self._merchants[api_key]
            payload = {
                "paymentConversationId": conversation_id or "",
                "merchantId": self.merchant_id,
                "token": token,
                "status": status,
                "iyziReferenceCode": str(uuid.uuid4()),
                "iyziEventType": "CHECKOUT_FORM_AUTH",
                "iyziEventTime": _now_ms(),
                "iyziPaymentId": int(payment_id),
            }
            message = secret + "".join(
                str(payload[name])
                for name in (
                    "iyziEventType",
                    "iyziPaymentId",
                    "token",
                    "paymentConversationId",
                    "status",
                )
            )
            delivery = WebhookDelivery(
                url=self.webhook_url,
                body=json.dumps(payload).encode(),
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: _hex_hmac(secret, message),
                },
            )
            self._webhooks.append(delivery)
        return delivery

    async def pay(self, token: str, success: bool = True) -> WebhookDelivery:
        """The buyer pays (or fails to pay) ``token``; the webhook is sent (with re-sends) before
        this returns. ``ValueError`` for an unknown or already-paid token."""
        delivery = self.record_payment(token, success)
        await self.deliver(delivery)
        return delivery

    async def replay_last_webhook(self) -> WebhookDelivery:
        """Send the last webhook again, byte for byte (a duplicate delivery)."""
        delivery = self.last_webhook
        if delivery is None:
            raise LookupError("no webhook was sent yet")
        await self.deliver(delivery)
        return delivery

    async def deliver(self, delivery: WebhookDelivery) -> None:
        """POST the webhook; re-send after each pause of ``webhook_retry_delays_s`` until a 2xx."""
        if not delivery.url:
            logger.info("iyzico stand-in: no webhook_url, webhook not sent")
            return
        async with httpx.AsyncClient(timeout=5.0, verify=_tls_context()) as http:
            for delay in (0.0, *self.webhook_retry_delays_s):
                if delay:
                    await asyncio.sleep(delay)
                try:
                    response = await http.post(
                        delivery.url, content=delivery.body, headers=delivery.headers
                    )
                    outcome: int | str = response.status_code
                except (httpx.HTTPError, httpx.InvalidURL) as exc:
                    outcome = type(exc).__name__
                with self._lock:
                    delivery.attempts.append(outcome)
                if isinstance(outcome, int) and 200 <= outcome < 300:
                    return
        logger.warning("iyzico stand-in webhook to %s: no 2xx", delivery.url)

    def deliver_later(self, delivery: WebhookDelivery) -> None:
        task = asyncio.get_running_loop().create_task(self.deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


# --- helpers --------------------------------------------------------------------------------------


def _now_ms() -> int:
    return int(time.time() * 1000)


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _sdk_strip_zero(number: str) -> str:
    return number[:-2] if number.endswith(".0") else number


def _new_token() -> str:
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(8))


def _envelope(locale: str, conversation_id: str | None) -> dict[str, Any]:
    answer: dict[str, Any] = {"status": "success", "locale": locale, "systemTime": _now_ms()}
    if conversation_id is not None:
        answer["conversationId"] = conversation_id
    return answer


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise IyzicoFailure(400, "11", "Geçersiz istek")
    return value


def _locale(request: dict[str, Any]) -> str:
    return "en" if request.get("locale") == "en" else "tr"


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _price(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise IyzicoFailure(400, "12", f"{name} gönderilmesi zorunludur")
    try:
        price = Decimal(str(value))
        exact = price.is_finite() and price == price.quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise IyzicoFailure(400, "12", f"{name} geçersiz") from exc
    if not exact or price <= 0:
        raise IyzicoFailure(400, "12", f"{name} 0'dan büyük olmalıdır (en fazla 2 ondalık)")
    return price


def _address(value: Any, name: str) -> None:
    address = value if isinstance(value, dict) else {}
    for key in ("contactName", "city", "country", "address"):
        if not address.get(key):
            raise IyzicoFailure(400, "12", f"{name}.{key} gönderilmesi zorunludur")


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


async def _bounded_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise IyzicoFailure(413, "11", "İstek çok büyük")
        chunks.append(chunk)
    return b"".join(chunks)


SANDBOX_IYZICO = IyzicoSandbox()

router = APIRouter(tags=["sandbox"])


def _base(request: Request, suffix: str) -> str:
    """The router's base URL as this request reached it (``suffix`` is the route's path)."""
    url = str(request.url).split("?", 1)[0]
    return url[: len(url) - len(suffix)] if url.endswith(suffix) else url


async def _api(request: Request, call: Any) -> Response:
    """Fault, authentication, JSON body, then ``call(api_key, payload)``; failures as iyzico."""
    locale = "en" if request.query_params.get("locale") == "en" else "tr"
    payload: Any = None
    try:
        raw = await _bounded_body(request)
        injected = await SANDBOX_IYZICO.apply_fault()
        if injected is not None:
            return injected
        body = raw.decode("utf-8", errors="replace")
        api_key = SANDBOX_IYZICO.authenticate(
            request.headers.get("authorization"), request.url.path, body
        )
        try:
            payload = json.loads(body) if body else None
        except ValueError as exc:
            raise IyzicoFailure(400, "11", "Geçersiz istek") from exc
        return JSONResponse(call(api_key, payload))
    except IyzicoFailure as failure:
        conversation = payload.get("conversationId") if isinstance(payload, dict) else None
        if isinstance(payload, dict) and payload.get("locale") == "en":
            locale = "en"
        return JSONResponse(failure.body(locale, conversation), status_code=failure.http_status)


@router.post("/v2/iyzilink/fast-link/products")
async def fast_link(request: Request) -> Response:
    base = _base(request, "/v2/iyzilink/fast-link/products")
    return await _api(request, lambda key, body: SANDBOX_IYZICO.create_fast_link(key, body, base))


@router.get("/v2/iyzilink/products/{token}")
async def retrieve_link(token: str, request: Request) -> Response:
    return await _api(request, lambda key, _: SANDBOX_IYZICO.retrieve_link(key, token))


@router.patch("/v2/iyzilink/products/{token}/status/{status}")
async def link_status(token: str, status: str, request: Request) -> Response:
    return await _api(request, lambda key, _: SANDBOX_IYZICO.set_link_status(key, token, status))


@router.post("/payment/iyzipos/checkoutform/initialize/ecom")
async def checkout_initialize(request: Request) -> Response:
    base = _base(request, "/payment/iyzipos/checkoutform/initialize/ecom")
    return await _api(request, lambda key, body: SANDBOX_IYZICO.init_checkout(key, body, base))


@router.post("/payment/iyzipos/checkoutform/auth/ecom/detail")
async def checkout_detail(request: Request) -> Response:
    return await _api(request, SANDBOX_IYZICO.checkout_detail)


_PAGE = """<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>iyzico (sandbox) ödeme</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:28rem;margin:2rem auto">
<h1>iyzico sandbox</h1><p>{description}</p><p><strong data-amount>{amount} {currency}</strong></p>
{body}</body></html>"""


@router.get("/pay/{token}", response_class=HTMLResponse, include_in_schema=False)
async def buyer_page(token: str) -> HTMLResponse:
    page = SANDBOX_IYZICO.page_for(token)
    if page is None:
        return HTMLResponse("<h1>Bulunamadı</h1>", status_code=404)
    if page["payable"]:
        body = (
            '<form method="post"><button name="outcome" value="success">Öde</button> '
            '<button name="outcome" value="failure">Başarısız ödeme (test)</button></form>'
        )
    else:
        body = "<p>Bu bağlantı artık ödenemez.</p>"
    return HTMLResponse(
        _PAGE.format(
            description=html.escape(page["description"]),
            amount=html.escape(str(page["amount"])),
            currency=html.escape(page["currency"]),
            body=body,
        )
    )


@router.post("/pay/{token}", response_class=HTMLResponse, include_in_schema=False)
async def buyer_pays(token: str, request: Request) -> HTMLResponse:
    try:
        raw = await _bounded_body(request)
    except IyzicoFailure:
        return HTMLResponse("<h1>Çok büyük</h1>", status_code=413)
    form = parse_qs(raw.decode("utf-8", errors="replace"), keep_blank_values=True)
    outcome = (form.get("outcome") or ["success"])[0]
    page = SANDBOX_IYZICO.page_for(token)
    try:
        delivery = SANDBOX_IYZICO.record_payment(token, outcome == "success")
    except ValueError as exc:
        return HTMLResponse(f"<h1>{html.escape(str(exc))}</h1>", status_code=409)
    SANDBOX_IYZICO.deliver_later(delivery)
    callback = page.get("callback_url") if page else None
    if callback:  # a checkout form: the browser goes back to the merchant with the token
        return HTMLResponse(
            f'<form id="back" method="post" action="{html.escape(callback)}">'
            f'<input type="hidden" name="token" value="{html.escape(token)}"></form>'
            '<script>document.getElementById("back").submit()</script>'
        )
    message = "Ödemeniz alındı." if outcome == "success" else "Ödeme başarısız oldu."
    return HTMLResponse(f"<h1>{message}</h1>")


# --- wiring ---------------------------------------------------------------------------------------


def configure(settings: Settings) -> None:
    """Buyer pages on the app's port, webhooks to the app (what ``mount_sandbox`` sets)."""
    SANDBOX_IYZICO.public_base = f"{settings.base_url}/sandbox/iyzico"
    SANDBOX_IYZICO.webhook_url = f"{settings.base_url}/webhooks/payments/iyzico"


def standin_app() -> FastAPI:
    """The router at ``/``, as iyzipay needs it (its paths are absolute, its base a bare host)."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(router)
    return app


@contextlib.asynccontextmanager
async def running_iyzico_standin(
    settings: Settings, *, port: int = 0
) -> AsyncIterator[TlsEndpoint]:
    """Serve the iyzico stand-in over HTTPS on 127.0.0.1 (``port`` 0: a free one) in this event
    loop until the block ends. Its certificate comes from a throwaway CA kept in
    ``settings.data_dir / "sandbox-tls"``. Yields ``endpoint.host_port`` (for
    ``iyzico_base_url``) and ``endpoint.ca_file`` (for ``iyzico_ca_file``)::

        async with running_iyzico_standin(settings) as iyzico:
            settings = settings.model_copy(update={
                "iyzico_base_url": iyzico.host_port, "iyzico_ca_file": str(iyzico.ca_file)})
            ...  # build the app with these settings

    Buyer pages and webhooks point at the app (``configure(settings)``, also done by
    ``mount_sandbox``)."""
    configure(settings)
    files = ensure_tls_files(settings.data_dir / "sandbox-tls")
    async with serve_tls(standin_app(), files, host="127.0.0.1", port=port) as endpoint:
        yield endpoint
