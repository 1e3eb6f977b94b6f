"""The revenue signals: a customer who asks what to buy (``wants_recommendation``) or asks to pay
(``wants_payment_link``), in Turkish, English, Arabic and Arabizi. Either sends the turn to the
revenue agent whatever the intent model says, so ordinary messages of other intents (an order,
a payment problem, a policy question, thanks, a denied request) must not carry them; the shipped
eval datasets are the regression set."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import pytest
import yaml

from invekto.nlu.entities import extract
from invekto.nlu.signals import detect, wants_payment_link, wants_recommendation
from invekto.nlu.taxonomy import AREAS

RECOMMENDATION = "wants_recommendation"
PAYMENT_LINK = "wants_payment_link"


def signals(text: str) -> list[str]:
    return detect(text, extract(text))


# --- wants_recommendation ------------------------------------------------------------------------

RECOMMENDATION_ASKED = {
    "tr": [
        # the brief's
        "bu gömleğin yanına ne gider",
        "buna ne yakışır",
        "bununla ne kombinlerim",
        "yanına ne önerirsiniz",
        "ne önerirsiniz",
        "bana bir şey önerir misiniz",
        "hediye için ne alabilirim",
        "buna uygun aksesuar var mı",
        "bundan daha iyisi var mı",
        "benzer ürün var mı",
        "alternatif ne var",
        # fresh
        "bu ceketin altına hangi pantolon gider",
        "bu elbiseyle ne giysem",
        "annem için hediye önerisi var mı",
        "bu ayakkabının daha ucuzu var mı",
        "bana bi model tavsiye eder misiniz",
        "siyah pantolonla ne kombinleyebilirim",
        "bu çantanın muadili var mı",
        "yazlık bir elbise arıyorum ne önerirsiniz",
        "bu gömleğe uyan bir kemer var mı",
        "stokta yoksa alternatif önerir misiniz",
        "hangisini alayım sizce",
        "sizce hangisi daha güzel",
        "BUNA NE YAKIŞIR",
        "sevgilime hediye ne alsam",
    ],
    "en": [
        # the brief's
        "what goes with this shirt",
        "what would you recommend",
        "can you suggest something",
        "anything that matches this?",
        "any accessories for it?",
        "something better than this?",
        # fresh
        "what shoes would go with this dress",
        "could you recommend a good jacket for winter",
        "do you have anything similar in blue?",
        "any suggestions for a birthday gift?",
        "what should I buy for my dad",
        "i need a gift for my sister, any ideas?",
        "is there a cheaper alternative?",
        "which one is better, the black or the white?",
        "please recommend something for a wedding",
        "what can I wear with these jeans",
        "do you have a bag that matches these shoes",
    ],
    "ar": [
        # the brief's
        "ماذا تنصحني",
        "شو بيلبق مع هالقميص",
        "بماذا تنصح",
        "هل عندكم شيء مشابه",
        # fresh
        "شو بتنصحني آخد هدية لأمي",
        "ايش يناسب مع البنطلون الاسود",
        "عندكم بديل لهالموديل؟",
        "في شي أرخص من هيك؟",
        "شو بتقترح علي",
        "انصحوني بعطر حلو",
        "ماذا ألبس مع هذا الفستان",
        "هل يوجد موديل أفضل؟",
        "بدي نصيحة شو اشتري",
        "هل عندكم إكسسوارات تناسب هذه الحقيبة",
    ],
    "arabizi": [
        # the brief's
        "shou bteltbe2 ma3 hayda",
        "shu btnsa7ni",
        # fresh
        "eish btnsa7ni ashtri la ummi",
        "fi shi metlo bas a7mar?",
        "shu bte2tere7 a7mel ma3 el bantalon",
        "wesh ajib hdiye la a5ti",
        "3andkom shi a7san mn hayda?",
        "eish yelba2 ma3 el jeans el azra2",
        "nsa7ni shu ashtri",
        "ayya wa7ad a7san?",
        "fi model shabih?",
        "shu bimshi ma3 hal fustan",
    ],
}
NO_RECOMMENDATION = {
    "tr": [
        # the brief's
        "kargom nerede",
        "bu gömlek pamuklu mu",
        "L beden var mı",
        "fiyatı ne kadar",
        "iade etmek istiyorum",
        "önerileriniz için teşekkürler",
        "arkadaşıma önerdim",
        "100 adet lazım",
        "indirim var mı",
        # fresh
        "arkadaşım sizi tavsiye etti",
        "herkese tavsiye ederim",
        "önerdiğiniz ürün yırtık geldi",
        "siyahı bana yakışmadı değiştirmek istiyorum",
        "bu gömlek ne zaman gelir",
        "hangi bedeni önerirsiniz",
        "kaç numara alayım",
        "benzer bir sorun yaşadım geçen ay",
        "alternatif ödeme yöntemi var mı",
        "öneriniz için teşekkür ederim",
        "kombin çok güzel olmuş teşekkürler",
        "tavsiyeniz üzerine aldım çok memnunum",
        "başka bir saat önerebilir misiniz",
        "hangi kargoyla gider",
        "bu kılıf hangi telefona uyar",
        "bundan güzeli yok teşekkürler",
        "kargo ne zaman gider",
        "ne olur yardım edin",
    ],
    "en": [
        # the brief's
        "I would recommend you to my friends",
        "what's the price",
        "is it in stock",
        # fresh
        "my friend recommended your shop",
        "I'd highly recommend this seller",
        "the shirt doesn't match the photo",
        "what size do you recommend",
        "thanks for the suggestion!",
        "I expected something better",
        "do you have this in another colour",
        "what happened with my order",
        "can you suggest another time for my appointment",
        "I have some suggestions for your website",
        "do you recommend dry cleaning for this coat",
        "any alternative to bank transfer",
        "what do you suggest I do about the late delivery",
    ],
    "ar": [
        # the brief's
        "هل يوجد مقاس L",
        "كم السعر",
        # fresh
        "أنصح الجميع بالتعامل معكم",
        "ما بيلبق مع البنطلون، بدي رجعه",
        "شكرا على النصيحة",
        "المقاس ما ناسبني",
        "وين طلبي",
        "اقترح عليكم تزيدوا المقاسات",
        "بنصح فيكم الكل",
        "في بديل للدفع بالتحويل",
    ],
    "arabizi": [
        "ana bansa7 kel el nas fikon",
        "ma byelba2li el lon, baddi baddlo",
        "shu sar ma3 talabi",
        "ma fi shi a7san mn hek, shukran",
        "el 7ashwe el bayda a7san wala el fedde",
        "wen talabi",
    ],
}
RECOMMENDATION_DENIED = [
    "öneri istemem",
    "öneri istemiyorum sadece fiyatı söyleyin",
    "kombin önerisi istemiyorum, L beden var mı",
    "alternatif göstermeyin, bunu istiyorum",
    "no need for suggestions",
    "no need for recommendations, just the price",
    "I don't want any suggestions, is the black one in stock",
    "ما بدي اقتراحات بس قديش السعر",
    "mish 3ayez nasi7a, bas el se3er",
]


def _cases(by_language: dict[str, list[str]]) -> list:
    return [
        pytest.param(text, id=f"{language}-{i}")
        for language, texts in by_language.items()
        for i, text in enumerate(texts)
    ]


@pytest.mark.parametrize("text", _cases(RECOMMENDATION_ASKED))
def test_a_recommendation_is_asked(text):
    assert wants_recommendation(text)
    assert RECOMMENDATION in signals(text)


@pytest.mark.parametrize("text", _cases(NO_RECOMMENDATION))
def test_no_recommendation_is_asked(text):
    assert RECOMMENDATION not in signals(text)


@pytest.mark.parametrize("text", RECOMMENDATION_DENIED)
def test_a_denied_recommendation_is_none(text):
    assert RECOMMENDATION not in signals(text)


# --- wants_payment_link --------------------------------------------------------------------------

PAYMENT_ASKED = {
    "tr": [
        # the brief's
        "ödeme linki atar mısınız",
        "link gönderin ödeyeyim",
        "kartla ödemek istiyorum link var mı",
        "nasıl ödeme yapabilirim",
        "ödemeyi nasıl yapacağım",
        "kapora için link atın",
        "depozito için link atın",
        "havale yerine kartla ödesem",
        # fresh
        "iban yerine kartla ödeme yapabilir miyim",
        "link atarsanız hemen ödeme yapacağım",
        "ödeme yapmak istiyorum nasıl yapabilirim",
        "kartla ödeyeyim link atın",
        "online ödeme yapabilir miyim",
        "sipariş için ödeme linkini iletir misiniz",
        "kapora göndereyim mi link var mı",
        "ödemeyi şimdi yapmak istiyorum",
        "kredi kartıyla ödemek istiyorum",
        "nasıl ödeyebilirim",
        "ÖDEME LİNKİ ATAR MISINIZ",
    ],
    "en": [
        # the brief's
        "send me a payment link",
        "can I pay by card online",
        "how do I pay?",
        "pay link pls",
        # fresh
        "can you send me a link to pay",
        "I'd like to pay by card, is there a link?",
        "how can I make the payment",
        "can I pay online?",
        "please share the checkout link",
        "I want to pay now",
        "where do I pay",
        "let me pay with card instead of bank transfer",
        "payment link please",
        "ready to pay, what's next",
    ],
    "ar": [
        # the brief's
        "ارسل لي رابط الدفع",
        "كيف ادفع",
        "بدي ادفع بالبطاقة",
        # fresh
        "ممكن رابط للدفع؟",
        "ابعتلي لينك الدفع",
        "كيف أقدر أدفع أونلاين",
        "بدي ادفع هلق",
        "ابي اسدد المبلغ بالبطاقة",
        "وين ادفع؟",
        "شو طريقة الدفع بالبطاقة",
        "ارسلوا رابط عشان ادفع",
        "حابب ادفع بالفيزا",
        "عايز ادفع اونلاين",
    ],
    "arabizi": [
        # the brief's
        "ab3atli link el daf3",
        "kif bedfa3",
        # fresh
        "baddi edfa3 bel card",
        "kif fini edfa3 online",
        "ib3atli el link la edfa3",
        "ezay adfa3",
        "wen bedfa3",
        "3ayez adfa3 bel visa",
        "rabet el daf3 law sama7t",
        "abgha adfa3 el7in",
    ],
}
NO_PAYMENT_LINK = {
    "tr": [
        # the brief's
        "ödeme yaptım ama sipariş görünmüyor",
        "kartımdan iki kez çekildi",
        "ödeme başarısız oldu",
        "linke tıklayınca hata veriyor",
        "kargo takip linki",
        "iade ne zaman ödenecek",
        "kapıda ödeme var mı",
        "taksit var mı",
        # fresh
        "ödeme linki çalışmıyor",
        "linke tıkladım ama açılmadı",
        "havale yaptım dekont atayım mı",
        "kapıda kartla ödeyebilir miyim",
        "3 taksit olur mu",
        "paramı ne zaman iade edersiniz",
        "fatura linki gelmedi",
        "ödemeyi yaptım onay bekliyorum",
        "gönderim ücretini ben mi ödüyorum",
        "kargo takip linkini atar mısınız",
        "toplam ne kadar ödeyeceğim",
        "Trendyol cüzdanla ödeyebilir miyim",
        "ürün linki atar mısınız",
        "ödeme yöntemleri neler",
    ],
    "en": [
        # the brief's
        "my payment failed",
        "I was charged twice",
        "where is my refund",
        # fresh
        "the payment link you sent has expired",
        "I paid but the order says pending",
        "can I pay cash on delivery?",
        "do you accept credit cards?",
        "send me the tracking link",
        "I don't want to pay for shipping",
        "how do I return it",
        "can I pay in 3 installments",
        "my card was declined",
        "when will I get my money back",
        "discount if i pay now?",
        "what payment methods do you accept",
    ],
    "ar": [
        # the brief's
        "تم خصم المبلغ مرتين",
        # fresh
        "رابط الدفع ما بيشتغل",
        "دفعت وما وصلني تأكيد",
        "ممكن ادفع عند الاستلام؟",
        "رابط التتبع ما يشتغل",
        "هل في تقسيط؟",
        "كم سعر الشحن",
        "ما اقدر ادفع بالبطاقة",
        "ابعتلي رابط التتبع",
        "كيف ارجع المنتج",
    ],
    "arabizi": [
        "dafa3t bas ma wasalni shi",
        "fi daf3 3and el estilam?",
        "el link ma byefta7",
        "abi adfa3 b taqseet",
        "momken adfa3 kash lel mandoob",
        "kif bred el order",
    ],
}
PAYMENT_LINK_DENIED = [
    "link istemiyorum",
    "link istemiyorum kapıda ödeyeceğim",
    "ödeme linki göndermeyin, siparişi iptal edin",
    "no need for a payment link",
    "don't send me a link, I'll pay at the store",
    "ما بدي ادفع اونلاين",
    "mish baddi edfa3 hala2",
]


@pytest.mark.parametrize("text", _cases(PAYMENT_ASKED))
def test_paying_is_asked(text):
    assert wants_payment_link(text)
    assert PAYMENT_LINK in signals(text)


@pytest.mark.parametrize("text", _cases(NO_PAYMENT_LINK))
def test_paying_is_not_asked(text):
    assert PAYMENT_LINK not in signals(text)


@pytest.mark.parametrize("text", PAYMENT_LINK_DENIED)
def test_a_denied_payment_link_is_none(text):
    assert PAYMENT_LINK not in signals(text)


# --- the two apart, in detect() ------------------------------------------------------------------


@pytest.mark.parametrize("text", [t for texts in RECOMMENDATION_ASKED.values() for t in texts])
def test_a_recommendation_is_no_payment(text):
    assert PAYMENT_LINK not in signals(text)


@pytest.mark.parametrize("text", [t for texts in PAYMENT_ASKED.values() for t in texts])
def test_a_payment_is_no_recommendation(text):
    assert RECOMMENDATION not in signals(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ne önerirsiniz", [RECOMMENDATION]),
        ("ödeme linki atar mısınız", [PAYMENT_LINK]),
        (
            "bu gömleğin yanına ne gider, bir de ödeme linki atar mısınız",
            [RECOMMENDATION, PAYMENT_LINK],
        ),
        (
            "toptan 100 adet alacağım, acil!!! yanına ne önerirsiniz, ödeme linki atar mısınız",
            ["bulk_order", "negative_sentiment", "urgent", RECOMMENDATION, PAYMENT_LINK],
        ),
        ("merhaba", []),
    ],
)
def test_revenue_signals_come_after_the_others(text, expected):
    assert signals(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a" * 4000,
        "ne " * 1333,
        "bu gomlege " * 360,
        "hangi bedeni önerirsiniz " * 160,
        "what " * 800,
        "have a bag " * 360,
        "link " * 800,
        "fatura linki atin card " * 170,
        "kif " * 1000,
        "lba2" * 1000,
        "شو بيلبق " * 400,
        "رابط " * 800,
        "x" * 3990 + " ne gider",
    ],
    ids=lambda text: text[:12].strip(),
)
def test_long_messages_are_read_in_linear_time(text):
    started = time.perf_counter()
    wants_recommendation(text)
    wants_payment_link(text)
    # milliseconds when linear; a backtracking pattern takes seconds to hours
    assert time.perf_counter() - started < 2


# --- regression: the shipped eval datasets -------------------------------------------------------

DATASETS = Path(str(resources.files("invekto.evals").joinpath("datasets")))
NOT_A_SALE = {
    "order_status",
    "delivery_time",
    "cancel_order",
    "address_change",
    "invoice_request",
    "return_request",
    "exchange_request",
    "stock_question",
    "price_question",
    "payment_problem",
    "shipping_policy",
    "complaint",
    "thanks",
    "greeting",
    "goodbye",
    "human_request",
    "bulk_order",
    *AREAS["clinic"],
}
"""Intents whose messages must carry neither revenue signal."""
LEGITIMATE = frozenset[str]()
"""Eval case ids whose customer really asks for a recommendation or a payment link (none so
far: the one that comes closest, pp-product-004 "hangi bedeni önerirsiniz", asks for size
advice, product_question, and does not carry the signal)."""


def _eval_turns() -> list[tuple[str, str, str]]:
    turns = []
    for path in sorted(DATASETS.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            for turn in case["turns"]:
                intent = (turn.get("expect") or {}).get("intent")
                if turn.get("customer") and intent:
                    turns.append((case["id"], intent, turn["customer"]))
    return turns


def test_the_eval_datasets_are_read():
    turns = _eval_turns()
    assert len(turns) > 500
    assert sum(intent in NOT_A_SALE for _, intent, _ in turns) > 500


def test_no_eval_message_of_another_intent_carries_a_revenue_signal():
    offending = [
        f"{case_id} [{intent}] {signal}: {text!r}"
        for case_id, intent, text in _eval_turns()
        if intent in NOT_A_SALE and case_id not in LEGITIMATE
        for signal in signals(text)
        if signal in (RECOMMENDATION, PAYMENT_LINK)
    ]
    assert not offending, "\n".join(offending)


# --- asks_bundle ---------------------------------------------------------------------------------

BUNDLE_QUESTIONS = [
    "Keten gömlekle hasır kemeri birlikte alırsam indirim yapıyor musunuz?",
    "ikisini birden alsam indirim olur mu",
    "any discount if I buy both?",
    "is there a discount if I buy them together",
    "في خصم اذا اخذتهم مع بعض",
    "بتعملوا خصم لو اخدت الاثنين",
]
NOT_BUNDLE_QUESTIONS = [
    "indirim var mı",
    "iade edersem kupon verir misiniz",
    "kargo birlikte gelir mi indirimli",
    "siparişlerim birlikte geldi",
    "both orders arrived",
    "kuponu birlikte kullanabilir miyim",
]


@pytest.mark.parametrize("text", BUNDLE_QUESTIONS)
def test_a_discount_for_buying_together_asks_for_a_bundle(text):
    from invekto.nlu.signals import asks_bundle

    assert asks_bundle(text)


@pytest.mark.parametrize("text", NOT_BUNDLE_QUESTIONS)
def test_other_discount_and_together_messages_are_no_bundle_question(text):
    from invekto.nlu.signals import asks_bundle

    assert not asks_bundle(text)
