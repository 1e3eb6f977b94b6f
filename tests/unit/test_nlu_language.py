"""Language detection (``rules.detect_language``): Turkish with and without diacritics,
English, Arabic, short texts, and a message with no language keeping the conversation's."""

from __future__ import annotations

import pytest

from invekto.nlu.rules import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "kargom nerede",
        "Kargom NEREDE?",
        "İade etmek istiyorum",
        "siparisim nerde kaldi",
        "iade etcem bedeni olmadi",
        "urun elime ulasmadi",
        "bu urunun fiyati ne kadar",
        "kapida odeme var mi",
        "yarin musait misiniz",
        "disim cok agriyor",
        "abi kargo ne zaman cikar",
        "hocam implant fiyati",
        "M beden var mi",
        "okey tesekkurler",
    ],
)
def test_turkish(text):
    assert detect_language(text) == "tr"


@pytest.mark.parametrize(
    "text",
    ["mrb", "slm", "tşk", "tamam", "merhaba", "iade", "evet", "hayir", "fiyat?", "randevu"],
)
def test_short_turkish(text):
    assert detect_language(text) == "tr"


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",
        "Hi, where is my order?",
        "I want to return this",
        "can i pay by card",
        "do you ship abroad",
        "can I book an appointment",
        "is there a discount",
        "i need an invoice",
        "my tooth hurts",
    ],
)
def test_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "hi",
        "thanks",
        "thank you",
        "how much",
        "price?",
        "bye",
        "cancel",
        "good morning",
        "good evening",
        "good night",
    ],
)
def test_short_english(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text", ["أين طلبي؟", "شكرا", "مرحبا", "السلام عليكم", "كم السعر", "ضرسي يوجعني", "ok شكرا"]
)
def test_arabic(text):
    assert detect_language(text) == "ar"


def test_a_message_without_language_keeps_the_conversations():
    assert detect_language("10654400001", previous="en") == "en"
    assert detect_language("👍", previous="en") == "en"
    assert detect_language("👍", previous="ar") == "ar"
    assert detect_language("👍") == "tr"
