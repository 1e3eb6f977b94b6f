"""The output guard: what may leave Invekto in a reply, and what happens when it may not."""

from __future__ import annotations

import json

import pytest

from invekto.guardrails.output import (
    ReplyContext,
    check_reply,
    reply_language,
    tenant_rules_broken,
    ungrounded,
)

ORDER = json.dumps(
    {
        "order_number": "10654400001",
        "tracking_number": "7330029145197",
        "total_price": 449.99,
        "estimated_delivery_end": "2026-11-27T20:00:00+03:00",
        "stock": 4,
    }
)
SETTINGS = {
    "policies": {"return_days": 15, "free_shipping_over": 300},
    "discounts": {"max_percent": 15},
    "guardrails": {"banned_phrases": ["bedava"], "competitors": ["Hepsiburada"]},
}


def _context(**overrides):
    values = {
        "language": "tr",
        "customer_texts": ["kargom nerede"],
        "tool_results": [ORDER],
        "settings": SETTINGS,
        "known": ["905321112233", "Ayşe"],
    }
    return ReplyContext(**{**values, **overrides})


def test_a_grounded_reply_passes_untouched():
    reply = (
        "10654400001 numaralı siparişiniz Yurtiçi Kargo ile yolda. Takip: 7330 0291 45197. "
        "Tutar 449,99 TL, tahmini teslim 27 Kasım. İade süresi 15 gündür, 300 TL üzeri kargo "
        "ücretsiz. Merhaba Ayşe!"
    )

    result = check_reply(reply, _context())

    assert (result.text, result.failures, result.fixed, result.blocked) == (reply, [], [], False)


@pytest.mark.parametrize(
    ("reply", "missing"),
    [
        ("Takip numaranız 7330029145198.", ["7330029145198"]),
        ("Siparişiniz 10654400009 yolda.", ["10654400009"]),
        ("Ürünün fiyatı 499,90 TL.", ["499,90 TL"]),
        ("Stokta 12 adet var.", ["12 adet"]),
        ("Tahmini teslim 3 Aralık.", ["3/12"]),
    ],
)
def test_facts_not_in_this_turns_data_are_ungrounded(reply, missing):
    assert ungrounded(reply, _context()) == missing


def test_prices_match_whatever_the_writing():
    context = _context(tool_results=['{"price": 1249.9}'])

    assert ungrounded("Fiyatı 1.249,90 TL", context) == []
    assert ungrounded("It costs 1,249.90 TL", context) == []
    assert ungrounded("Fiyatı ₺1.249,90", context) == []


def test_an_ungrounded_reply_is_blocked_with_the_reason():
    result = check_reply("Kargonuz 7330029145198 takip numarasıyla yolda.", _context())

    assert result.blocked and result.reason == "guard:grounded"
    assert "7330029145198" in result.failures[0][1]


def test_another_customers_pii_is_masked_not_sent():
    reply = "Siparişiniz yolda. Sorularınız için Mehmet Demir: 0544 555 66 77."

    result = check_reply(reply, _context(tool_results=[ORDER, '{"phone": "05445556677"}']))

    assert not result.blocked
    assert "0544 555 66 77" not in result.text and "<PHONE_NUMBER>" in result.text
    assert result.fixed and result.fixed[0][0] == "pii"


def test_pii_the_customer_gave_may_be_repeated():
    given = "IBAN'ım TR33 0006 1005 1978 6457 8413 26, iadeyi buraya yapın"
    reply = "İadeniz TR330006100519786457841326 IBAN'ına yapılacak, 15 gün içinde."

    result = check_reply(reply, _context(customer_texts=[given]))

    assert (result.blocked, result.fixed) == (False, [])


@pytest.mark.parametrize(
    ("reply", "broken"),
    [
        ("Kargo bedava!", "banned phrase 'bedava'"),
        ("Hepsiburada'dan daha ucuz.", "competitor 'Hepsiburada'"),
        ("Merak etmeyin, kesin yarın gelir.", "forbidden promise 'kesin yarın'"),
        ("Size %30 indirim tanımladım.", "discount 30% above the tenant's 15%"),
        ("I can give you 25 percent off.", "discount 25% above the tenant's 15%"),
    ],
)
def test_tenant_rules(reply, broken):
    assert broken in tenant_rules_broken(reply, SETTINGS)


def test_a_discount_within_the_limit_and_a_tenants_own_promises():
    settings = {**SETTINGS, "guardrails": {"forbidden_promises": ["aynı gün kargo"]}}

    assert tenant_rules_broken("Size %10 indirim kodu: GERI10", settings) == []
    assert tenant_rules_broken("Aynı gün kargo!", settings) == [
        "forbidden promise 'aynı gün kargo'"
    ]


def test_the_reply_must_be_in_the_customers_language():
    english = "Your order has been shipped with Yurtiçi Kargo and is on its way to you."

    result = check_reply(english, _context(tool_results=[]))

    assert result.reason == "guard:language"
    assert not check_reply(english, _context(language="en", tool_results=[])).blocked
    assert reply_language("Tamam") is None  # too short to tell


def test_guardrails_runs_local_only():
    from guardrails.settings import settings

    check_reply("Merhaba, nasıl yardımcı olabilirim?", _context())

    assert settings.rc.enable_metrics is False
    assert settings.rc.use_remote_inferencing is False


def test_the_shops_own_published_details_are_not_a_leak():
    settings = {**SETTINGS, "sales": {"email": "satis@demo-shop.test"}}
    reply = "Toplu siparişler için satis@demo-shop.test adresine yazabilirsiniz."

    result = check_reply(reply, _context(settings=settings, tool_results=[]))

    assert (result.text, result.fixed, result.blocked) == (reply, [], False)
    assert check_reply(reply, _context(tool_results=[])).fixed[0][0] == "pii"
