"""Phase-1 understanding: keyword rules for cargo/order questions, small talk and hand-over.

Deliberately small: the full local model (embeddings + classifier, issue 3) replaces it behind
the same ``Understander`` seam. Everything it does not recognise is ``other`` → a human.
"""

from __future__ import annotations

import re
from typing import Any

from invekto.core.locale import ENGLISH_WORDS as _EN_WORDS
from invekto.core.text import fold, has_arabic, words
from invekto.nlu.arabizi import is_arabizi
from invekto.nlu.attributes import asked_attributes
from invekto.nlu.entities import extract
from invekto.nlu.signals import detect
from invekto.nlu.types import Language, Understanding

_TR_HINTS = {
    "siparis",
    "kargo",
    "kargom",
    "nerede",
    "merhaba",
    "tesekkur",
    "tesekkurler",
    "ne",
    "zaman",
    "mi",
    "mu",
    "musunuz",
    "bir",
    "ve",
    "bu",
    "icin",
    "selam",
    "gelir",
    # Words typed without Turkish letters ("iptal edin lutfen", "hayir gerek yok"): after an
    # English message they must still read as Turkish.
    *"""
    iptal edin edebilir edilir lutfen hayir gerek yok tamam evet var varmi bi ile ama cok degil
    istiyorum isterim olsun olur peki simdi hemen nasil neden kac kadar fiyat fiyati beden renk
    urun iade degisim fatura adres gonder gonderin yapin yapabilir miyim misiniz acaba hala
    daha gibi gelmedi geldi aldim bunu sunu onu benim bana sizin size ben siz abi abla hocam
    kardesim ya yani sey iyi kotu bugun yarin dun hafta gun saat lazim yardim rica ederim
    """.split(),
}
_TR_ENDINGS = ("imi", "ini", "umu", "unu", "imiz", "iniz", "iyor", "iyorum", "uyor", "lari",
               "leri", "misti", "mistim", "dim", "dik", "siniz", "sunuz", "nuz", "niz", "mak",
               "mek", "dir", "dur", "yim", "yum", "sin", "sun")  # fmt: skip
"""Turkish endings no English word of five letters or more has (nearly)."""

# (intent, confidence, patterns over folded text) — first match wins, order matters.
_RULES: list[tuple[str, float, list[str]]] = [
    (
        "human_request",
        0.95,
        [
            # "insan" only as the person asked for ("insanla konuşmak", "gerçek bir insan"), not
            # in "SİPARİŞ VEREN İNSANA BİR HABER VERİLİR".
            r"\b(temsilci|yetkili|operator|canli destek|musteri hizmetleri)",
            r"\b(gercek|canli|bir|bi) (bir |bi )?insan\w*|\binsan(la|larla|la konus\w*)\b|"
            r"\binsan(a|la) (bagla|aktar|yonlendir|konus|gorus)\w*",
            r"\b(biriyle|gercek kisi|gercek biri)",
            r"\b(human|real person|representative|live agent)",
            r"\btalk to (an? )?(agent|person|someone)",
            r"\b(sorumlu|mudur|satis ekib|satis temsilci|patron|sahib)\w*\s+(\w+\s+)?"
            r"(konus|gorus)\w*",
            r"\btelefon(da|la)? (konus|gorus)\w*",
            r"\b(beni|bizi) ara(yin|yiniz|yabilir|r mi|sin|manizi)\w*",
            r"\b(arayabilir (mi|mis)\w*|arayin( lutfen)?$|arar misiniz)",
            r"\b(call me|call us|phone call|speak (to|with) (someone|a person|sales|the manager))",
            r"\b(put me through|transfer me|connect me) to\b|\b(a|the|your) (manager|supervisor)\b",
            r"(موظف|انسان|شخص حقيقي|خدمة العملاء)",
            # Arabizi: "baddi e7ki ma3 7ada", "3ayzin nekallem 7ad mas2oul", "mowazzaf"
            r"\b(e7ki|a7ki|ahki|nekallem|akallem|kallem|atkallam|atkalam|etkallem|ahkee)\w* "
            r"(ma3 |m3 |wayya |with )?(7ada|7ad|had|insan|mas2oul|mas2ool|mowazzaf|mowazaf|"
            r"someone|person)|\b(mas2oul|mas2ool|mowazzaf|mowazaf|muwazzaf)\b",
        ],
    ),
    (
        # Bargaining with a percentage ("yüzde otuz yapın", "%20 indirim olur mu", "30% off?"):
        # the percentage alone is no intent ("%100 pamuk mu" asks about the fabric).
        "discount_question",
        0.8,
        [
            r"(?:[%٪]\s?\d{1,3}|\d{1,3}\s?(?:[%٪]|percent\b)|\byuzde\s*\w+)\s*(?:\w+\s+){0,3}?"
            r"(?:indirim\w*|yap(?:in|ar|sa|abil|man)\w*|dusur\w*|iskonto\w*|off\b|"
            r"discount\w*|kupon\w*|coupon\w*)",
            r"(?:[%٪]\s?\d{1,3}|\d{1,3}\s?[%٪]).{0,20}(?:خصم|تخفيض)|(?:خصم|تخفيض).{0,20}(?:[%٪]|\d{1,3}\s?%)",
        ],
    ),
    (
        "delivery_time",
        0.9,
        [
            r"\bne zaman (gel|ulas|teslim|kargo|cik)",
            r"\bkac gun(de|e)?\b",
            r"\bne zamana\b",
            r"\bwhen (will|does|do|is).*(arriv|deliver|come|get)",
            r"\bhow long\b.*(deliver|ship|take|arriv)",
            r"\bdelivery (time|date)\b",
            r"\b(ne zaman|when)\b.*\b(siparis|kargo|paket|order|package|parcel)",
            r"(متى|موعد).*(يصل|التوصيل|الطلب|الشحنة)",
        ],
    ),
    (
        "order_status",
        0.9,
        [
            # "ürünler nerede üretiliyor" asks about the product
            r"\b(kargo\w*|siparis\w*|paket\w*|urun\w*)\b.*\b((?:nerede|nerde)"
            r"(?! (?:uretil|yapil|imal|dikil))|ne durumda|durum\w*|"
            r"takip\w*|hangi asama\w*|ne oldu|gelmedi|ulasmadi|yolda mi|cikti mi|kargolandi mi|"
            r"verildi mi)",
            r"\b(nerede|nerde|ne durumda|takip)\b.*\b(kargo\w*|siparis\w*|paket\w*)",
            r"\bkargo takip\b",
            r"\btakip (no|numara\w*|kodu)\b",
            r"\bwhere('s| is)? (is )?(my|the) (order|package|parcel|shipment|delivery)",
            r"\b(order|package|parcel|shipment) (status|tracking)\b",
            r"\btrack(ing)? (my )?(order|package|parcel)",
            r"\bstatus of (my )?(order|package)",
            r"\bhas my (order|package|parcel) (been )?shipped",
            r"(أين|وين|حالة).*(طلبي|الطلب|الشحنة|طردي)",
        ],
    ),
    (
        "thanks",
        0.9,
        [r"\b(tesekkur\w*|tsk\w*|sag ?ol\w*|eyvallah|thank\w*|thx|cok sagolun)\b", r"(شكرا|شكراً)"],
    ),
    (
        "goodbye",
        0.85,
        [
            r"\b(gorusuruz|hoscakal\w*|hosca kal\w*|iyi aksamlar|bye|goodbye|see you)\b",
            r"(مع السلامة|وداعا)",
        ],
    ),
    (
        "greeting",
        0.85,
        [
            r"^(merhaba\w*|mrb|slm|selam\w*|iyi gunler|gunaydin|hello|hi|hey|"
            r"good (morning|afternoon|evening))\b",
            r"(مرحبا|السلام عليكم|أهلا|اهلا)",
        ],
    ),
]
_COMPILED = [(intent, conf, [re.compile(p) for p in pats]) for intent, conf, pats in _RULES]
_SMALL_TALK = {"greeting", "thanks", "goodbye"}


_TR_LETTERS = re.compile(r"[çğıöşüÇĞİÖŞÜ]")


def detect_language(text: str, previous: str | None = None) -> Language:
    if has_arabic(text):
        return "ar"
    tokens = words(text)
    if not tokens:
        return previous if previous in ("tr", "en", "ar") else "tr"  # type: ignore[return-value]
    letters = re.findall(r"[^\W\d_]+", text)
    # Turkish letters are strong evidence, but a word of them ("Yurtiçi Kargo", a product name)
    # in an English sentence is a name, not the language.
    marked = sum(bool(_TR_LETTERS.search(word)) for word in letters)
    english = sum(token in _EN_WORDS for token in tokens)
    turkish = marked + sum(
        token in _TR_HINTS
        or token.endswith(("im", "um", "miz"))
        or (len(token) >= 5 and token.endswith(_TR_ENDINGS))
        for token in tokens
    )
    if len(tokens) == 1 and previous in ("tr", "en", "ar") and not marked:
        if previous != "ar" and is_arabizi(text):
            return "ar"  # "shukran", "yalla"
        return previous  # type: ignore[return-value]  # "ok", "thx": keep the conversation's
    if marked and english <= marked:
        return "tr"
    if is_arabizi(text, turkish=turkish, english=english):
        return "ar"  # "baddi badel el size": Arabic in Latin letters
    if english > turkish and english >= max(1, len(tokens) // 3):
        return "en"
    if english == turkish and previous in ("tr", "en", "ar"):
        # No evidence either way ("ok then medium" has one word of each reading): the
        # conversation's language is kept.
        return previous  # type: ignore[return-value]
    return "tr"


def written_in_arabizi(text: str) -> bool:
    """Arabic written in Latin letters and digits ("baddi badel el size")."""
    return not has_arabic(text) and detect_language(text) == "ar"


def classify(text: str) -> tuple[str, float]:
    folded = fold(text)
    matches = [
        (intent, conf)
        for intent, conf, patterns in _COMPILED
        if any(p.search(folded) for p in patterns)
    ]
    if not matches:
        return "other", 0.3
    intent, confidence = matches[0]
    if intent in _SMALL_TALK and len(words(text)) > 6:
        # "Merhaba, iade yapmak istiyorum ..." is not small talk: a greeting plus something else.
        return "other", 0.4
    return intent, confidence


class RuleUnderstander:
    """Understands the phase-1 intents with keyword rules (no model, no network)."""

    async def understand(
        self,
        text: str,
        *,
        tenant_slug: str,
        previous_language: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Understanding:
        language = detect_language(text, previous_language)
        intent, confidence = classify(text)
        entities = extract(text)
        signals = detect(text, entities)
        if intent == "other" and (entities.order_numbers or entities.tracking_numbers):
            # A bare order number is a status question in a support chat.
            intent, confidence = "order_status", 0.7
        return Understanding(
            language=language,
            intent=intent,
            confidence=confidence,
            entities=entities,
            signals=signals,
            source="rules",
        )


_PRICE_ASKED = re.compile(
    r"\b(?:fiyat\w*|kac para|kac lira\w*|kac tl|kaca|ne kadar\b(?! surede| zamanda)|ne tutar\w*|"
    r"toplam\w*|tutar\w*|how much|price\w*|cost\w*|total|b ?kam|be kam|bi ?kam|addesh|adesh|"
    r"2addesh|se3r\w*|si3r\w*|taklif\w*|chhal|sh7al|bch7al)\b|بكم|بكام|سعر|كم ثمن|كم يكلف|قديش"
)
_AVAILABILITY_ASKED = re.compile(
    r"\b(?:var ?m[iı]\w*|varmi\w*|stok\w*|kald[iı] ?m[iı]|kaldimi|mevcut|bulunur|available|"
    r"in stock|do you have|have you got|got any|come in|do you sell)\b|متوفر|يوجد|عندكم|موجود"
)


_COST_ASKED = re.compile(
    r"\b(?:fiyat\w*|ucret\w*|kac para|kac lira\w*|kac tl|kaca\b|ne tutar\w*|mal olur|price\w*|"
    r"ne kadar (?:\w+ )?(?:vericem|verecegim|odeyecegim|odicem|odeycem|tutar\w*|tutuyor)|"
    r"cost\w*|how much|b ?kam|be kam|bi ?kam|addesh|adesh|2addesh|se3r\w*|si3r\w*|taklif\w*|chhal|"
    r"sh7al|bch7al)\b|بكم|بكام|سعر|كم ثمن|كم يكلف|تكلف|التكلفة|قديش سعر"
)


_TOTAL_ASKED = re.compile(
    r"\b(?:toplam\w*|hepsi\w*|all in|in total|total|altogether|kol da|kolo)\b|(?:المجموع|الكل)"
)


def asks_total(text: str) -> bool:
    """The price of it all asked ("toplam ne ödicem", "how much all in w/ shipping", "kol da b
    kam ma3 el shipping"): a price question, shipping included."""
    return asks_cost(text) and _TOTAL_ASKED.search(fold(text)) is not None


def asks_cost(text: str) -> bool:
    """A price asked in so many words ("ücreti", "kaça", "how much", "be kam", "بكم"), not
    "ne kadar" alone ("ne kadar sürüyor" asks how long)."""
    return _COST_ASKED.search(fold(text)) is not None


def asks_price(text: str) -> bool:
    """ "fiyatı ne kadar", "toplam ne tutar", "how much", "بكم" (not "ne kadar sürede")."""
    return _PRICE_ASKED.search(fold(text)) is not None


def asks_availability(text: str) -> bool:
    """ "var mı", "stokta", "kaldı mı", "available", "do you have", "متوفر"."""
    return _AVAILABILITY_ASKED.search(fold(text)) is not None


PRODUCT_INTENTS = ("stock_question", "product_question", "price_question")


_SHIPPING_ASKED = re.compile(
    r"\b(?:kargo\w*|gonderim\w*|teslimat\w*|shipping|delivery|postage)\b|شحن|توصيل"
)


def product_intent(
    intent: str, text: str, *, names_a_product: bool = True, names_a_variant: bool = False
) -> str:
    """Among the product questions, the one the words say: an attribute asked ("boyu ne kadar",
    "kumaşı ne") is a product question, a price asked ("kaç lira", "how much", "بكم") a price
    question, availability asked ("var mı", "in stock", "متوفر") a stock question; the model's
    reading otherwise; a colour or size with availability asked ("gri XL var mı") is a stock
    question whatever else it says. A "price" of shipping that names no product ("gönderim
    bedeli kaç lira") is a shipping question. Other intents are left as they are."""
    if intent not in PRODUCT_INTENTS:
        return intent
    folded = fold(text)
    if not names_a_product and _SHIPPING_ASKED.search(folded):
        return "shipping_policy"
    availability = asks_availability(text)
    if asked_attributes(text) and not (availability and names_a_variant):
        return "product_question"
    if asks_price(text):
        return "price_question"
    if availability:
        return "stock_question"
    return intent


def asks_for_a_person(text: str) -> bool:
    """The customer's own words ask for a person ("temsilci", "insanla konuşmak", "a human")."""
    return classify(text)[0] == "human_request"
