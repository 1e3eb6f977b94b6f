"""Phase-1 understanding: intents, entities and language of real-looking customer texts."""

from __future__ import annotations

import pytest

from invekto.core.text import fold
from invekto.nlu import RuleUnderstander
from invekto.nlu.entities import extract
from invekto.nlu.rules import detect_language


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("kargom nerede", "order_status"),
        ("Kargom NEREDE?", "order_status"),
        ("siparisim ne durumda acaba", "order_status"),
        ("ya bi bakarmısınız siparişim hala gelmedi", "order_status"),
        ("kargo takip numarası alabilir miyim", "order_status"),
        ("10654400001", "order_status"),
        ("where is my order?", "order_status"),
        ("Can I track my package", "order_status"),
        ("siparişim ne zaman gelir", "delivery_time"),
        ("kaç günde ulaşır", "delivery_time"),
        ("when will my parcel arrive", "delivery_time"),
        ("merhaba", "greeting"),
        ("Selamlar", "greeting"),
        ("hello", "greeting"),
        ("çok teşekkürler", "thanks"),
        ("sağolun", "thanks"),
        ("thanks a lot", "thanks"),
        ("görüşürüz", "goodbye"),
        ("insanla konuşmak istiyorum", "human_request"),
        ("müşteri temsilcisine bağlar mısınız", "human_request"),
        ("can I talk to a real person", "human_request"),
        ("iade etmek istiyorum bedeni olmadı", "other"),
        ("şirketimize 150 adet lazım faturalı", "other"),
        ("Merhaba, iade yapmak istiyorum ürün kırık geldi bugün", "other"),
        # bargaining with a percentage is a discount question, a percentage alone is not
        ("yüzde otuz yapın hemen alayım, olmaz mı", "discount_question"),
        ("%20 indirim olur mu", "discount_question"),
        ("can you do 30% off?", "discount_question"),
        ("%100 pamuk mu bu", "other"),
    ],
)
async def test_intents(text, intent):
    result = await RuleUnderstander().understand(text, tenant_slug="demo-shop")
    assert result.intent == intent


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("kargom nerede", "tr"),
        ("siparis durumu", "tr"),
        ("Hi, where is my order?", "en"),
        ("when will it arrive", "en"),
        ("أين طلبي؟", "ar"),
        ("İade", "tr"),
    ],
)
def test_language(text, language):
    assert detect_language(text) == language


def test_language_sticks_when_a_message_has_none():
    assert detect_language("10654400001", previous="en") == "en"
    assert detect_language("👍", previous="en") == "en"


def test_entities_tell_orders_tracking_numbers_and_phones_apart():
    entities = extract("Sipariş 10654400001, takip 7330029145197, beni 0532 111 22 33'ten arayın")
    assert entities.order_numbers == ["10654400001"]
    assert entities.tracking_numbers == ["7330029145197"]
    assert entities.phones == ["905321112233"]


def test_prices_and_short_numbers_are_not_orders():
    assert extract("199,90 TL ödedim 3 adet").order_numbers == []


@pytest.mark.parametrize(
    ("text", "ordinal"),
    [("ikincisi", 2), ("ilki", 1), ("2", 2), ("sonuncusu", -1), ("the first one", 1), ("ok", None)],
)
def test_ordinals(text, ordinal):
    assert extract(text).ordinal == ordinal


def test_fold_handles_turkish_letters():
    assert fold("SİPARİŞİM Işık Çağrı Gül Öz") == "siparisim isik cagri gul oz"
