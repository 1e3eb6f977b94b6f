"""iyzico through its official SDK (``iyzipay`` 1.0.46): iyzilink fast links, the hosted checkout
form, and the signature checks the SDK leaves undone (WIRE 4, 7.10).

Two things of the SDK are worked around here, without touching its request or signing code:

- ``IyzipayResource.connect`` opens ``http.client.HTTPSConnection(options["base_url"])`` with no
  timeout and the interpreter's default TLS context. Each resource instance gets its own
  ``httplib`` shim whose ``HTTPSConnection`` carries our timeout and ``ssl.SSLContext`` (still
  verifying: the context is ``ssl.create_default_context`` unless the caller gives one).
- ``IyzipayResource.header`` is a class-level dict that ``get_http_header`` mutates on every
  request (``x-iyzi-rnd``, ``Authorization``) and then sends. Two threads in ``connect`` at once
  can send each other's signature. Every SDK call therefore runs under ``_SDK_LOCK``.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import http.client
import json
import re
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import iyzipay

from invekto.integrations.payments.base import (
    CreatedLink,
    LinkRequest,
    PaymentError,
    iyzico_price,
    strip_zero,
)

PROVIDER = "iyzico"
MAX_RESPONSE_BYTES = 64 * 1024
FAST_LINK_MAX_TRY = Decimal("750")
"""iyzico's API reference: a Fast Link collects at most 750 TRY and can be paid once."""
WEBHOOK_SIGNATURE_HEADER = "X-IYZ-SIGNATURE-V3"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")
_MAX_DESCRIPTION = 255

_SDK_LOCK = threading.Lock()
"""Serialises every call into the SDK in this process. ``IyzipayResource.header`` is ONE dict
shared by all resource instances (a class attribute); ``connect`` writes this request's random
key and ``Authorization`` into it and sends it a moment later. Without the lock, a concurrent
call can overwrite it in between and our request goes out with the other call's signature (or
the other merchant's API key). Held for the whole call (the SDK signs and sends in one method);
one iyzico call at a time per process, each bounded by the socket timeout."""


# --- the SDK's transport, with a timeout and our TLS context --------------------------------------


class _HttpsShim:
    """Stands in for the ``http.client`` module the SDK keeps in ``self.httplib``: the SDK only
    calls ``HTTPSConnection(host)``. Remembers the connections so they are closed afterwards."""

    def __init__(self, timeout_s: float, context: ssl.SSLContext) -> None:
        self._factory: Callable[[str], http.client.HTTPSConnection] = _partial_connection(
            timeout_s, context
        )
        self.connections: list[http.client.HTTPSConnection] = []

    def HTTPSConnection(self, host: str) -> http.client.HTTPSConnection:  # noqa: N802 (SDK's name)
        connection = self._factory(host)
        self.connections.append(connection)
        return connection

    def close(self) -> None:
        for connection in self.connections:
            connection.close()


def _partial_connection(
    timeout_s: float, context: ssl.SSLContext
) -> Callable[[str], http.client.HTTPSConnection]:
    """``HTTPSConnection`` with our timeout (each socket operation) and TLS context."""
    return functools.partial(http.client.HTTPSConnection, timeout=timeout_s, context=context)


# --- checkout form types --------------------------------------------------------------------------


@dataclass(frozen=True)
class BasketItem:
    id: str
    name: str
    category: str
    price: Decimal
    item_type: str = "PHYSICAL"  # or VIRTUAL


@dataclass(frozen=True)
class Buyer:
    id: str
    name: str
    surname: str
    email: str
    identity_number: str
    gsm_number: str
    address: str
    city: str
    country: str = "Turkey"
    ip: str = "85.34.78.112"


@dataclass(frozen=True)
class Address:
    contact_name: str
    city: str
    address: str
    country: str = "Turkey"


@dataclass(frozen=True)
class CheckoutFormRequest:
    """The hosted payment page for a basket. ``price`` is the basket's sum (iyzico refuses any
    other); ``paid_price`` (default: the same) is what the buyer pays, e.g. with a fee."""

    reference: str
    basket_id: str
    items: tuple[BasketItem, ...]
    buyer: Buyer
    billing_address: Address
    callback_url: str
    shipping_address: Address | None = None
    paid_price: Decimal | None = None
    currency: str = "TRY"
    enabled_installments: tuple[int, ...] = (1,)
    language: str = "tr"

    @property
    def price(self) -> Decimal:
        return sum((item.price for item in self.items), Decimal(0))


@dataclass(frozen=True)
class CheckoutFormSession:
    token: str
    payment_page_url: str
    checkout_form_content: str
    token_expire_time_s: int | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class CheckoutFormResult:
    payment_status: str
    payment_id: str | None
    price: Decimal
    paid_price: Decimal
    currency: str
    basket_id: str | None
    conversation_id: str | None
    token: str
    raw: dict[str, Any]

    @property
    def paid(self) -> bool:
        return self.payment_status == "SUCCESS"


# --- the client -----------------------------------------------------------------------------------


class IyzicoClient:
    """One merchant's iyzico account. ``base_url`` is a bare ``host[:port]`` as the SDK wants
    (``api.iyzipay.com``, ``sandbox-api.iyzipay.com``, ``127.0.0.1:8443``)."""

    provider = PROVIDER

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout_s: float = 8.0,
    ) -> None:
        if not api_key or not secret_key:
            raise ValueError("iyzico needs an API key and a secret key")
        if "/" in base_url or not base_url.strip():
            raise ValueError("iyzico base_url is a bare host[:port], e.g. api.iyzipay.com")
        self._options = {"api_key": api_key, "secret_key": secret_key, "base_url": base_url}
        self._secret = secret_key
        self._context = ssl_context or ssl.create_default_context()
        self._timeout_s = timeout_s

    # --- links ---

    async def create_link(self, req: LinkRequest) -> CreatedLink:
        """An iyzilink Fast Link (no image needed): ``description`` = name - description,
        ``conversationId`` = ``req.reference``. iyzico caps Fast Links at 750 TRY and one
        payment. A Fast Link has no expiry, installment, callback or e-mail field: the result's
        ``expires_at`` is None (deactivate the link yourself when it should expire) and the
        payment is reported by iyzico's webhook (``webhook_signature_ok``)."""
        if req.currency == "TRY" and req.amount > FAST_LINK_MAX_TRY:
            raise PaymentError(
                f"iyzico Fast Link amounts are at most {FAST_LINK_MAX_TRY} TRY", retryable=False
            )
        description = req.name.strip()
        if req.description.strip():
            description = f"{description} - {req.description.strip()}"
        request = {
            "locale": req.language,
            "conversationId": req.reference,
            "description": description[:_MAX_DESCRIPTION],
            "price": iyzico_price(req.amount),
            "currencyCode": req.currency,
            "sourceType": "WEB",
        }
        answer = await self._call(iyzipay.IyziLinkProduct, "fast_link", request)
        _check_conversation(answer, req.reference)
        data = answer.get("data")
        if not isinstance(data, dict) or not data.get("token") or not data.get("url"):
            raise PaymentError("iyzico answered without data.token/url", retryable=False)
        return CreatedLink(PROVIDER, str(data["token"]), str(data["url"]), None, raw=answer)

    async def retrieve_link(self, token: str) -> dict[str, Any]:
        """``GET /v2/iyzilink/products/{token}``: the link's ``data`` as iyzico sends it."""
        answer = await self._call(
            iyzipay.IyziLinkProduct, "retrieve", {"token": _checked_token(token)}
        )
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    async def deactivate(self, external_id: str) -> None:
        """``PATCH /v2/iyzilink/products/{token}/status/PASSIVE``."""
        await self._call(
            iyzipay.IyziLinkProduct,
            "update_product_status",
            {"token": _checked_token(external_id), "status": "PASSIVE"},
        )

    # --- hosted checkout form ---

    async def init_checkout_form(self, form: CheckoutFormRequest) -> CheckoutFormSession:
        """``CheckoutFormInitialize().create``; the answer's signature is checked."""
        answer = await self._call(iyzipay.CheckoutFormInitialize, "create", _checkout_request(form))
        _check_conversation(answer, form.reference)
        if not checkout_init_signature_ok(answer, self._secret):
            raise PaymentError("iyzico checkout answer has a bad signature", retryable=False)
        expire = answer.get("tokenExpireTime")
        return CheckoutFormSession(
            token=str(answer["token"]),
            payment_page_url=str(answer.get("paymentPageUrl") or ""),
            checkout_form_content=str(answer.get("checkoutFormContent") or ""),
            token_expire_time_s=expire if isinstance(expire, int) else None,
            raw=answer,
        )

    async def retrieve_checkout_form(
        self, token: str, reference: str, *, language: str = "tr"
    ) -> CheckoutFormResult:
        """``CheckoutForm().retrieve``: the payment's result, its signature checked."""
        request = {
            "locale": language,
            "conversationId": reference,
            "token": _checked_token(token),
        }
        answer = await self._call(iyzipay.CheckoutForm, "retrieve", request)
        if not checkout_detail_signature_ok(answer, self._secret):
            raise PaymentError("iyzico checkout result has a bad signature", retryable=False)
        if answer.get("token") != token:
            raise PaymentError("iyzico answered for another token", retryable=False)
        return CheckoutFormResult(
            payment_status=str(answer.get("paymentStatus") or ""),
            payment_id=_opt_str(answer.get("paymentId")),
            price=_decimal(answer.get("price")),
            paid_price=_decimal(answer.get("paidPrice")),
            currency=str(answer.get("currency") or ""),
            basket_id=_opt_str(answer.get("basketId")),
            conversation_id=_opt_str(answer.get("conversationId")),
            token=token,
            raw=answer,
        )

    # --- plumbing ---

    async def _call(self, resource: type, method: str, request: dict[str, Any]) -> dict[str, Any]:
        status, body = await asyncio.to_thread(self._call_sdk, resource, method, request)
        return _answer(status, body)

    def _call_sdk(self, resource: type, method: str, request: dict[str, Any]) -> tuple[int, bytes]:
        """Runs in a worker thread: one SDK call under the lock, the answer read (bounded)."""
        sdk = resource()
        shim = _HttpsShim(self._timeout_s, self._context)
        sdk.httplib = shim
        if not _SDK_LOCK.acquire(timeout=self._timeout_s * 4):
            raise PaymentError("iyzico client busy (another call hangs)", retryable=True)
        try:
            response = getattr(sdk, method)(request, self._options)
            body = response.read(MAX_RESPONSE_BYTES + 1)
            status = response.status
        except ssl.SSLCertVerificationError as exc:
            raise PaymentError(
                f"iyzico TLS certificate not trusted: {exc.verify_message}", retryable=False
            ) from exc
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise PaymentError(
                f"iyzico unreachable: {type(exc).__name__}: {exc}", retryable=True
            ) from exc
        finally:
            _SDK_LOCK.release()
            shim.close()
        if len(body) > MAX_RESPONSE_BYTES:
            raise PaymentError("iyzico answer over 64 KB", retryable=False, status_code=status)
        return status, body


def _answer(status: int, body: bytes) -> dict[str, Any]:
    """The JSON answer of a successful call, else the fitting ``PaymentError``."""
    retryable = status >= 500 or status == 429
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise PaymentError(
            f"iyzico answered HTTP {status} without JSON", retryable=retryable, status_code=status
        )
    if data.get("status") != "success" or not 200 <= status < 300:
        code = data.get("errorCode")
        raise PaymentError(
            str(data.get("errorMessage") or f"iyzico answered HTTP {status}"),
            retryable=retryable,
            code=None if code is None else str(code),
            status_code=status,
        )
    return data


def _checkout_request(form: CheckoutFormRequest) -> dict[str, Any]:
    if not form.items:
        raise ValueError("a checkout form needs basket items")
    price = form.price
    buyer = form.buyer
    billing = _address(form.billing_address)
    return {
        "locale": form.language,
        "conversationId": form.reference,
        "price": iyzico_price(price),
        "paidPrice": iyzico_price(form.paid_price if form.paid_price is not None else price),
        "currency": form.currency,
        "basketId": form.basket_id,
        "paymentGroup": "PRODUCT",
        "callbackUrl": form.callback_url,
        "enabledInstallments": [str(n) for n in form.enabled_installments],
        "buyer": {
            "id": buyer.id,
            "name": buyer.name,
            "surname": buyer.surname,
            "gsmNumber": buyer.gsm_number,
            "email": buyer.email,
            "identityNumber": buyer.identity_number,
            "registrationAddress": buyer.address,
            "ip": buyer.ip,
            "city": buyer.city,
            "country": buyer.country,
        },
        "shippingAddress": _address(form.shipping_address or form.billing_address),
        "billingAddress": billing,
        "basketItems": [
            {
                "id": item.id,
                "name": item.name,
                "category1": item.category,
                "itemType": item.item_type,
                "price": iyzico_price(item.price),
            }
            for item in form.items
        ],
    }


def _address(address: Address) -> dict[str, str]:
    return {
        "contactName": address.contact_name,
        "city": address.city,
        "country": address.country,
        "address": address.address,
    }


def _check_conversation(answer: Mapping[str, Any], reference: str) -> None:
    echoed = answer.get("conversationId")
    if echoed is not None and str(echoed) != reference:
        raise PaymentError("iyzico answered for another conversationId", retryable=False)


def _checked_token(token: str) -> str:
    """Tokens go into the SDK's URL paths: letters, digits, ``-`` and ``_`` only."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ValueError("not an iyzico token")
    return token


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return Decimal(0)


# --- signatures -----------------------------------------------------------------------------------


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _same(expected: str, given: Any) -> bool:
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def _field(value: Any) -> str:
    return "" if value is None else str(value)


def _price_field(value: Any) -> str:
    """A price as the SDK samples sign it: ``strip_zero(str(json_number))``, the number parsed
    by ``json.load`` (a float: ``10.50`` → ``"10.5"``, ``10.0`` → ``"10"``)."""
    if isinstance(value, Decimal):
        value = float(value)
    return strip_zero(_field(value))


def checkout_init_signature_ok(resp: Mapping[str, Any], secret: str) -> bool:
    """Checkout form initialize: hex HMAC-SHA256(secret, ``conversationId:token``)."""
    fields = [_field(resp.get("conversationId")), _field(resp.get("token"))]
    return bool(secret) and _same(_hex_hmac(secret, ":".join(fields)), resp.get("signature"))


def checkout_detail_signature_ok(resp: Mapping[str, Any], secret: str) -> bool:
    """Checkout form retrieve: hex HMAC-SHA256(secret, ``paymentStatus:paymentId:currency:
    basketId:conversationId:paidPrice:price:token``), the prices through ``strip_zero``. ``resp``
    is the answer as ``json.loads`` parses it."""
    fields = [
        _field(resp.get("paymentStatus")),
        _field(resp.get("paymentId")),
        _field(resp.get("currency")),
        _field(resp.get("basketId")),
        _field(resp.get("conversationId")),
        _price_field(resp.get("paidPrice")),
        _price_field(resp.get("price")),
        _field(resp.get("token")),
    ]
    return bool(secret) and _same(_hex_hmac(secret, ":".join(fields)), resp.get("signature"))


_WEBHOOK_FIELDS = ("iyziEventType", "iyziPaymentId", "token", "paymentConversationId", "status")


def webhook_signature(body: Mapping[str, Any], secret: str) -> str:
    """The ``X-IYZ-SIGNATURE-V3`` of a checkout-form (HPP) webhook: hex HMAC-SHA256(key=secret,
    msg=secret + iyziEventType + iyziPaymentId + token + paymentConversationId + status)."""
    parts = []
    for name in _WEBHOOK_FIELDS:
        value = body.get(name)
        if value is None or isinstance(value, bool | float | dict | list):
            raise ValueError(f"webhook field {name} is missing or not a string/integer")
        parts.append(str(value))
    return _hex_hmac(secret, secret + "".join(parts))


def webhook_signature_ok(body: Mapping[str, Any], header_value: str | None, secret: str) -> bool:
    """Whether ``header_value`` (``X-IYZ-SIGNATURE-V3``) signs the parsed webhook ``body``.
    False on a missing header, a missing field or an empty secret; constant-time compare."""
    if not secret or not header_value or not isinstance(body, Mapping):
        return False
    try:
        expected = webhook_signature(body, secret)
    except ValueError:
        return False
    return _same(expected, header_value)
