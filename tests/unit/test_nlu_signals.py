"""Signals beside the intent: bulk/B2B, negative sentiment, urgency. Typical messy messages
trigger them; ordinary ones do not."""

from __future__ import annotations

import pytest

from invekto.nlu.entities import extract
from invekto.nlu.signals import DEFAULT_BULK_THRESHOLD, detect


def signals(text: str, **kwargs) -> list[str]:
    return detect(text, extract(text), **kwargs)


@pytest.mark.parametrize(
    "text",
    [
        "toptan fiyat alabilir miyim",
        "toptan satis var mi",
        "toptancıyız düzenli alım yapmak istiyoruz",
        "25 adet lazım",
        "yüz elli tane lazım",
        "kurumsal fatura kesiyor musunuz",
        "faturalı 10 adet",
        "bayilik vermek istiyor musunuz",
        "bayınız olmak istiyoruz",
        "sirketimiz icin mont bakiyoruz",
        "magazamiz icin urun almak istiyoruz",
        "toplu sipariş vereceğiz",
        "we need 200 units for our company",
        "wholesale?",
        "نبي كمية كبيرة بالجملة",
    ],
)
def test_bulk(text):
    assert "bulk_order" in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "3 adet lazım",
        "2 tane alcam",
        "bu elbiseye bayıldım",
        "bayılıyorum bu renge",
        "kargom nerede",
        "42 numara var mı",
        "siparis no 10654400001",
        "fiyatı 150 TL",
    ],
)
def test_not_bulk(text):
    assert "bulk_order" not in signals(text)


def test_the_bulk_threshold_is_the_tenants():
    assert signals("15 adet lazım") == []
    assert signals("15 adet lazım", bulk_threshold=10) == ["bulk_order"]
    assert signals(f"{DEFAULT_BULK_THRESHOLD} adet") == ["bulk_order"]


@pytest.mark.parametrize(
    "text",
    [
        "rezalet bir hizmet!!!",
        "berbat",
        "rezaletsiniz",
        "bir daha asla sizden almam",
        "kandırıldım resmen",
        "hiç memnun değilim",
        "sinir oldum artık",
        "bıktım artık her seferinde aynı",
        "yazıklar olsun",
        "şikayet edeceğim",
        "ne biçim iş bu",
        "kargo hala yok!!!",
        "😡😡",
        "this is the worst service",
        "i'm so angry",
        "unacceptable",
        "خدمة سيئة",
    ],
)
def test_negative_sentiment(text):
    assert "negative_sentiment" in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "kargom nerede",
        "ürün kalitesi nasıl",
        "kötü mü bu ürün",
        "tamam sorun yok",
        "urun guzel tesekkurler",
        "tell me a joke",
        "iade etmek istiyorum",
        "merhaba!",
    ],
)
def test_not_negative(text):
    assert "negative_sentiment" not in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "ACİL dönüş yapın lütfen",
        "acil",
        "acil lazım yarın düğün var",
        "hemen dönün lütfen",
        "bir an önce gönderin",
        "yarın lazım",
        "acelem var",
        "I need it asap",
        "please answer right now",
        "ضروري ابيه بكرة",
    ],
)
def test_urgent(text):
    assert "urgent" in signals(text)


@pytest.mark.parametrize(
    "text",
    [
        "hemen alırım indirim yaparsanız",
        "kargom nerede",
        "yarın gelir mi",
        "ne zaman gelir",
        "merhaba iyi günler",
    ],
)
def test_not_urgent(text):
    assert "urgent" not in signals(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toptan fiyat alabilir miyim", ["bulk_order"]),
        ("this is the worst service, I need it asap", ["negative_sentiment", "urgent"]),
        (
            "rezalet!!! 100 adet siparişim hala gelmedi acil dönün",
            ["bulk_order", "negative_sentiment", "urgent"],
        ),
        ("merhaba", []),
    ],
)
def test_signals_come_in_a_fixed_order(text, expected):
    assert signals(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "400 TL'lik sipariş kargo bedava mı",
        "is delivery free for a 400 TL order?",
        "en az %25 indirim",
        "yüzde 30 tişört indirimi olur mu",
        "₺400 gömlek",
        "$250 jackets",
        "%10 çok az ya, en az %25 yapın tutayım ürünü",
    ],
)
def test_money_and_percentages_are_not_bulk(text):
    assert "bulk_order" not in signals(text)
