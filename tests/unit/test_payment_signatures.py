"""Payment signatures and money, against published vectors and independent computations (the
SDK's own helpers, or HMAC written out here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from decimal import Decimal

import iyzipay
import pytest
from iyzipay.iyzipay_resource import IyzipayResource

from invekto.integrations.payments import (
    IyzicoClient,
    LinkRequest,
    PaymentError,
    PaymentLinks,
    PaytrClient,
    checkout_detail_signature_ok,
    checkout_init_signature_ok,
    iyzico_price,
    link_callback_ok,
    strip_zero,
    to_kurus,
    webhook_signature_ok,
)
from invekto.integrations.payments.iyzico import webhook_signature
from invekto.integrations.payments.paytr import callback_hash, paytr_token

# iyzico's V3 checkout-form (HPP) webhook test vector: secret "testSecret" (WIRE 4; the public
# C# test file it comes from is cited there).
HPP_BODY = (
    '{"paymentConversationId":"dv0123456789abcdef0123456789abcdef","merchantId":3404590,'
    '"status":"SUCCESS","token":"00000000-0000-4000-8000-000000000001",'
    '"iyziReferenceCode":"00000000-0000-4000-8000-000000000002",'
    '"iyziEventType":"CHECKOUT_FORM_AUTH","iyziEventTime":1766733201159,"iyziPaymentId":123}'
)
HPP_SIGNATURE = "ffda1fb8df0e66e7fd90ccf39452713847a7ad9fd115863596d1843d141f7120"


def test_the_published_v3_webhook_vector() -> None:
    body = json.loads(HPP_BODY)

    assert webhook_signature(body, "testSecret") == HPP_SIGNATURE
    assert webhook_signature_ok(body, HPP_SIGNATURE, "testSecret")
    assert webhook_signature_ok(body, HPP_SIGNATURE.upper(), "testSecret")


@pytest.mark.parametrize(
    "change",
    [
        {"status": "FAILURE"},
        {"iyziPaymentId": 124},
        {"token": "00000000-0000-4000-8000-000000000009"},
        {"paymentConversationId": "other"},
        {"iyziEventType": "BANK_TRANSFER_AUTH"},
    ],
)
def test_a_changed_signed_field_breaks_the_v3_signature(change: dict[str, object]) -> None:
    assert not webhook_signature_ok({**json.loads(HPP_BODY), **change}, HPP_SIGNATURE, "testSecret")


def test_unsigned_webhook_fields_may_change() -> None:
    body = {**json.loads(HPP_BODY), "iyziEventTime": 1, "iyziReferenceCode": "x", "merchantId": 9}
    assert webhook_signature_ok(body, HPP_SIGNATURE, "testSecret")


@pytest.mark.parametrize("header", [None, "", "0" * 64, HPP_SIGNATURE[:-1], "ğ" * 64])
def test_a_missing_or_wrong_v3_header_is_refused(header: str | None) -> None:
    assert not webhook_signature_ok(json.loads(HPP_BODY), header, "testSecret")


def test_a_v3_webhook_without_a_signed_field_is_refused() -> None:
    body = json.loads(HPP_BODY)
    del body["token"]
    assert not webhook_signature_ok(body, HPP_SIGNATURE, "testSecret")
    assert not webhook_signature_ok(json.loads(HPP_BODY), HPP_SIGNATURE, "")


def test_checkout_signatures_match_the_sdks_own_recipe() -> None:
    """The SDK samples: ``strip_zero(str(json.load(...)["paidPrice"]))`` joined with ``:``."""
    secret = "sandbox-secret"
    sdk = iyzipay.CheckoutForm()
    init = {"conversationId": "cf1", "token": "tok-1"}
    init["signature"] = sdk.calculate_hmac_sha256_signature(["cf1", "tok-1"], secret)
    assert checkout_init_signature_ok(init, secret)
    assert not checkout_init_signature_ok({**init, "conversationId": "cf2"}, secret)

    detail = json.loads(
        '{"paymentStatus":"SUCCESS","paymentId":"2400001","currency":"TRY","basketId":"B1",'
        '"conversationId":"cf1","paidPrice":10.50,"price":10.0,"token":"tok-1"}'
    )
    fields = [
        "SUCCESS",
        "2400001",
        "TRY",
        "B1",
        "cf1",
        sdk.strip_zero(str(detail["paidPrice"])),
        sdk.strip_zero(str(detail["price"])),
        "tok-1",
    ]
    assert fields[5:7] == ["10.5", "10"]
    detail["signature"] = sdk.calculate_hmac_sha256_signature(fields, secret)
    assert checkout_detail_signature_ok(detail, secret)
    assert not checkout_detail_signature_ok({**detail, "paidPrice": 1.05}, secret)
    assert not checkout_detail_signature_ok({**detail, "signature": None}, secret)
    assert not checkout_detail_signature_ok(detail, "")


def test_paytr_tokens_written_out() -> None:
    key, salt = "XXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYY"

    def expected(message: str) -> str:
        digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    create = "Örnek Ürün / Hizmet Adı" + "1445" + "TL" + "12" + "product" + "tr" + "1"
    assert paytr_token(create, key, salt) == expected(create + salt)
    assert paytr_token("NB2Zlz3" + "AAAAAA", key, salt) == expected("NB2Zlz3AAAAAA" + salt)

    form = {
        "callback_id": "ord1",
        "merchant_oid": "LNK1",
        "status": "success",
        "total_amount": "1445",
    }
    form["hash"] = expected("ord1" + "LNK1" + salt + "success" + "1445")
    assert callback_hash(form, key, salt) == form["hash"]
    assert link_callback_ok(form, key, salt)
    assert not link_callback_ok({**form, "total_amount": "1446"}, key, salt)
    assert not link_callback_ok({**form, "callback_id": "ord2"}, key, salt)
    assert not link_callback_ok({**form, "hash": ""}, key, salt)
    assert not link_callback_ok({k: v for k, v in form.items() if k != "status"}, key, salt)
    assert not link_callback_ok(form, key, "")
    without_id = expected("LNK1" + salt + "success" + "1445")  # the iFrame API's formula
    assert not link_callback_ok({**form, "hash": without_id}, key, salt)


def test_the_sdk_shares_one_header_dict_between_all_resources() -> None:
    """The premise of the client's lock: signing a request on one resource changes the headers
    every other resource (any instance, any class) sends."""
    options = {"api_key": "k", "secret_key": "s", "base_url": "h"}
    first, second = iyzipay.IyziLinkProduct(), iyzipay.CheckoutForm()

    headers = first.get_http_header("/a", options, "{}")
    before = headers["Authorization"]
    second.get_http_header("/b", options, "{}")

    assert headers is second.header is IyzipayResource.header
    assert headers["Authorization"] != before


@pytest.mark.parametrize(
    ("amount", "kurus", "price"),
    [
        ("14.45", 1445, "14.45"),
        ("149.90", 14990, "149.9"),
        ("100", 10000, "100"),
        ("100.00", 10000, "100"),
        ("0.3", 30, "0.3"),
        ("1E+2", 10000, "100"),
        ("1000000", 100000000, "1000000"),
        ("14.450", 1445, "14.45"),
    ],
)
def test_money(amount: str, kurus: int, price: str) -> None:
    assert to_kurus(Decimal(amount)) == kurus
    assert iyzico_price(Decimal(amount)) == price


@pytest.mark.parametrize(
    "amount",
    [Decimal("1.005"), Decimal("0"), Decimal("-1"), Decimal("NaN"), Decimal("Infinity"), 14.45, 14],
)
def test_money_refuses(amount: object) -> None:
    with pytest.raises(ValueError):
        to_kurus(amount)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        iyzico_price(amount)  # type: ignore[arg-type]


def test_strip_zero_is_the_sdks() -> None:
    for text in ("10.0", "10.5", "100", "0.0", "1.05"):
        assert strip_zero(text) == IyzipayResource.strip_zero(text)


def _request(**changes: object) -> LinkRequest:
    values: dict[str, object] = {
        "reference": "abc1",
        "name": "Elbise",
        "description": "",
        "amount": Decimal("10"),
    }
    values.update(changes)
    return LinkRequest(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"reference": "ord-1"},
        {"reference": "x" * 65},
        {"name": "abc"},
        {"name": "x" * 201},
        {"amount": Decimal("1.001")},
        {"amount": 10.0},
        {"max_installment": 13},
        {"max_installment": 0},
        {"currency": "TL"},
        {"expires_at": datetime(2030, 1, 1)},
        {"callback_url": "ftp://x"},
    ],
)
def test_link_requests_are_validated(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        _request(**changes)


def test_other_languages_become_english() -> None:
    assert _request(language="de").language == "en"
    assert _request(language="TR").language == "tr"


def test_payment_error_is_short() -> None:
    error = PaymentError("x  \n" * 500, retryable=True, code="12")
    assert len(error.reason) <= 200 and "\n" not in error.reason
    assert error.retryable and error.code == "12"


def test_both_clients_are_payment_links() -> None:
    iyzico = IyzicoClient("key", "secret", "api.iyzipay.com")
    paytr = PaytrClient("100001", "key", "salt", "https://www.paytr.com")
    assert isinstance(iyzico, PaymentLinks) and isinstance(paytr, PaymentLinks)
    assert (iyzico.provider, paytr.provider) == ("iyzico", "paytr")
    with pytest.raises(ValueError, match="bare host"):
        IyzicoClient("key", "secret", "https://api.iyzipay.com/")
