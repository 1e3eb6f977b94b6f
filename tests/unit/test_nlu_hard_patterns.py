"""The layers around the intent model for the ways people really write (issue 19): Arabizi,
negation, the order's situation, sarcasm, anger with a request. Texts written for these tests,
none taken from the hard held-out file."""

from __future__ import annotations

import pytest

from invekto.nlu.arabizi import arabizi_score, is_arabizi
from invekto.nlu.local import LocalUnderstander
from invekto.nlu.negation import without_denied
from invekto.nlu.rules import asks_for_a_person, classify, detect_language
from invekto.nlu.signals import detect, sarcastic
from invekto.nlu.situation import refund_missing, situate, stated_state
from invekto.nlu.types import Entities

SHOP = {"vertical": "ecommerce", "nlu": {"bulk_threshold": 20}}


@pytest.fixture
def local() -> LocalUnderstander:
    return LocalUnderstander(model=None, embeddings=object())  # type: ignore[arg-type]


# --- Arabizi -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "marhaba, baddi a3ref wen sar el talab",
        "3ayez a8ayar el size law sama7t",
        "abgha a3rif kam se3r el shanta",
        "shu el mawdoo3, lessa ma wasal shi",
        "momken t2olli emta yewsal?",
        "shukran ktir",
        "yalla bye habibi",
        "fi 3andkom hal jacket bel azra2?",
    ],
)
def test_arabizi_is_arabic(text):
    assert detect_language(text) == "ar"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("abi kargom nerde kaldı ya", "tr"),
        ("hala gelmedi siparişim", "tr"),
        ("ana sayfada indirim yazıyor ama sepette yok", "tr"),
        ("42 numara var mı, 2li paket alırsam?", "tr"),
        ("3lü set kaç tl", "tr"),
        ("el yapımı mı bu çanta", "tr"),
        ("is the ps5 bundle in stock", "en"),
        ("my order 10654400001 still hasn't arrived, it's been 5 days", "en"),
        ("I'll be home at 5pm, can the courier come then?", "en"),
        ("wow super fast shipping, 3 weeks and counting", "en"),
        ("my card keeps getting declined", "en"),
        ("need it by the 2nd, is that ok?", "en"),
    ],
)
def test_turkish_and_english_with_digits_or_shared_words_stay_themselves(text, language):
    assert detect_language(text) == language


def test_arabizi_evidence_weighs_digit_letters_and_chat_words_not_shared_words():
    assert arabizi_score("el fi da ya") == (0.0, 2.0)  # shared words: support only
    assert arabizi_score("sama7t la2 3ala")[0] == 3.0
    assert not is_arabizi("el yapımı")
    assert not is_arabizi("yalla gidelim kargo nerede kaldı", turkish=4)


# --- negation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("indirim kodu istemiyorum, ceketi iade etmek istiyorum", "ceketi iade etmek istiyorum"),
        ("temsilci lazım değil, kargo takip numarasını yazın", "kargo takip numarasini yazin"),
        ("kargom nerede kaldı, operatör istemiyorum", "kargom nerede kaldi"),
        ("beni aramayın lütfen sadece faturayı mail atın", "lutfen sadece faturayi mail atin"),
        ("I don't need a coupon, I want to send the jacket back", "i want to send the jacket back"),
        ("no need for an agent, when does my parcel arrive?", "when does my parcel arrive"),
        ("ما بدي خصم، بدي ارجع الجاكيت", "بدي ارجع الجاكيت"),
        ("mish 3ayez refund, baddi a8ayyer el size", "baddi a8ayyer el size"),
    ],
)
def test_the_denied_part_is_cut_and_the_request_kept(text, asked):
    assert without_denied(text) == asked


@pytest.mark.parametrize(
    "text",
    [
        "hayır gerek yok teşekkürler",  # a refusal, nothing else asked
        "bu ceketi istemiyorum artık",  # the denial is the request (cancel/return)
        "I don't want it anymore",
        "msh 3ayez el order",
        "fatura hala gelmedi",  # a fact, not a denial
        "kargom henüz kargoya verilmedi mi",
        "tamam kargo ne zaman gelir",
    ],
)
def test_nothing_is_cut_when_nothing_else_is_asked_or_nothing_is_denied(text):
    assert without_denied(text) is None


def test_a_denied_person_is_no_hand_over_request(local):
    text = "müşteri temsilcisine gerek yok, siparişim hangi kargoda onu söyleyin"
    asked = without_denied(text)

    understood = local.combine(text, ("order_status", 0.8), settings=SHOP, asked=asked)

    assert understood.intent == "order_status"
    assert local.combine("müşteri temsilcisine bağlayın", ("other", 0.3)).intent == (
        "human_request"
    )


def test_a_denied_wholesale_word_is_no_bulk_signal(local):
    text = "toptancı değilim bayilik istemiyorum, tek bir mont alacağım kargo kaç gün"
    asked = without_denied(text)

    understood = local.combine(text, ("delivery_time", 0.8), settings=SHOP, asked=asked)

    assert "bulk_order" not in understood.signals
    assert "bulk_order" in local.combine("bayilik almak istiyoruz", ("bulk_order", 0.9)).signals


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("insanla konuşmak istiyorum", True),
        ("gerçek bir insana bağlayın beni", True),
        ("MÜŞTERİYE BÖYLE Mİ DAVRANILIR İNSANA SAYGI YOK KARGOM NEREDE", False),
        ("baddi e7ki ma3 7ada mas2oul", True),
    ],
)
def test_insan_asks_for_a_person_only_as_the_person_asked_for(text, person):
    assert asks_for_a_person(text) is person


# --- the order's situation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "text", "state", "situated"),
    [
        ("cancel_order", "iptal etmek istiyorum", "delivered", "return_request"),
        ("cancel_order", "iptal etmek istiyorum", "preparing", "cancel_order"),
        ("cancel_order", "dün teslim aldım ama iptal etmek istiyorum", None, "return_request"),
        ("cancel_order", "I received it this morning, please cancel", None, "return_request"),
        ("return_request", "iade etmek istiyorum", "preparing", "cancel_order"),
        ("return_request", "daha kargoya verilmedi, iade edeyim", None, "cancel_order"),
        ("return_request", "it hasn't shipped yet, can I return it", None, "cancel_order"),
        ("return_request", "iade etmek istiyorum", "delivered", "return_request"),
        ("return_request", "iade etmek istiyorum", "shipped", "return_request"),
        (
            "return_request",
            "montu iadeye gönderdim onaylandı ama param hala hesabıma geçmedi",
            "returned",
            "payment_problem",
        ),
        (
            "return_request",
            "I sent the shoes back, the return shows approved, but my refund has not arrived",
            None,
            "payment_problem",
        ),
        ("order_status", "siparişim nerede", "delivered", "order_status"),
    ],
)
def test_the_situation_decides(intent, text, state, situated):
    assert situate(intent, text, state) == situated


def test_what_the_words_state():
    assert stated_state("elime ulaştı dün") == "delivered"
    assert stated_state("hala hazırlanıyor görünüyor") == "preparing"
    assert stated_state("kargom gelmedi") is None
    assert not refund_missing("iade etmek istiyorum param ne zaman yatar")  # nothing sent yet
    assert refund_missing("iade ettim 2 hafta oldu paranız hala yatmadı")


def test_the_order_in_focus_turns_a_cancel_into_a_return(local):
    delivered = {**SHOP, "order_state": "delivered"}
    assert local.combine(
        "iptal etmek istiyorum", ("cancel_order", 0.9), settings=delivered
    ).intent == ("return_request")
    assert local.combine("iptal etmek istiyorum", ("cancel_order", 0.9), settings=SHOP).intent == (
        "cancel_order"
    )


# --- sarcasm and anger ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "teşekkürler kırık bardak gönderdiğiniz için",
        "harika hizmet, 10 gündür cevap bekliyorum",
        "thanks a lot for the torn bag",
        "great service, waited 3 weeks for nothing",
        "شكرا على التأخير، صار له شهر",
    ],
)
def test_sarcastic_thanks_are_a_complaint(local, text):
    assert sarcastic(text)
    understood = local.combine(text, ("thanks", 0.9), settings=SHOP)
    assert understood.intent == "complaint"
    assert "negative_sentiment" in understood.signals


@pytest.mark.parametrize(
    "text",
    [
        "teşekkürler, geçen hafta aldığım ürün çok güzel",
        "thanks, the parcel came today",
        "شكرا وصلني الطلب",
        "elinize sağlık çok beğendim",
    ],
)
def test_real_thanks_stay_thanks(local, text):
    assert not sarcastic(text)
    assert local.combine(text, ("thanks", 0.9), settings=SHOP).intent == "thanks"


def test_sarcasm_with_a_question_keeps_the_question(local):
    text = "super job, you charged my card twice, can you refund one?"
    understood = local.combine(text, ("payment_problem", 0.6), settings=SHOP)

    assert understood.intent == "payment_problem"
    assert "negative_sentiment" in understood.signals


def test_anger_with_a_concrete_question_is_the_question(local):
    text = "REZALET 4 GÜNDÜR KARGOM NEREDE 😡"
    understood = local.combine(text, ("complaint", 0.8), settings=SHOP)

    assert understood.intent == "order_status"
    assert "negative_sentiment" in understood.signals
    assert "negative_sentiment" in detect(text, Entities())
    assert classify("rezalet bir firma, bir daha almam")[0] == "other"
