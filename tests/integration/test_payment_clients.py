"""The payment-link clients against their stand-ins over real sockets: iyzico through the official
SDK over TLS (a throwaway CA the client trusts explicitly), PayTR over HTTP; the stand-ins'
webhooks and callbacks posted to a receiver, and checked with the verifiers."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import httpx
import iyzipay
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response

from invekto.config import Settings
from invekto.integrations.payments import (
    WEBHOOK_SIGNATURE_HEADER,
    IyzicoClient,
    LinkRequest,
    PaymentError,
    PaytrClient,
    checkout_detail_signature_ok,
    checkout_init_signature_ok,
    link_callback_ok,
    webhook_signature_ok,
)
from invekto.integrations.payments import iyzico as iyzico_module
from invekto.integrations.payments.iyzico import (
    Address,
    BasketItem,
    Buyer,
    CheckoutFormRequest,
)
from invekto.integrations.payments.paytr import paytr_token
from invekto.sandbox.iyzico import (
    DEMO_IYZICO_API_KEY,
    DEMO_IYZICO_SECRET,
    SANDBOX_IYZICO,
    running_iyzico_standin,
    standin_app,
)
from invekto.sandbox.paytr import (
    DEMO_PAYTR_MERCHANT_ID,
    DEMO_PAYTR_MERCHANT_KEY,
    DEMO_PAYTR_MERCHANT_SALT,
    SANDBOX_PAYTR,
)
from invekto.sandbox.paytr import router as paytr_router
from invekto.sandbox.tls import TlsEndpoint, ensure_tls_files, serve_tls
from tests.support.server import serve
from tests.support.waiting import wait_for

ISTANBUL = ZoneInfo("Europe/Istanbul")
OTHER_API_KEY, OTHER_SECRET = "sandbox-other-merchant-key", "sandbox-other-merchant-secret"


# --- a receiver for webhooks and callbacks, and PayTR's stand-in, on one HTTP port ----------------


@dataclass
class Receiver:
    """What the app would be: records every iyzico webhook and PayTR callback, answers as told."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    webhooks: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    callbacks: list[dict[str, str]] = field(default_factory=list)
    webhook_answers: list[int] = field(default_factory=list)
    callback_answers: list[str] = field(default_factory=list)

    def clear(self) -> None:
        with self.lock:
            self.webhooks.clear()
            self.callbacks.clear()
            self.webhook_answers.clear()
            self.callback_answers.clear()


RECEIVER = Receiver()


def _receiver_app() -> FastAPI:
    app = FastAPI()
    app.include_router(paytr_router, prefix="/sandbox/paytr")

    @app.post("/webhooks/payments/iyzico")
    async def iyzico_webhook(request: Request) -> Response:
        body = await request.body()
        with RECEIVER.lock:
            RECEIVER.webhooks.append((body, dict(request.headers)))
            status = RECEIVER.webhook_answers.pop(0) if RECEIVER.webhook_answers else 200
        return Response(status_code=status)

    @app.post("/paytr/callback")
    async def paytr_callback(request: Request) -> PlainTextResponse:
        form = parse_qs((await request.body()).decode(), keep_blank_values=True)
        with RECEIVER.lock:
            RECEIVER.callbacks.append({name: values[0] for name, values in form.items()})
            text = RECEIVER.callback_answers.pop(0) if RECEIVER.callback_answers else "OK"
        return PlainTextResponse(text)

    return app


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with serve(_receiver_app()) as url:
        yield url


@pytest.fixture(scope="module")
async def iyzico(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TlsEndpoint]:
    """The iyzico stand-in over HTTPS on a loopback port, in the test's event loop."""
    files = ensure_tls_files(tmp_path_factory.mktemp("sandbox-tls"))
    async with serve_tls(standin_app(), files) as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def fresh(app_url: str) -> Iterator[None]:
    SANDBOX_IYZICO.reset()
    SANDBOX_PAYTR.reset()
    RECEIVER.clear()
    SANDBOX_IYZICO.public_base = None
    SANDBOX_IYZICO.webhook_url = f"{app_url}/webhooks/payments/iyzico"
    SANDBOX_IYZICO.webhook_retry_delays_s = (0.01, 0.01, 0.01)
    SANDBOX_PAYTR.public_base = None
    SANDBOX_PAYTR.callback_retry_delays_s = (0.01, 0.01, 0.01)
    yield


def _context(endpoint: TlsEndpoint) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(endpoint.ca_file))


def _iyzico_client(
    endpoint: TlsEndpoint,
    *,
    api_key: str = DEMO_IYZICO_API_KEY,
    secret: str = DEMO_IYZICO_SECRET,
    timeout_s: float = 3.0,
) -> IyzicoClient:
    return IyzicoClient(
        api_key, secret, endpoint.host_port, ssl_context=_context(endpoint), timeout_s=timeout_s
    )


def _link_request(reference: str = "lnk1", amount: str = "149.90", **extra: Any) -> LinkRequest:
    values: dict[str, Any] = {
        "reference": reference,
        "name": "Kırmızı yazlık elbise",
        "description": "M beden",
        "amount": Decimal(amount),
    }
    values.update(extra)
    return LinkRequest(**values)


# --- iyzico links through the SDK -----------------------------------------------------------------


async def test_sdk_creates_retrieves_and_deactivates_a_link_over_tls(iyzico: TlsEndpoint) -> None:
    client = _iyzico_client(iyzico)

    link = await client.create_link(_link_request("ord123"))

    assert link.provider == "iyzico" and link.expires_at is None
    assert link.url == f"{iyzico.base_url}/pay/{link.external_id}"
    kept = SANDBOX_IYZICO.link(link.external_id)
    assert kept["conversationId"] == "ord123"
    assert kept["price"] == Decimal("149.9") and kept["currencyCode"] == "TRY"
    assert kept["description"] == "Kırmızı yazlık elbise - M beden"

    data = await client.retrieve_link(link.external_id)
    assert data["token"] == link.external_id and data["status"] == "ACTIVE"
    assert data["price"] == 149.9

    await client.deactivate(link.external_id)
    assert SANDBOX_IYZICO.link(link.external_id)["status"] == "PASSIVE"
    with pytest.raises(ValueError, match="not payable"):
        await SANDBOX_IYZICO.pay(link.external_id)


async def test_a_wrong_secret_is_a_final_failure(iyzico: TlsEndpoint) -> None:
    client = _iyzico_client(iyzico, secret="not-the-secret")

    with pytest.raises(PaymentError) as caught:
        await client.create_link(_link_request())

    assert caught.value.retryable is False
    assert caught.value.code == "1000" and caught.value.reason == "Geçersiz imza"
    assert SANDBOX_IYZICO.links() == []


async def test_an_unknown_token_is_a_final_failure(iyzico: TlsEndpoint) -> None:
    with pytest.raises(PaymentError) as caught:
        await _iyzico_client(iyzico).deactivate("NOSUCH42")
    assert caught.value.retryable is False and caught.value.status_code == 404


async def test_over_the_fast_link_limit_is_refused_before_sending(iyzico: TlsEndpoint) -> None:
    with pytest.raises(PaymentError) as caught:
        await _iyzico_client(iyzico).create_link(_link_request(amount="750.01"))
    assert caught.value.retryable is False and "750" in caught.value.reason
    assert SANDBOX_IYZICO.links() == []


async def test_a_server_error_is_retryable(iyzico: TlsEndpoint) -> None:
    SANDBOX_IYZICO.inject(status=503)

    with pytest.raises(PaymentError) as caught:
        await _iyzico_client(iyzico).create_link(_link_request())

    assert caught.value.retryable is True and caught.value.status_code == 503


async def test_a_silent_server_times_out_as_retryable(iyzico: TlsEndpoint) -> None:
    """A port that accepts the TCP connection and never says a word (not even the TLS
    handshake): the socket timeout given to the SDK's connection ends the call."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        host_port = f"127.0.0.1:{silent.getsockname()[1]}"
        client = IyzicoClient(
            DEMO_IYZICO_API_KEY,
            DEMO_IYZICO_SECRET,
            host_port,
            ssl_context=_context(iyzico),
            timeout_s=0.3,
        )
        with pytest.raises(PaymentError) as caught:
            await client.create_link(_link_request())

    assert caught.value.retryable is True
    assert "unreachable" in caught.value.reason


async def test_the_default_tls_context_refuses_the_stand_ins_certificate(
    iyzico: TlsEndpoint,
) -> None:
    """Verification is on: without the test CA the stand-in is not trusted."""
    client = IyzicoClient(DEMO_IYZICO_API_KEY, DEMO_IYZICO_SECRET, iyzico.host_port, timeout_s=3)

    with pytest.raises(PaymentError) as caught:
        await client.create_link(_link_request())

    assert "certificate" in caught.value.reason and caught.value.retryable is False
    assert SANDBOX_IYZICO.links() == []


async def test_the_sdk_alone_sends_whatever_signature_was_written_last(
    iyzico: TlsEndpoint,
) -> None:
    """Why the client serialises SDK calls: two calls that have both signed before either
    sends go out with the same (the last written) Authorization, so one is refused."""
    both_signed = threading.Barrier(2, timeout=5)
    context = _context(iyzico)

    class PausedConnection(http.client.HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
            both_signed.wait()
            super().request(*args, **kwargs)

    class Shim:
        def HTTPSConnection(self, host: str) -> http.client.HTTPSConnection:  # noqa: N802
            return PausedConnection(host, timeout=5, context=context)

    options = {
        "api_key": DEMO_IYZICO_API_KEY,
        "secret_key": DEMO_IYZICO_SECRET,
        "base_url": iyzico.host_port,
    }

    def fast_link(reference: str) -> dict[str, Any]:
        sdk = iyzipay.IyziLinkProduct()
        sdk.httplib = Shim()
        request = {
            "description": reference,
            "price": "10",
            "currencyCode": "TRY",
            "sourceType": "WEB",
            "locale": "tr",
            "conversationId": reference,
        }
        return json.loads(sdk.fast_link(request, options).read())

    answers = await asyncio.gather(
        asyncio.to_thread(fast_link, "first"), asyncio.to_thread(fast_link, "second")
    )

    assert sorted(answer["status"] for answer in answers) == ["failure", "success"]
    assert {a["errorMessage"] for a in answers if a["status"] == "failure"} == {"Geçersiz imza"}


async def test_concurrent_client_calls_each_carry_their_own_signature(
    iyzico: TlsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two merchants, eight calls at once, each connection pausing before it sends (the window
    in which another call could overwrite the shared header): every call is accepted and every
    link belongs to the merchant that asked for it."""

    def pausing_connection(timeout_s: float, context: ssl.SSLContext) -> Any:
        class Pausing(http.client.HTTPSConnection):
            def request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
                time.sleep(0.02)
                super().request(*args, **kwargs)

        return lambda host: Pausing(host, timeout=timeout_s, context=context)

    monkeypatch.setattr(iyzico_module, "_partial_connection", pausing_connection)
    SANDBOX_IYZICO.add_merchant(OTHER_API_KEY, OTHER_SECRET)
    clients = [
        _iyzico_client(iyzico),
        _iyzico_client(iyzico, api_key=OTHER_API_KEY, secret=OTHER_SECRET),
    ]

    links = await asyncio.gather(
        *(clients[n % 2].create_link(_link_request(f"ref{n}")) for n in range(8))
    )

    for n, link in enumerate(links):
        kept = SANDBOX_IYZICO.link(link.external_id)
        assert kept["conversationId"] == f"ref{n}"
        assert kept["apiKey"] == (DEMO_IYZICO_API_KEY, OTHER_API_KEY)[n % 2]


# --- iyzico hosted checkout form ------------------------------------------------------------------


def _checkout(reference: str = "cf1", prices: tuple[str, ...] = ("100", "49.90")) -> Any:
    address = Address(contact_name="Ayşe Yılmaz", city="İstanbul", address="Moda Cd. 1")
    return CheckoutFormRequest(
        reference=reference,
        basket_id="B1",
        items=tuple(
            BasketItem(id=f"I{n}", name=f"Ürün {n}", category="Giyim", price=Decimal(price))
            for n, price in enumerate(prices)
        ),
        buyer=Buyer(
            id="C1",
            name="Ayşe",
            surname="Yılmaz",
            email="ayse@example.com",
            identity_number="10000000146",
            gsm_number="+905321112233",
            address="Moda Cd. 1",
            city="İstanbul",
        ),
        billing_address=address,
        shipping_address=address,
        callback_url="https://shop.example/iyzico/back",
    )


async def test_checkout_form_initialize_and_detail_with_signatures(iyzico: TlsEndpoint) -> None:
    client = _iyzico_client(iyzico)

    session = await client.init_checkout_form(_checkout("cf42"))

    assert session.payment_page_url == f"{iyzico.base_url}/pay/{session.token}"
    assert session.token_expire_time_s == 1800
    assert checkout_init_signature_ok(session.raw, DEMO_IYZICO_SECRET)
    assert not checkout_init_signature_ok(
        {**session.raw, "token": "x" + session.token}, DEMO_IYZICO_SECRET
    )
    assert not checkout_init_signature_ok(session.raw, "another-secret")

    await SANDBOX_IYZICO.pay(session.token)
    result = await client.retrieve_checkout_form(session.token, "cf42")

    assert result.paid and result.payment_status == "SUCCESS" and result.payment_id
    assert result.price == Decimal("149.9") == result.paid_price
    assert result.basket_id == "B1" and result.conversation_id == "cf42"
    assert checkout_detail_signature_ok(result.raw, DEMO_IYZICO_SECRET)
    for tampered in ({"paidPrice": 1.0}, {"paymentStatus": "FAILURE"}, {"signature": ""}):
        assert not checkout_detail_signature_ok({**result.raw, **tampered}, DEMO_IYZICO_SECRET)


async def test_a_failed_checkout_payment_is_signed_as_failure(iyzico: TlsEndpoint) -> None:
    client = _iyzico_client(iyzico)
    session = await client.init_checkout_form(_checkout("cf43", ("10",)))

    await SANDBOX_IYZICO.pay(session.token, success=False)
    result = await client.retrieve_checkout_form(session.token, "cf43")

    assert not result.paid and result.payment_status == "FAILURE"
    assert result.price == Decimal("10")  # signed as "10" (strip_zero of 10.0)


async def test_the_client_refuses_an_answer_with_a_bad_signature(iyzico: TlsEndpoint) -> None:
    forged = {
        "status": "success",
        "locale": "tr",
        "systemTime": 1,
        "conversationId": "cf44",
        "token": "tok",
        "paymentPageUrl": "https://evil.example/",
        "signature": "0" * 64,
    }
    SANDBOX_IYZICO.inject(status=200, body=json.dumps(forged))

    with pytest.raises(PaymentError) as caught:
        await _iyzico_client(iyzico).init_checkout_form(_checkout("cf44"))

    assert "signature" in caught.value.reason and caught.value.retryable is False


async def test_the_stand_in_refuses_a_basket_that_does_not_add_up(iyzico: TlsEndpoint) -> None:
    """The client never sends one (the price is the basket's sum), so the SDK is called
    directly, through the same TLS shim."""
    request = iyzico_module._checkout_request(_checkout("cf45"))
    request["price"] = "150"
    sdk = iyzipay.CheckoutFormInitialize()
    sdk.httplib = iyzico_module._HttpsShim(3.0, _context(iyzico))
    options = {
        "api_key": DEMO_IYZICO_API_KEY,
        "secret_key": DEMO_IYZICO_SECRET,
        "base_url": iyzico.host_port,
    }

    answer = await asyncio.to_thread(lambda: json.loads(sdk.create(request, options).read()))

    assert answer["status"] == "failure" and answer["conversationId"] == "cf45"
    assert "price" in answer["errorMessage"]


# --- iyzico webhooks ------------------------------------------------------------------------------


def _webhook(index: int = -1) -> tuple[dict[str, Any], str | None, bytes]:
    with RECEIVER.lock:
        body, headers = RECEIVER.webhooks[index]
    return json.loads(body), headers.get(WEBHOOK_SIGNATURE_HEADER.lower()), body


async def test_a_paid_link_posts_a_v3_signed_webhook(iyzico: TlsEndpoint) -> None:
    link = await _iyzico_client(iyzico).create_link(_link_request("ord77"))

    delivery = await SANDBOX_IYZICO.pay(link.external_id)

    assert delivery.delivered and delivery.attempts == [200]
    body, signature, _ = _webhook()
    assert body["paymentConversationId"] == "ord77" and body["token"] == link.external_id
    assert body["status"] == "SUCCESS" and body["iyziEventType"] == "CHECKOUT_FORM_AUTH"
    assert isinstance(body["iyziPaymentId"], int) and body["iyziReferenceCode"]
    assert webhook_signature_ok(body, signature, DEMO_IYZICO_SECRET)
    assert not webhook_signature_ok({**body, "status": "FAILURE"}, signature, DEMO_IYZICO_SECRET)
    assert not webhook_signature_ok({**body, "token": "other"}, signature, DEMO_IYZICO_SECRET)
    assert not webhook_signature_ok(body, None, DEMO_IYZICO_SECRET)
    assert not webhook_signature_ok(body, "", DEMO_IYZICO_SECRET)
    assert not webhook_signature_ok(body, signature, OTHER_SECRET)
    with pytest.raises(ValueError, match="not payable"):  # a Fast Link is paid once
        await SANDBOX_IYZICO.pay(link.external_id)


async def test_a_webhook_is_re_sent_until_2xx_and_can_be_replayed(iyzico: TlsEndpoint) -> None:
    link = await _iyzico_client(iyzico).create_link(_link_request())
    RECEIVER.webhook_answers.extend([500, 503])

    delivery = await SANDBOX_IYZICO.pay(link.external_id, success=False)
    await SANDBOX_IYZICO.replay_last_webhook()

    assert delivery.attempts == [500, 503, 200, 200]
    assert len(RECEIVER.webhooks) == 4
    first, *others = [_webhook(n) for n in range(4)]
    assert all(other[2] == first[2] and other[1] == first[1] for other in others)
    assert first[0]["status"] == "FAILURE"
    assert webhook_signature_ok(first[0], first[1], DEMO_IYZICO_SECRET)


async def test_the_buyer_page_pays_and_the_webhook_follows(iyzico: TlsEndpoint) -> None:
    link = await _iyzico_client(iyzico).create_link(_link_request("ord88", amount="99.50"))

    async with httpx.AsyncClient(verify=_context(iyzico)) as browser:
        page = await browser.get(link.url)
        assert page.status_code == 200 and "99.5" in page.text and "Öde" in page.text
        paid = await browser.post(link.url, data={"outcome": "success"})
        assert paid.status_code == 200

    async def arrived() -> bool:
        with RECEIVER.lock:
            return bool(RECEIVER.webhooks)

    await wait_for(arrived, timeout_s=5)
    body, signature, _ = _webhook()
    assert body["paymentConversationId"] == "ord88"
    assert webhook_signature_ok(body, signature, DEMO_IYZICO_SECRET)


# --- PayTR ----------------------------------------------------------------------------------------


def _paytr_client(app_url: str, *, key: str = DEMO_PAYTR_MERCHANT_KEY) -> PaytrClient:
    return PaytrClient(
        DEMO_PAYTR_MERCHANT_ID,
        key,
        DEMO_PAYTR_MERCHANT_SALT,
        f"{app_url}/sandbox/paytr",
        timeout_s=3.0,
    )


async def test_paytr_creates_and_deletes_a_link(app_url: str) -> None:
    client = _paytr_client(app_url)
    expires = datetime(2031, 5, 1, 9, 30, tzinfo=UTC)

    link = await client.create_link(
        _link_request(
            "ord9",
            max_installment=3,
            expires_at=expires,
            callback_url=f"{app_url}/paytr/callback",
            language="en",
        )
    )

    assert link.provider == "paytr" and link.expires_at == expires
    assert link.url == f"{app_url}/sandbox/paytr/link/{link.external_id}"
    kept = SANDBOX_PAYTR.link(link.external_id)
    assert kept["price"] == 14990 and kept["currency"] == "TL" and kept["lang"] == "en"
    assert kept["max_installment"] == 3 and kept["min_count"] == kept["max_count"] == 1
    assert kept["expiry"] == datetime(2031, 5, 1, 12, 30, tzinfo=ISTANBUL)
    assert kept["callback_id"] == "ord9" and kept["payable"]

    await client.deactivate(link.external_id)

    assert SANDBOX_PAYTR.link(link.external_id)["deleted"] is True
    async with httpx.AsyncClient() as browser:
        page = await browser.get(link.url)
    assert "artık ödenemez" in page.text


async def test_paytr_refuses_a_bad_token(app_url: str) -> None:
    with pytest.raises(PaymentError) as caught:
        await _paytr_client(app_url, key="wrong-key").create_link(_link_request())

    assert caught.value.retryable is False and caught.value.reason == "paytr_token geçersiz"

    link = await _paytr_client(app_url).create_link(_link_request())
    with pytest.raises(PaymentError, match="paytr_token"):
        await _paytr_client(app_url, key="wrong-key").deactivate(link.external_id)
    assert SANDBOX_PAYTR.link(link.external_id)["deleted"] is False


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": "abc"}, "name"),
        ({"price": "149.90"}, "price"),
        ({"max_installment": "13"}, "max_installment"),
        ({"currency": "TRY"}, "currency"),
        ({"callback_id": "ord-1", "callback_link": "https://shop.example/cb"}, "callback_id"),
        ({"callback_link": "https://shop.example/cb"}, "birlikte"),
        ({"expiry_date": "2031-05-01T12:30:00"}, "expiry_date"),
    ],
)
async def test_the_paytr_stand_in_validates_like_paytr(
    app_url: str, change: dict[str, str], reason: str
) -> None:
    form = {
        "merchant_id": DEMO_PAYTR_MERCHANT_ID,
        "name": "Yazlık elbise",
        "price": "14990",
        "currency": "TL",
        "max_installment": "1",
        "link_type": "product",
        "lang": "tr",
        "min_count": "1",
        "max_count": "1",
    }
    form.update(change)
    concat = "".join(
        form[name] for name in ("name", "price", "currency", "max_installment", "link_type", "lang")
    )
    form["paytr_token"] = paytr_token(
        concat + form["min_count"], DEMO_PAYTR_MERCHANT_KEY, DEMO_PAYTR_MERCHANT_SALT
    )
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{app_url}/sandbox/paytr/odeme/api/link/create", data=form)

    assert answer.json()["status"] == "failed" and reason in answer.json()["reason"]


async def test_a_paid_paytr_link_calls_back_with_a_valid_hash(app_url: str) -> None:
    link = await _paytr_client(app_url).create_link(
        _link_request("ord10", callback_url=f"{app_url}/paytr/callback")
    )
    RECEIVER.callback_answers.extend(["<html>error</html>"])  # not OK: PayTR sends it again

    delivery = await SANDBOX_PAYTR.pay(link.external_id)

    assert delivery is not None and delivery.delivered and len(delivery.attempts) == 2
    form = RECEIVER.callbacks[-1]
    assert RECEIVER.callbacks[0] == form
    assert form["callback_id"] == "ord10" and form["status"] == "success"
    assert form["total_amount"] == form["payment_amount"] == "14990"
    assert form["merchant_id"] == DEMO_PAYTR_MERCHANT_ID and form["test_mode"] == "1"
    assert link_callback_ok(form, DEMO_PAYTR_MERCHANT_KEY, DEMO_PAYTR_MERCHANT_SALT)
    assert not link_callback_ok(
        {**form, "total_amount": "1"}, DEMO_PAYTR_MERCHANT_KEY, DEMO_PAYTR_MERCHANT_SALT
    )
    assert not link_callback_ok(form, "wrong-key", DEMO_PAYTR_MERCHANT_SALT)
    assert not link_callback_ok(
        {k: v for k, v in form.items() if k != "hash"},
        DEMO_PAYTR_MERCHANT_KEY,
        DEMO_PAYTR_MERCHANT_SALT,
    )

    replayed = await SANDBOX_PAYTR.replay_last_callback()

    assert replayed is delivery and RECEIVER.callbacks[-1] == form  # same merchant_oid, hash
    assert link_callback_ok(
        RECEIVER.callbacks[-1], DEMO_PAYTR_MERCHANT_KEY, DEMO_PAYTR_MERCHANT_SALT
    )
    with pytest.raises(ValueError, match="not payable"):  # min_count = max_count = 1
        await SANDBOX_PAYTR.pay(link.external_id)


async def test_a_failed_paytr_payment_calls_nothing(app_url: str) -> None:
    link = await _paytr_client(app_url).create_link(
        _link_request("ord11", callback_url=f"{app_url}/paytr/callback")
    )

    assert await SANDBOX_PAYTR.pay(link.external_id, success=False) is None

    assert RECEIVER.callbacks == [] and SANDBOX_PAYTR.callbacks() == []
    assert SANDBOX_PAYTR.link(link.external_id)["payable"]  # the buyer may try again


async def test_the_paytr_buyer_page_pays_and_the_callback_follows(app_url: str) -> None:
    link = await _paytr_client(app_url).create_link(
        _link_request("ord12", amount="14.45", callback_url=f"{app_url}/paytr/callback")
    )
    async with httpx.AsyncClient() as browser:
        page = await browser.get(link.url)
        assert "14,45 TL" in page.text
        assert (await browser.post(link.url, data={"outcome": "success"})).status_code == 200

    async def arrived() -> bool:
        with RECEIVER.lock:
            return bool(RECEIVER.callbacks)

    await wait_for(arrived, timeout_s=5)
    form = RECEIVER.callbacks[0]
    assert form["total_amount"] == "1445" and form["callback_id"] == "ord12"
    assert link_callback_ok(form, DEMO_PAYTR_MERCHANT_KEY, DEMO_PAYTR_MERCHANT_SALT)


# --- PayTR transport failures (a scripted transport: no server can be this broken on cue) -------


def _scripted(handler: Any) -> PaytrClient:
    return PaytrClient(
        DEMO_PAYTR_MERCHANT_ID,
        DEMO_PAYTR_MERCHANT_KEY,
        DEMO_PAYTR_MERCHANT_SALT,
        "https://www.paytr.com",
        transport=httpx.MockTransport(handler),
    )


@pytest.mark.parametrize(
    ("handler", "retryable", "reason"),
    [
        (lambda request: httpx.Response(503, text="busy"), True, "HTTP 503"),
        (lambda request: httpx.Response(200, text="<html>"), False, "without JSON"),
        (lambda request: httpx.Response(200, content=b"x" * 70_000), False, "64 KB"),
        (
            lambda request: httpx.Response(200, json={"status": "error", "err_msg": "kapalı"}),
            False,
            "kapalı",
        ),
    ],
)
async def test_paytr_failures_are_typed(handler: Any, retryable: bool, reason: str) -> None:
    with pytest.raises(PaymentError) as caught:
        await _scripted(handler).create_link(_link_request())
    assert caught.value.retryable is retryable and reason in caught.value.reason


async def test_a_paytr_timeout_is_retryable() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(PaymentError) as caught:
        await _scripted(hang).deactivate("NB2Zlz3")
    assert caught.value.retryable is True


async def test_paytr_expiry_is_istanbul_wall_clock_time() -> None:
    seen: list[dict[str, list[str]]] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(parse_qs(request.content.decode()))
        return httpx.Response(200, json={"status": "success", "id": "NB2Zlz3", "link": "u"})

    expires = datetime(2030, 12, 31, 22, 15, tzinfo=UTC) + timedelta(0)
    await _scripted(record).create_link(_link_request(expires_at=expires))

    assert seen[0]["expiry_date"] == ["2031-01-01 01:15:00"]
    assert "callback_link" not in seen[0] and "callback_id" not in seen[0]


# --- the TLS plumbing -----------------------------------------------------------------------------


def test_tls_files_are_reused_and_remade_when_broken(tmp_path: Path) -> None:
    first = ensure_tls_files(tmp_path / "tls")
    cert = first.cert_file.read_bytes()

    assert ensure_tls_files(tmp_path / "tls").cert_file.read_bytes() == cert
    assert first.key_file.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" not in first.ca_file.read_bytes()  # the CA's key is never kept

    first.ca_file.write_bytes(b"not a certificate")
    again = ensure_tls_files(tmp_path / "tls")
    assert again.cert_file.read_bytes() != cert
    context = ssl.create_default_context(cafile=str(again.ca_file))
    assert len(context.get_ca_certs()) == 1


async def test_the_stack_helper_serves_the_stand_in_with_the_apps_wiring(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path, port=8765, public_url=None)

    async with running_iyzico_standin(settings) as endpoint:
        client = IyzicoClient(
            DEMO_IYZICO_API_KEY,
            DEMO_IYZICO_SECRET,
            endpoint.host_port,
            ssl_context=ssl.create_default_context(cafile=str(endpoint.ca_file)),
        )
        link = await client.create_link(_link_request())

    assert endpoint.ca_file == tmp_path / "sandbox-tls" / "ca.pem"
    assert link.url == f"http://127.0.0.1:8765/sandbox/iyzico/pay/{link.external_id}"
    assert SANDBOX_IYZICO.webhook_url == "http://127.0.0.1:8765/webhooks/payments/iyzico"
