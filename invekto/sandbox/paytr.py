"""Stand-in of PayTR's Link API (WIRE 5, 7.11): create and delete links (form-encoded, checked
``paytr_token``), a buyer page, and the Link callback posted to the link's ``callback_link``
after a successful payment only, re-sent until the answer is the plain text ``OK``.

Mounted at ``/sandbox/paytr`` on the app's port: ``PaytrClient(base_url=settings.paytr_base)``
calls ``{base}/odeme/api/link/create``; buyers open ``{base}/link/{id}``. The stand-in computes
every token and hash with its own code, not the client's.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import html
import logging
import re
import secrets
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from invekto.config import Settings

logger = logging.getLogger(__name__)

ISTANBUL = ZoneInfo("Europe/Istanbul")
DEMO_PAYTR_MERCHANT_ID = "100001"
DEMO_PAYTR_MERCHANT_KEY = "sandboxPaytrMerchantKey"
DEMO_PAYTR_MERCHANT_SALT = "sandboxPaytrMerchantSalt"
MAX_BODY_BYTES = 64 * 1024
_CURRENCIES = frozenset({"TL", "USD", "EUR", "GBP", "RUB"})
_CALLBACK_ID = re.compile(r"[A-Za-z0-9]{1,64}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


class PaytrFailure(Exception):
    """``{"status": "failed", "reason": ...}`` (HTTP 200, like PayTR)."""


@dataclass(slots=True)
class _Link:
    id: str
    merchant_id: str
    name: str
    price: int
    currency: str
    max_installment: int
    lang: str
    link_type: str
    min_count: int
    max_count: int | None
    expiry: datetime | None
    callback_link: str | None
    callback_id: str | None
    url: str
    sold: int = 0
    deleted: bool = False

    def payable(self) -> bool:
        if self.deleted:
            return False
        if self.expiry is not None and datetime.now(ISTANBUL) >= self.expiry:
            return False
        return self.max_count is None or self.sold + self.min_count <= self.max_count


@dataclass
class CallbackDelivery:
    """One Link callback as sent, and each attempt's answer (``"OK"``, another body excerpt, an
    HTTP status, or a connection error's name)."""

    url: str
    form: dict[str, str]
    attempts: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return "OK" in self.attempts


class PaytrSandbox:
    """Merchants, links and callbacks sent. Thread-safe: tests poke it from outside."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.public_base: str | None = None
        """Where buyer pages are, e.g. ``{settings.base_url}/sandbox/paytr``; unset: the
        requested host."""
        self.callback_retry_delays_s: tuple[float, ...] = (0.05, 0.2, 0.5)
        """Pauses before each re-send of a callback not answered ``OK`` (PayTR: ~1 min)."""
        self.strict_callback_link = False
        """Refuse ``callback_link`` on localhost or with a port, as PayTR does (off: the
        sandbox's app runs on localhost:port)."""
        self._tasks: set[asyncio.Task[None]] = set()
        self.reset()

    def reset(self) -> None:
        """Only the demo merchant; no links or callbacks. Wiring stays."""
        with self._lock:
            self._merchants = {
                DEMO_PAYTR_MERCHANT_ID: (DEMO_PAYTR_MERCHANT_KEY, DEMO_PAYTR_MERCHANT_SALT)
            }
            self._links: dict[str, _Link] = {}
            self._callbacks: list[CallbackDelivery] = []

    def add_merchant(self, merchant_id: str, merchant_key: str, merchant_salt: str) -> None:
        with self._lock:
            self._merchants[merchant_id] = (merchant_key, merchant_salt)

    def link(self, link_id: str) -> dict[str, Any]:
        with self._lock:
            link = self._links[link_id]
            return {
                "id": link.id,
                "name": link.name,
                "price": link.price,
                "currency": link.currency,
                "max_installment": link.max_installment,
                "lang": link.lang,
                "min_count": link.min_count,
                "max_count": link.max_count,
                "expiry": link.expiry,
                "callback_link": link.callback_link,
                "callback_id": link.callback_id,
                "sold": link.sold,
                "deleted": link.deleted,
                "payable": link.payable(),
                "url": link.url,
            }

    def callbacks(self) -> list[CallbackDelivery]:
        with self._lock:
            return list(self._callbacks)

    @property
    def last_callback(self) -> CallbackDelivery | None:
        with self._lock:
            return self._callbacks[-1] if self._callbacks else None

    # --- the API ---

    def _secrets(self, merchant_id: str | None) -> tuple[str, str]:
        with self._lock:
            found = self._merchants.get(merchant_id or "")
        if found is None:
            raise PaytrFailure("merchant_id geçersiz")
        return found

    def create(self, form: dict[str, str], base: str) -> dict[str, Any]:
        merchant_id = form.get("merchant_id")
        key, salt = self._secrets(merchant_id)
        name = form.get("name", "")
        if not 4 <= len(name) <= 200:
            raise PaytrFailure("name en az 4, en fazla 200 karakter olmalıdır")
        price = form.get("price", "")
        if not price.isdigit() or int(price) <= 0:
            raise PaytrFailure("price 100 ile çarpılmış tam sayı olmalıdır (14.45 TL: 1445)")
        currency = form.get("currency", "")
        if currency not in _CURRENCIES:
            raise PaytrFailure("currency TL, USD, EUR, GBP ya da RUB olmalıdır")
        installment = form.get("max_installment", "")
        if not installment.isdigit() or not 1 <= int(installment) <= 12:
            raise PaytrFailure("max_installment 1 ile 12 arasında olmalıdır")
        link_type = form.get("link_type", "")
        if link_type not in ("product", "collection"):
            raise PaytrFailure("link_type product ya da collection olmalıdır")
        lang = form.get("lang", "")
        if lang not in ("tr", "en"):
            raise PaytrFailure("lang tr ya da en olmalıdır")
        min_count, max_count, email = form.get("min_count", ""), form.get("max_count", ""), ""
        if link_type == "product":
            if not min_count.isdigit() or int(min_count) < 1:
                raise PaytrFailure("min_count product linklerde zorunludur")
            last = min_count
        else:
            email = form.get("email", "")
            if not _EMAIL.fullmatch(email):
                raise PaytrFailure("email collection linklerde zorunludur")
            last = email
        if max_count and (not max_count.isdigit() or int(max_count) < int(min_count or "1")):
            raise PaytrFailure("max_count min_count değerinden küçük olamaz")
        expiry = None
        if form.get("expiry_date"):
            try:
                expiry = datetime.strptime(form["expiry_date"], "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=ISTANBUL
                )
            except ValueError as exc:
                raise PaytrFailure("expiry_date YYYY-MM-DD HH:MM:SS biçiminde olmalıdır") from exc
            if expiry <= datetime.now(ISTANBUL):
                raise PaytrFailure("expiry_date geçmiş bir tarih olamaz")
        callback_link, callback_id = form.get("callback_link", ""), form.get("callback_id", "")
        if bool(callback_link) != bool(callback_id):
            raise PaytrFailure("callback_link ve callback_id birlikte gönderilmelidir")
        if callback_link:
            self._check_callback_link(callback_link)
            if not _CALLBACK_ID.fullmatch(callback_id):
                raise PaytrFailure("callback_id alfanumerik ve en fazla 64 karakter olmalıdır")
        concat = name + price + currency + installment + link_type + lang + last
        if not _same(_token(key, concat + salt), form.get("paytr_token", "")):
            raise PaytrFailure("paytr_token geçersiz")
        link_id = "".join(secrets.choice(_ID_ALPHABET) for _ in range(7))
        link = _Link(
            id=link_id,
            merchant_id=merchant_id or "",
            name=name,
            price=int(price),
            currency=currency,
            max_installment=int(installment),
            lang=lang,
            link_type=link_type,
            min_count=int(min_count or "1"),
            max_count=int(max_count) if max_count else None,
            expiry=expiry,
            callback_link=callback_link or None,
            callback_id=callback_id or None,
            url=f"{self.public_base or base}/link/{link_id}",
        )
        with self._lock:
            self._links[link_id] = link
        return {"status": "success", "id": link_id, "link": link.url}

    def _check_callback_link(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 400:
            raise PaytrFailure("callback_link http:// ya da https:// ile başlamalıdır")
        if self.strict_callback_link and (
            parts.port is not None or parts.hostname in ("localhost", "127.0.0.1", "::1")
        ):
            raise PaytrFailure("callback_link localhost olmamalı ve port içermemelidir")

    def delete(self, form: dict[str, str]) -> dict[str, Any]:
        merchant_id = form.get("merchant_id")
        key, salt = self._secrets(merchant_id)
        ids = form.get("id", "")
        if not _same(_token(key, ids + (merchant_id or "") + salt), form.get("paytr_token", "")):
            raise PaytrFailure("paytr_token geçersiz")
        wanted = [part.strip() for part in ids.split(",") if part.strip()]
        if not 1 <= len(wanted) <= 10:
            raise PaytrFailure("id zorunludur (en fazla 10 adet)")
        with self._lock:
            links = [self._links.get(link_id) for link_id in wanted]
            if any(link is None or link.merchant_id != merchant_id for link in links):
                raise PaytrFailure("link bulunamadı")
            for link in links:
                assert link is not None
                link.deleted = True
        return {"status": "success"}

    # --- the buyer ---

    def record_payment(self, link_id: str, success: bool) -> CallbackDelivery | None:
        """The buyer pays ``link_id`` (one unit); the signed callback form when the payment
        succeeded and the link has a ``callback_link`` (PayTR calls back for nothing else).
        ``ValueError`` for an unknown or unpayable link. Deliver with ``deliver``."""
        with self._lock:
            link = self._links.get(link_id)
            if link is None:
                raise ValueError(f"unknown link {link_id}")
            if not link.payable():
                raise ValueError(f"link {link_id} is not payable")
            if not success:
                return None
            link.sold += link.min_count
            if not link.callback_link or not link.callback_id:
                return None
            key, salt = self._merchants[link.merchant_id]
            total = str(link.price * link.min_count)
            form = {
                "merchant_oid": "LNK" + secrets.token_hex(8).upper(),
                "status": "success",
                "total_amount": total,
                "payment_amount": total,
                "payment_type": "card",
                "currency": link.currency,
                "callback_id": link.callback_id,
                "merchant_id": link.merchant_id,
                "test_mode": "1",
            }
            form["hash"] = _token(
                key,
                form["callback_id"]
                + form["merchant_oid"]
                + salt
                + form["status"]
                + form["total_amount"],
            )
            delivery = CallbackDelivery(url=link.callback_link, form=form)
            self._callbacks.append(delivery)
        return delivery

    async def pay(self, link_id: str, success: bool = True) -> CallbackDelivery | None:
        """The buyer pays (or fails to pay) ``link_id``; a success is called back (with
        re-sends) before this returns. None when nothing is called back."""
        delivery = self.record_payment(link_id, success)
        if delivery is not None:
            await self.deliver(delivery)
        return delivery

    async def replay_last_callback(self) -> CallbackDelivery:
        """Send the last callback again, the identical form (same merchant_oid and hash)."""
        delivery = self.last_callback
        if delivery is None:
            raise LookupError("no callback was sent yet")
        await self.deliver(delivery)
        return delivery

    async def deliver(self, delivery: CallbackDelivery) -> None:
        """POST the form; re-send after each pause until the answer is the plain text ``OK``."""
        async with httpx.AsyncClient(timeout=5.0, verify=_tls_context()) as http:
            for delay in (0.0, *self.callback_retry_delays_s):
                if delay:
                    await asyncio.sleep(delay)
                try:
                    response = await http.post(delivery.url, data=delivery.form)
                    text = response.text.strip()
                    outcome = (
                        "OK"
                        if response.is_success and text == "OK"
                        else (f"HTTP {response.status_code}: {text[:40]}")
                    )
                except (httpx.HTTPError, httpx.InvalidURL) as exc:
                    outcome = type(exc).__name__
                with self._lock:
                    delivery.attempts.append(outcome)
                if outcome == "OK":
                    return
        logger.warning("PayTR stand-in callback to %s: never answered OK", delivery.url)

    def deliver_later(self, delivery: CallbackDelivery) -> None:
        task = asyncio.get_running_loop().create_task(self.deliver(delivery))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _token(key: str, message: str) -> str:
    digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _same(expected: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


async def _form(request: Request) -> dict[str, str] | None:
    """The url-encoded form (first value of each field), or None when over the size limit."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    parsed = parse_qs(b"".join(chunks).decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}


SANDBOX_PAYTR = PaytrSandbox()

router = APIRouter(tags=["sandbox"])


def _base(request: Request, suffix: str) -> str:
    url = str(request.url).split("?", 1)[0]
    return url[: len(url) - len(suffix)] if url.endswith(suffix) else url


@router.post("/odeme/api/link/create")
async def create_link(request: Request) -> JSONResponse:
    form = await _form(request)
    if form is None:
        return JSONResponse({"status": "failed", "reason": "istek çok büyük"}, status_code=413)
    try:
        answer = SANDBOX_PAYTR.create(form, _base(request, "/odeme/api/link/create"))
    except PaytrFailure as exc:
        return JSONResponse({"status": "failed", "reason": str(exc)})
    return JSONResponse(answer)


@router.post("/odeme/api/link/delete")
async def delete_link(request: Request) -> JSONResponse:
    form = await _form(request)
    if form is None:
        return JSONResponse({"status": "failed", "reason": "istek çok büyük"}, status_code=413)
    try:
        return JSONResponse(SANDBOX_PAYTR.delete(form))
    except PaytrFailure as exc:
        return JSONResponse({"status": "failed", "reason": str(exc)})


_PAGE = """<!doctype html>
<html lang="tr"><head><meta charset="utf-8"><title>PayTR (sandbox) ödeme</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:sans-serif;max-width:28rem;margin:2rem auto">
<h1>PayTR sandbox</h1><p>{name}</p><p><strong data-amount>{amount} {currency}</strong></p>
{body}</body></html>"""


@router.get("/link/{link_id}", response_class=HTMLResponse, include_in_schema=False)
async def buyer_page(link_id: str) -> HTMLResponse:
    try:
        link = SANDBOX_PAYTR.link(link_id)
    except KeyError:
        return HTMLResponse("<h1>Bulunamadı</h1>", status_code=404)
    if link["payable"]:
        body = (
            '<form method="post"><button name="outcome" value="success">Öde</button> '
            '<button name="outcome" value="failure">Başarısız ödeme (test)</button></form>'
        )
    else:
        body = "<p>Bu bağlantı artık ödenemez.</p>"
    amount = f"{link['price'] // 100},{link['price'] % 100:02d}"
    return HTMLResponse(
        _PAGE.format(
            name=html.escape(link["name"]),
            amount=amount,
            currency=html.escape(link["currency"]),
            body=body,
        )
    )


@router.post("/link/{link_id}", response_class=HTMLResponse, include_in_schema=False)
async def buyer_pays(link_id: str, request: Request) -> HTMLResponse:
    form = await _form(request) or {}
    success = form.get("outcome", "success") == "success"
    try:
        delivery = SANDBOX_PAYTR.record_payment(link_id, success)
    except ValueError as exc:
        return HTMLResponse(f"<h1>{html.escape(str(exc))}</h1>", status_code=409)
    if delivery is not None:
        SANDBOX_PAYTR.deliver_later(delivery)
    return HTMLResponse("<h1>Ödemeniz alındı.</h1>" if success else "<h1>Ödeme başarısız.</h1>")


def configure(settings: Settings) -> None:
    """Buyer pages on the app's port (what ``mount_sandbox`` sets)."""
    SANDBOX_PAYTR.public_base = f"{settings.base_url}/sandbox/paytr"
