"""Entities in a customer's message: order and tracking numbers, phones, e-mails, quantities,
sizes, colours, products, a company name, dates and times, and the reason for a return.

Written for the way customers type on WhatsApp: no diacritics ("gomlegin", "kirik geldi"),
Turkish suffixes ("siyahını", "ayakkabıyı", "150'şer adet"), numbers as words ("yüz elli tane")
and identifiers next to each other ("sipariş 10654400001, beni 0532 111 22 33'ten arayın").
Matching runs over the Turkish-folded text (``text.fold``); values come back canonical
(colours and products by their Turkish name, phones as 90XXXXXXXXXX).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from stdnum.tr import tckimlik

from invekto.core.phones import normalize_tr_phone
from invekto.core.text import NUMBER_WORDS, fold, fold_aligned
from invekto.nlu.dates import extract_dates
from invekto.nlu.types import Entities, ReturnReason

log = logging.getLogger(__name__)

TRACKING_LENGTHS = (13, 20)
"""Lengths of cargo tracking numbers without context (Yurtiçi/Aras/MNG 13, Trendyol Express 20)."""
ORDER_LENGTHS = range(6, 13)
DEFAULT_TIMEZONE = "Europe/Istanbul"

# --- order and tracking numbers, phones, e-mails ----------------------------------------------

_PHONE = re.compile(r"(?<![\d+])(?:\+?90[\s-]?|0)?5\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)")
_DIGITS = re.compile(r"(?<![A-Za-z\d])(?<!\d[.,])\d{6,24}(?![A-Z\d])(?![.,]\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
"""An e-mail address; it starts where a word does (linear on a long word without an "@")."""
# Context right before a number (folded text, the number follows at the end).
_ORDER_BEFORE = re.compile(
    r"(?:siparis\w*|sip|order\w*)\s*(?:no|numara\w*|number|nr|num)?\.?\s*[:#-]?\s*#?\s*$"
)
_TRACKING_BEFORE = re.compile(
    r"(?:(?:takip|tracking|barkod|awb)\w*\s*(?:no|numara\w*|number|kodu?|code)?"
    r"|(?:kargo|gonderi|cargo|shipment)\w*\s*(?:takip\s*)?(?:no|numara\w*|number|kodu?|code))"
    r"\.?\s*[:#-]?\s*$"
)
_NOT_AN_ID_BEFORE = re.compile(
    r"\b(?:tc|t\.c\.?|kimli[kg]\w*|tckn|vergi\w*|vkn|iban\w*|hesab?\w*|account|(?:turkish\s+)?id|"
    r"identity|national\s+id\w*)\W*(?:(?:no|numara\w*|number|num|nr)\W*)?(?:(?:is|:)\W*)?$"
)
_NOT_AN_ID_AFTER = re.compile(r"^\s*(?:tl\b|lira|try\b|usd|eur|\$|₺|adet|tane|pcs|gr\b|kg\b)")

# --- money and percentages (never quantities) ------------------------------------------------

_AMOUNT_NUMBER = r"\d[\d.,]*\d|\d"
_CURRENCY_AFTER = (
    r"(?:tl\b|tl'|try\b|₺|\$|€|£|lira\w*|kurus\w*|usd\b|eur\b|euro\w*|dolar\w*|dollars?\b|"
    r"ليرة|ليره|دولار|يورو)"
)
_PERCENT_WORDS = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?:₺|\$|€|£|\btl\b|\btry\b|\busd\b|\beur\b)\s?(?:{_AMOUNT_NUMBER})"
    rf"|(?<![\w.,])(?:{_AMOUNT_NUMBER})\s?{_CURRENCY_AFTER}"
    rf"|[%٪]\s?(?:{_AMOUNT_NUMBER})"
    rf"|(?<![\w.,])(?:{_AMOUNT_NUMBER})\s?(?:[%٪]|percent\b|per\s?cent\b|pct\b|"
    r"بالمئة|بالمائة|في المئة|في المائة)"
    rf"|\byuzde\s*(?:{_AMOUNT_NUMBER}|(?:(?:{_PERCENT_WORDS})\b\s*)+)"
)
"""Amounts of money ("400 TL'lik", "₺400", "$40", "1.500 lira") and percentages ("%25", "25%",
"yüzde 30", "yüzde otuz", "30 percent", "٪30"), in the folded text."""


def mentions_amount(text: str) -> bool:
    """Whether ``text`` names an amount of money or a percentage."""
    return _AMOUNT.search(fold(text)) is not None


def _without_amounts(folded: str) -> str:
    """``folded`` with every amount of money and percentage blanked out (same length)."""
    return _AMOUNT.sub(lambda m: " " * len(m.group()), folded)


# --- quantities ------------------------------------------------------------------------------

_UNIT = (
    r"(?:adet\w*|adt\b|ad\.|tane\w*|parca\w*|koli\w*|paket\w*|duzine\w*|dozen\w*|"
    r"pcs\b|pc\b|pieces?\b|units?\b|items?\b|x\b)"
)
_QUANTITY = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,3}(?:\.\d{3})+|\d{1,6})\s*'?(?:s?[ae]r\b)?\s*"  # 1.500 / 30'ar
    rf"(?P<unit>{_UNIT})|\bx\s*(?P<x>\d{{1,4}})\b"
)
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_WORD_QUANTITY = re.compile(
    rf"\b(?P<words>(?:(?:{_NUMBER_WORD})\b[\s-]*(?:and\s+)?)+)(?P<unit>{_UNIT})"
)

# --- sizes -----------------------------------------------------------------------------------

_LETTER_SIZES = r"xxxl|xxl|xl|xxs|xs|[2-6]xl|s|m|l"
_SIZE_LETTER = re.compile(rf"(?<![\w.'-])(?P<size>{_LETTER_SIZES})(?:'\w+)?(?![\w.-])")
_SIZE_CONTEXT_AFTER = re.compile(
    r"^\s*(?:/|,|\bve\b|\bveya\b|\bya da\b|\bor\b|\band\b|\byerine\b|\bile\b|\bd[ae]\b)?\s*"
    r"(?:beden\w*|size|olsun|var\b|varmi|yok|lazim|istiyorum|isterim|alabilir\w*|alsam|"
    r"kaldi\w*|mi\b|mu\b|yoksa|gelir|geldi|aldim|almistim|siparis\w*|yerine|ile\b|olur\b|"
    r"degil\b|bak\w*|olmaz\b|"
    r"(?:" + _LETTER_SIZES + r")\b|$|[?!.,؟،])"
)
_SIZE_CONTEXT_BEFORE = re.compile(
    r"(?:beden\w*|size|olarak|yerine|or|veya|ya da|degil|/|,|(?:ب|ال|بال)?مقاس\w*|قياس)\s*$"
    r"|(?:^|\s)(?:" + _LETTER_SIZES + r")\s*"
    r"(?:/|,|ve|veya|ya da|or|yerine)\s*$"
)
_SIZE_NUMBER = re.compile(
    r"\b(?P<a>\d{2})\s*'?(?:beden\w*|numara\w*|no\b|size\b)"
    r"|\b(?:beden\w*|numara(?:m|si|sini)?|size|eu|maqas|ma2as|mqas|nemra|nimra|"
    r"(?:ب|ال|بال)?مقاس\w*|قياس)\s*:?\s*"
    r"(?P<b>\d{2})\b(?![.,]\d)"
    r"|\b(?P<waist>\d{2})\s*bel\s*(?P<leg>\d{2})\s*boy\b"
    r"|\bw(?P<waist2>\d{2})\s*/?\s*l(?P<leg2>\d{2})\b"
)
_NOT_SIZE_BEFORE = re.compile(
    r"\b(?:kapi|daire|bina|ev|apartman|apt|sokak|cadde|kat|posta|telefon|tel|siparis|takip|"
    r"kargo|hesap|vergi)\w*\s*$"
)
_AGE_SIZE = re.compile(
    r"(?<![\d.,:/-])(?P<lo>\d{1,2})\s*(?:-|–|/|ila|to)\s*(?P<hi>\d{1,2})\s*"
    r"(?:(?P<years>yas(?:in\w*|li\w*|lik\w*)?|years?(?!\s+ago)|yrs?|y)"
    r"|(?P<months>ay(?:lik\w*)?|months?(?!\s+ago)|mo))\b"
    r"(?!\s*(?:icinde|sonra|once|oldu|boyunca|suresince|kadar|within|later))"
    r"|(?<![\d.,:/-])(?P<age>\d{1,2})\s*(?:yas(?:in\w*|li\w*|lik\w*)?|years?\s+old|yo)\b"
)
"""Kids' sizes by age: "9-10 yaş", "7-8 yaşında", "6-9 ay", "0-3 aylık", "7-8 years", "8 yaş"
→ "9-10 Yaş", "6-9 Ay", "8 Yaş" (as the catalogue writes them). "1-2 ay içinde" is a time."""
_SIZE_WORDS = re.compile(
    r"\bsize\s+(?P<a>small|medium|large|x-?large|extra large)\b"
    r"|\b(?P<b>small|medium|large|x-?large|extra large)\s+size\b"
    r"|\b(?:in|a|the)\s+(?P<c>small|medium|large|x-?large|extra large)\b(?!\s+(?:box|bag|order))"
)
_SIZE_WORD_VALUES = {
    "small": "S",
    "medium": "M",
    "large": "L",
    "xlarge": "XL",
    "x-large": "XL",
    "extra large": "XL",
}

# --- colours ---------------------------------------------------------------------------------

_COLORS = {
    "siyah": "siyah",
    "black": "siyah",
    "beyaz": "beyaz",
    "white": "beyaz",
    "kirmizi": "kırmızı",
    "red": "kırmızı",
    "mavi": "mavi",
    "blue": "mavi",
    "lacivert": "lacivert",
    "navy": "lacivert",
    "yesil": "yeşil",
    "green": "yeşil",
    "sari": "sarı",
    "yellow": "sarı",
    "gri": "gri",
    "grey": "gri",
    "gray": "gri",
    "pembe": "pembe",
    "pink": "pembe",
    "mor": "mor",
    "purple": "mor",
    "kahverengi": "kahverengi",
    "brown": "kahverengi",
    "bej": "bej",
    "beige": "bej",
    "turuncu": "turuncu",
    "orange": "turuncu",
    "ekru": "ekru",
}
"""Folded colour words → the canonical Turkish name. The catalogue (``integrations.catalog``)
matches product colours with these; ``colors_in`` reads every colour word below."""
_MORE_COLORS = {
    "gece mavisi": "lacivert",
    "fume": "füme",
    "antrasit": "antrasit",
    "pudra": "pudra",
    "lila": "lila",
    "lilac": "lila",
    "kahve rengi": "kahverengi",
    "taba": "taba",
    "camel": "camel",
    "krem rengi": "krem",
    "cream": "krem",
    "bordo": "bordo",
    "burgundy": "bordo",
    "maroon": "bordo",
    "haki": "haki",
    "khaki": "haki",
    "vizon": "vizon",
    "hardal": "hardal",
    "mustard": "hardal",
    "mint": "mint",
    "fusya": "fuşya",
    "fuchsia": "fuşya",
    "turkuaz": "turkuaz",
    "turquoise": "turkuaz",
    "indigo": "indigo",
    "petrol mavisi": "petrol",
    "petrol yesili": "petrol",
    "somon": "somon",
    "salmon": "somon",
    "gumus": "gümüş",
    "silver": "gümüş",
    "altin rengi": "altın",
    "gold": "altın",
    "bronz": "bronz",
    "ten rengi": "ten rengi",
    "nude": "ten rengi",
    "اسود": "siyah",
    "سوداء": "siyah",
    "ابيض": "beyaz",
    "بيضاء": "beyaz",
    "احمر": "kırmızı",
    "حمراء": "kırmızı",
    "ازرق": "mavi",
    "زرقاء": "mavi",
    "كحلي": "lacivert",
    "اخضر": "yeşil",
    "خضراء": "yeşil",
    "اصفر": "sarı",
    "صفراء": "sarı",
    "رمادي": "gri",
    "وردي": "pembe",
    "زهري": "pembe",
    "بنفسجي": "mor",
    "بني": "kahverengi",
    "بيج": "bej",
    "برتقالي": "turuncu",
}
"""More shades, phrases and Arabic colour words that messages name (matched with Turkish
endings only, so "hakiki" is not "haki" and "tabak" not "taba")."""
COLOR_WORDS = {**_COLORS, **_MORE_COLORS}
# Turkish endings a colour word takes: "siyahı", "mavisini", "beyazdan", "grisi", "lacivertler",
# "beyazının".
_TR_COLOR_SUFFIX = (
    r"(?:'?(?:l[ae]r)?(?:s?[iu](?:n(?:[iu]n|i|u|e|a|de|da|den|dan)?)?|y?[iu]|y?[ae]|n?d[ae]n?|"
    r"n?t[ae]n?|n?[iu]n|y?l[ae]|[iu]yl[ae]|l[iu]|imsi|umsu|msi|msu)?)"
)
_COLOR = re.compile(
    r"(?<![\w\u0621-\u065f\u0670-\u06d3])(?:[وبف]?ال|[وبف])?("
    + "|".join(sorted((re.escape(c) for c in COLOR_WORDS), key=len, reverse=True))
    + r")"
    + _TR_COLOR_SUFFIX
    + r"(?![\w\u0621-\u065f\u0670-\u06d3])"
)
_NOT_COLORS = re.compile(r"^(?:tabana|tabanda|tabandan)$|^red\s*(?:edil|oldu|etti|yedi|ver|cevab)")
"""'tabanda' is 'in the sole', 'red edildi' a rejection."""

# --- products --------------------------------------------------------------------------------

_PRODUCTS: dict[str, list[str]] = {
    "gömlek": ["gomlek", "shirt", "shirts", "blouse shirt"],
    "tişört": ["tisort", "tshirt", "t-shirt", "t shirt", "tee", "tees", "t-shirts", "tshirts"],
    "spor ayakkabı": ["spor ayakkabi", "sneaker", "sneakers", "trainers", "spor ayakabi"],
    "ayakkabı": ["ayakkabi", "ayakabi", "shoe", "shoes"],
    "bot": ["kar botu", "boots"],
    "çizme": ["cizme"],
    "sandalet": ["sandalet", "sandal", "sandals"],
    "terlik": ["terlik", "slippers", "slipper", "flip flops"],
    "babet": ["babet", "flats"],
    "topuklu ayakkabı": ["topuklu ayakkabi", "topuklu", "heels"],
    "mont": ["mont", "puffer"],
    "kaban": ["kaban"],
    "trençkot": ["trenckot", "trench", "trench coat"],
    "ceket": ["ceket", "jacket", "jackets", "blazer"],
    "palto": ["palto", "coat", "coats"],
    "yelek": ["yelek", "vest", "gilet"],
    "kazak": ["kazak", "sweater", "sweaters", "jumper"],
    "hırka": ["hirka", "cardigan"],
    "sweatshirt": ["sweatshirt", "sweat", "sweatshirts", "svetsirt"],
    "hoodie": ["hoodie", "hoodies", "kapsonlu"],
    "bluz": ["bluz", "blouse", "blouses"],
    "tunik": ["tunik", "tunic"],
    "elbise": ["elbise", "dress", "dresses"],
    "etek": ["etek", "skirt", "skirts"],
    "pantolon": ["pantolon", "pantalon", "trousers", "pants"],
    "kot pantolon": ["kot pantolon", "kot", "jean", "jeans", "denim"],
    "şort": ["sort", "shorts"],
    "tayt": ["tayt", "leggings"],
    "eşofman": ["esofman", "tracksuit", "joggers", "sweatpants"],
    "takım elbise": ["takim elbise", "suit"],
    "tulum": ["tulum", "jumpsuit", "overalls"],
    "pijama": ["pijama", "pajamas", "pyjamas"],
    "gecelik": ["gecelik", "nightgown"],
    "iç çamaşırı": ["ic camasiri", "underwear"],
    "sütyen": ["sutyen", "bra"],
    "boxer": ["boxer", "boxers"],
    "çorap": ["corap", "socks"],
    "mayo": ["mayo", "swimsuit"],
    "bikini": ["bikini"],
    "body": ["body", "bodysuit"],
    "zıbın": ["zibin"],
    "çanta": ["canta", "bag", "bags", "handbag", "handbags"],
    "sırt çantası": ["sirt cantasi", "backpack"],
    "cüzdan": ["cuzdan", "wallet", "purse"],
    "kemer": ["kemer", "belt"],
    "şapka": ["sapka", "hats"],
    "bere": ["bere", "beanie"],
    "atkı": ["atki", "scarf"],
    "eldiven": ["eldiven", "gloves"],
    "güneş gözlüğü": ["gunes gozlugu", "sunglasses"],
    "gözlük": ["gozluk", "glasses"],
    "kol saati": ["kol saati", "akilli saat", "wristwatch", "smartwatch"],
    "kolye": ["kolye", "necklace"],
    "küpe": ["kupe", "earrings", "earring"],
    "bileklik": ["bileklik", "bracelet"],
    "yüzük": ["yuzuk"],
    "kulaklık": ["kulaklik", "headphones", "earphones", "earbuds"],
    "telefon kılıfı": ["telefon kilifi", "kilif", "phone case"],
    "parfüm": ["parfum", "perfume"],
    "havlu": ["havlu", "towel", "towels"],
    "nevresim": ["nevresim", "duvet cover", "bedding"],
    "yastık": ["yastik", "pillow"],
    "battaniye": ["battaniye", "blanket"],
    "halı": ["hali", "rug", "carpet"],
    "perde": ["perde", "curtain", "curtains"],
    "önlük": ["onluk", "apron"],
    "forma": ["forma", "jersey", "jerseys"],
}
"""Canonical Turkish product type → folded words and phrases customers use (TR and EN)."""
_PRODUCT_SUFFIX = (
    r"(?:'?(?:l[ae]r)?(?:(?:s|y|n)?[iu](?:m|n|miz|muz|niz|nuz)?)?"
    r"(?:y?[ae]|n?d[ae]n?|n?t[ae]n?|n?[iu]n|y?l[ae]|n?[iu]|ki)?)"
)
_NOT_PRODUCTS = {"kotu", "kotuydu", "kotuyum", "kotusu", "kotun", "sorta", "hali", "halini"}
"""Words that look like an inflected product but are not: 'kötü' (kot+u), 'hali' (its state)."""


def _product_stems(word: str) -> list[str]:
    """'gomlek' → ['gomlek', 'gomleg'] ('gömleğin'); 'corap' → ['corap', 'corab']."""
    stems = [word]
    if " " not in word and word.isascii() and len(word) > 3:
        if word.endswith("k"):
            stems.append(word[:-1] + "g")
        elif word.endswith("p"):
            stems.append(word[:-1] + "b")
    return stems


_PRODUCT_BY_STEM = {
    stem: canonical
    for canonical, variants in _PRODUCTS.items()
    for variant in variants
    for stem in _product_stems(variant)
}
_PRODUCT = re.compile(
    r"(?<![\w-])("
    + "|".join(sorted((re.escape(s) for s in _PRODUCT_BY_STEM), key=len, reverse=True))
    + r")(?:e?s|"
    + _PRODUCT_SUFFIX
    + r")(?![\w-])"
)
# A bare "bot" is as often the chatbot ("sen bot musun") as a boot: only with a boot's company.
_BOOT = re.compile(
    r"\b(?:(?:deri|suet|kislik|kar|topuklu|bilekte|uzun|kisa|siyah|kahverengi|taba|bej|"
    r"haki|bordo|gri|vizon)\s+bot(?:u|lar\w*|un|unu|a)?|bot(?:u|lar\w*|un|unu)\s+"
    r"(?:\d{2}|numara|beden|var|stok|ne|kac|fiyat|iade|degis)|bot\s+\d{2})\b"
)

# --- company ---------------------------------------------------------------------------------

_LEGAL_FORM = (
    r"(?:ltd\.?\s*sti\.?|ltd\.?\s*sirketi|limited\s+sirketi|ltd\.?|a\.\s?s\.?|as\b|"
    r"anonim\s+sirketi|sti\.?|inc\.?|llc|gmbh|corp\.?|co\.|plc)"
)
_COMPANY_LEGAL = re.compile(
    # A name starts where a word starts: without the look-behind every position inside a long
    # word would start a match of its own (quadratic on a 20k-character word).
    r"(?<![\w&'.-])(?P<name>(?:[\w&'.-]+\s+){0,4}?[\w&'.-]+)\s+(?P<form>"
    + _LEGAL_FORM
    + r")(?=$|[\s,;:!?)])"
)
_COMPANY_CUE = re.compile(
    r"\b(?:firmamiz|sirketimiz|firma\s+(?:adi|ismi|unvani)|sirket\s+(?:adi|ismi|unvani)|"
    r"unvan(?:imiz)?|our\s+company(?:\s+is)?|company\s+name(?:\s+is)?)\b\s*[:=-]?\s*"
    r"(?:ise\s+)?(?P<name>(?:[\w&'.-]+\s*){1,3})"
)
_COMPANY_STOP = set(
    """
    icin adina olarak ile ve de da olan biz bizim ben benim adet tane lazim istiyor istiyoruz
    istiyorum var mi mu fatura faturali faturayi faturasi faturamiz kesin kesebilir
    kesilsin toplu siparis siparisi urun urunler firma firmamiz firmasi sirket sirketimiz
    sirketi unvan unvani unvanimiz adi ismi adres adresimiz vergi no for the a an is are we
    need needs order orders wants would like and with to of in on by our my invoice
    """.split()
)
_COMPANY_NOT_NAME = _COMPANY_STOP | {"merhaba", "selam", "slm", "mrb", "iyi", "gunler", "hi"}

# --- return reasons --------------------------------------------------------------------------

_RETURN_REASONS: list[tuple[ReturnReason, re.Pattern[str]]] = [
    (
        "damaged",
        re.compile(
            r"\b(kirik|kiril(?:mis|di)|yirtik|yirtil(?:mis|di)|hasar\w*|bozul(?:mus|du)|"
            r"bozuk\s+(?:geldi|cikti|gonder\w*|urun)|(?:urun|cihaz|parca)\w*\s+bozuk|"
            r"defo\w*|lekeli|leke var|sokuk|sokul(?:mus|du)|patlak|patla(?:di|mis)|"
            r"dikis\w* (?:acil|atti|kacti|patla)\w*|ezik|ezil(?:mis|di)|catlak|"
            r"delik|kusurlu|arizali|damaged|broken|torn|ripped|"
            r"defective|faulty|cracked|stained|dented|scratched)"
        ),
    ),
    (
        "size",
        re.compile(
            r"\b((beden|numara|kali[pb]|olcu)\w*\s+(\w+\s+)?(olmadi|uymadi|tutmadi|kucuk|buyuk|"
            r"dar|bol|yanlis|kisa|uzun|farkli)|(olmadi|uymadi)\s+(beden|numara|kali[pb])\w*|"
            r"(kucuk|buyuk|dar|bol|kisa|uzun|genis)\s+(geldi|oldu|cikti|kaldi|geliyor)|"
            r"(ustume|ayagima|bana)\s+(olmadi|uymadi|kucuk|buyuk|dar|bol)|ayagimi (vurdu|sikti)|"
            r"too (small|big|large|tight|loose|short|long)|does ?n.?t fit|does not fit|"
            r"did ?n.?t fit|wrong size|size (is|was) wrong)"
        ),
    ),
    (
        "colour",
        re.compile(
            r"\b(ren[kg]\w*\s+(\w+\s+){0,3}(farkli|yanlis|ayni degil|soluk|tutmadi|uymadi|"
            r"fotograftaki gibi degil|resimdeki gibi degil|cok acik|cok koyu|degisik|baska)|"
            r"(farkli|yanlis|baska)\s+ren[kg]\w*|rengini begenmedim|rengi (soldu|atti|akti)|"
            r"wrong colou?r|colou?r (is|was) (different|wrong|off)|different colou?r|faded)"
        ),
    ),
    (
        "quality",
        re.compile(
            r"\b(kalitesiz|kalite\w*\s+(cok\s+)?(kotu|dusuk|berbat|rezalet)|"
            r"(kumas|malzeme|dikis)\w*\s+(cok\s+)?(kotu|ince|berbat|kalitesiz|rezalet)|"
            r"ucuz duruyor|tuylen\w*|tuy (yapti|yapiyor|veriyor)|boyasi (akti|cikti)|"
            r"(yikayinca|yikamada)\s+(cekti|bozuldu|soldu|kuculdu)|"
            r"poor quality|bad quality|low quality|cheap material|shrank)"
        ),
    ),
    (
        "changed_mind",
        re.compile(
            r"\b(vazgec(tim|tik|meye)|fikrimi degistirdim|istemiyorum artik|artik istemiyorum|"
            r"gerek kalmadi|ihtiyacim kalmadi|begenmedim|hoslanmadim|changed my mind|"
            r"don.?t want it|do not want it|no longer (need|want)|don.?t like it)"
        ),
    ),
]

# --- ordinals --------------------------------------------------------------------------------

_ORDINALS = {
    "birinci": 1,
    "ilki": 1,
    "ilk": 1,
    "birincisi": 1,
    "first": 1,
    "1.": 1,
    "ikinci": 2,
    "ikincisi": 2,
    "second": 2,
    "2.": 2,
    "ucuncu": 3,
    "ucuncusu": 3,
    "third": 3,
    "3.": 3,
    "dorduncu": 4,
    "dorduncusu": 4,
    "fourth": 4,
    "4.": 4,
    "sonuncu": -1,
    "sonuncusu": -1,
    "son": -1,
    "last": -1,
}


def extract(
    text: str, *, now: dt.datetime | None = None, timezone: str = DEFAULT_TIMEZONE
) -> Entities:
    """All entities of ``text``; dates are resolved against ``now`` in ``timezone``."""
    folded = fold(text)
    orders, tracking, phones = _identifiers(text)
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone))
    products = _products(folded)
    return Entities(
        order_numbers=orders,
        tracking_numbers=tracking,
        phones=phones,
        emails=_unique(_EMAIL.findall(text)),
        quantities=_quantities(folded),
        sizes=_sizes(folded),
        colors=_colors(folded),
        dates=extract_dates(text, now=moment),
        return_reason=next((reason for reason, p in _RETURN_REASONS if p.search(folded)), None),
        ordinal=_ordinal(folded),
        products=products,
        company=_company(text),
    )


# --- identifiers -----------------------------------------------------------------------------


def _identifiers(text: str) -> tuple[list[str], list[str], list[str]]:
    """Order numbers, tracking numbers and phones. A phone-shaped number right after "sipariş
    no" is an order number; a number right after "takip no" is a tracking number whatever
    its length; a number after "TC kimlik" or before "TL" is none of them, and neither is PII
    (a valid TC kimlik, tax, IBAN, card or phone number, ``guardrails.pii.find_pii``) unless
    the customer calls it an order or tracking number or sends nothing else."""
    orders: list[str] = []
    tracking: list[str] = []
    phones: list[str] = []
    taken: list[tuple[int, int]] = []
    pii = _pii_spans(text)
    bare = _BARE_NUMBER.fullmatch(text.strip()) is not None
    for match in _PHONE.finditer(text):
        before = fold(text[max(0, match.start() - 30) : match.start()])
        if _ORDER_BEFORE.search(before) or _TRACKING_BEFORE.search(before):
            continue  # read as a plain number below
        phone = normalize_tr_phone(match.group())
        if phone:
            phones.append(phone)
            taken.append(match.span())
    for match in _DIGITS.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        digits = match.group()
        before = fold(text[max(0, match.start() - 30) : match.start()])
        after = fold(text[match.end() : match.end() + 8])
        if _NOT_AN_ID_BEFORE.search(before) or _NOT_AN_ID_AFTER.search(after):
            continue
        said = _ORDER_BEFORE.search(before) or _TRACKING_BEFORE.search(before)
        if not (said or bare) and any(s < match.end() and match.start() < e for s, e in pii):
            continue  # a TC kimlik, tax, IBAN or card number: never an order or tracking number
        if _TRACKING_BEFORE.search(before) and 10 <= len(digits) <= 24:
            tracking.append(digits)
        elif _ORDER_BEFORE.search(before) and 6 <= len(digits) <= 14:
            orders.append(digits)
        elif len(digits) in TRACKING_LENGTHS:
            tracking.append(digits)
        elif len(digits) in ORDER_LENGTHS:
            orders.append(digits)
    return _unique(orders), _unique(tracking), _unique(phones)


_PII_NOT_IDS = frozenset(
    {"TR_NATIONAL_ID", "TR_TAX_ID", "IBAN_CODE", "CREDIT_CARD", "PHONE_NUMBER"}
)
_BARE_NUMBER = re.compile(r"#?\s*\d{6,24}\s*[.!?]?")
"""A message that is only a number (matched on the stripped text: two leading ``\\s*`` would
backtrack quadratically over a run of blanks)."""


def _pii_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds personal numbers that are not order or tracking numbers."""
    if not _DIGITS.search(text):
        return []
    try:
        from invekto.guardrails.pii import find_pii

        found = find_pii(text)
    except Exception:  # the checksums alone, should the PII analyzer be unavailable
        log.exception("PII analyzer failed; checking TC kimlik checksums only")
        return [m.span() for m in _DIGITS.finditer(text) if tckimlik.is_valid(m.group())]
    return [(e.start, e.end) for e in found if e.entity_type in _PII_NOT_IDS]


def is_national_id(number: str) -> bool:
    """A valid TC kimlik number (11 digits, NVİ checksum): never to be echoed back."""
    return tckimlik.is_valid(re.sub(r"\D", "", number))


# --- quantities ------------------------------------------------------------------------------


def _quantities(folded: str) -> list[int]:
    """'150 adet', '30'ar tane', '100 pcs', 'x3', 'yüz elli tane', 'iki yüz adet',
    '100 tişört' (a number before a product word) → ints, in the order written. Money and
    percentages never are ("400 TL'lik", "%25", "yüzde 30")."""
    folded = _without_amounts(folded)  # "%25 tişört", "400 TL'lik sipariş": not quantities
    found: dict[int, int] = {}
    for match in _QUANTITY.finditer(folded):
        number = int((match["n"] or match["x"]).replace(".", ""))
        if match["unit"] and match["unit"].startswith(("duzine", "dozen")):
            number *= 12
        found.setdefault(match.start(), number)
    for match in _WORD_QUANTITY.finditer(folded):
        number = _number_from_words(match["words"])
        if number:
            if match["unit"].startswith(("duzine", "dozen")):
                number *= 12
            found.setdefault(match.start(), number)
    for match in re.finditer(r"(?<![\d.,:/])(\d{1,6})\s+(?=[a-z])", folded):
        if match.start() in found:
            continue
        product = _PRODUCT.match(folded, match.end())
        if product and _is_product(product):
            found.setdefault(match.start(), int(match.group(1)))
    return [found[start] for start in sorted(found) if found[start] > 0]


def _number_from_words(words: str) -> int | None:
    """'yuz elli' → 150, 'iki yuz' → 200, 'iki bin bes yuz' → 2500, 'a hundred' → 100."""
    total, current = 0, 0
    tokens = [t for t in re.split(r"[\s-]+", words.strip()) if t and t != "and"]
    if not tokens or tokens == ["a"]:
        return None
    for token in tokens:
        value = NUMBER_WORDS.get(token)
        if value is None:
            return None
        if value == 1000:
            total += max(current, 1) * 1000
            current = 0
        elif value == 100:
            current = max(current, 1) * 100
        else:
            current += value
    return total + current or None


# --- sizes -----------------------------------------------------------------------------------


def _sizes(folded: str) -> list[str]:
    """'M', 'XL', '42', '32/34' (waist/leg), '9-10 Yaş', '6-9 Ay' (kids' ages) in the order
    written. A lone S, M or L counts
    only next to a size word or another size ("M beden", "bedenim L", "S/M", "m var mı")."""
    found: dict[int, str] = {}
    for match in _SIZE_LETTER.finditer(folded):
        size = match["size"]
        before = folded[max(0, match.start() - 20) : match.start()]
        if before.rstrip().endswith(tuple("0123456789")):
            continue  # "2 m kumaş", "1 l"
        if len(size) == 1:
            after = folded[match.end() : match.end() + 25]
            alone = folded.strip(" .!?") == size
            if not (
                alone or _SIZE_CONTEXT_AFTER.match(after) or _SIZE_CONTEXT_BEFORE.search(before)
            ):
                continue
        found.setdefault(match.start(), size.upper())
    for match in _SIZE_NUMBER.finditer(folded):
        if match["waist"] or match["waist2"]:
            waist, leg = match["waist"] or match["waist2"], match["leg"] or match["leg2"]
            found.setdefault(match.start(), f"{waist}/{leg}")
        elif match["b"] and _NOT_SIZE_BEFORE.search(
            folded[max(0, match.start() - 20) : match.start()]
        ):
            continue  # "kapı numarası 12", "daire numara 14"
        else:
            found.setdefault(match.start(), match["a"] or match["b"])
    for match in _SIZE_WORDS.finditer(folded):
        word = match["a"] or match["b"] or match["c"]
        found.setdefault(match.start(), _SIZE_WORD_VALUES[word])
    for match in _AGE_SIZE.finditer(folded):
        if match["age"]:
            found.setdefault(match.start(), f"{int(match['age'])} Yaş")
        else:
            unit = "Ay" if match["months"] else "Yaş"
            found.setdefault(match.start(), f"{int(match['lo'])}-{int(match['hi'])} {unit}")
    for match in _AGE_RANGE.finditer(folded):
        lo = int(match["lo"] or match["lo2"] or match["lo3"])
        hi = int(match["hi"] or match["hi2"] or match["hi3"])
        if lo < hi <= MAX_CHILD_AGE:
            for start in [k for k in found if match.start() <= k < match.end()]:
                del found[start]  # "بمقاس 11-12": not a size 11 as well
            found[match.start()] = f"{lo}-{hi} Yaş"
    return _unique(found[start] for start in sorted(found))


MAX_CHILD_AGE = 16
_AGE_RANGE = re.compile(
    r"\b(?:ages?|aged|for ages?|yas(?:i|in)?)\s*:?\s*"
    r"(?P<lo>\d{1,2})\s*(?:-|–|to)\s*(?P<hi>\d{1,2})\b"
    r"|(?:عمر|لعمر|بعمر|سن)\s*(?P<lo2>\d{1,2})\s*(?:-|–)\s*(?P<hi2>\d{1,2})"
    r"|(?<![\d.,:/-])(?:(?:ب|ال|بال)?مقاس\s*)?(?P<lo3>\d{1,2})\s*(?:-|–)\s*(?P<hi3>\d{1,2})\s*"
    r"(?:size|beden\w*|سنوات|سنة|سنين|عام)"
)
"""Kids' ages said another way: "for age 9-10", "the 11-12 size", "لعمر 5-6 سنوات" → "9-10 Yaş"."""


# --- products and company --------------------------------------------------------------------


def colors_in(text: str) -> list[str]:
    """Canonical Turkish names of the colours ``text`` names, in order: "Siyahı var mı" →
    ["siyah"], "Açık Mavi" → ["mavi"], "navy" → ["lacivert"], "Hakiki Deri" → []."""
    return _colors(fold(text))


def _colors(folded: str) -> list[str]:
    return _unique(
        COLOR_WORDS[m.group(1)]
        for m in _COLOR.finditer(folded)
        if not _NOT_COLORS.match(m.group(0))
        and not _NOT_COLORS.match(folded[m.start() : m.end() + 12])
    )


def _is_product(match: re.Match[str]) -> bool:
    return match.group(0) not in _NOT_PRODUCTS


def _products(folded: str) -> list[str]:
    """Product types named, canonical Turkish, in the order written: 'gömleğin' → 'gömlek',
    'spor ayakkabıyı' → 'spor ayakkabı' (not also 'ayakkabı'), 'sneakers' → 'spor ayakkabı'."""
    found: dict[int, str] = {}
    for match in _PRODUCT.finditer(folded):
        if _is_product(match):
            found[match.start()] = _PRODUCT_BY_STEM[match.group(1)]
    for match in _BOOT.finditer(folded):
        found.setdefault(match.start(), "bot")
    return _unique(found[start] for start in sorted(found))


def _company(text: str) -> str | None:
    """A company named in the message, as written: 'ABC Tekstil Ltd. Şti.', 'XYZ A.Ş.',
    'firmamız Demir Yapı' → 'Demir Yapı'."""
    aligned = fold_aligned(text)
    for match in _COMPANY_LEGAL.finditer(aligned):
        form = text[match.start("form") : match.end("form")]
        if fold(form) == "as" and not form.isupper():
            continue  # "as" is English more often than "AŞ"
        words = match["name"].split()
        while words and (
            fold(words[0]).strip(".,:;") in _COMPANY_NOT_NAME or words[0][:1].isdigit()
        ):
            words = words[1:]
        if not words:
            continue
        start = match.start("name") + match["name"].find(words[0])
        name = text[start : match.end("form")].strip()
        # A lower-case message keeps what it has; a written one starts at a capital letter.
        capitals = [w for w in name.split() if w[:1].isupper()]
        if capitals and not name[:1].isupper():
            name = name[name.find(capitals[0]) :]
        return re.sub(r"\s+", " ", name)
    match = _COMPANY_CUE.search(aligned)
    if match:
        parts: list[str] = []
        position = match.start("name")
        for word in re.finditer(r"[\w&'.-]+", text[position : match.end("name")]):
            if fold(word.group()).strip(".") in _COMPANY_STOP or word.group()[:1].isdigit():
                break
            parts.append(word.group())
        name = " ".join(parts).strip(" .,")
        if len(name) >= 2:
            return name
    return None


# --- helpers ---------------------------------------------------------------------------------


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


_ORDINAL_CASES = ("ni", "nu", "yi", "yu", "ne", "ye")
"""Case endings an ordinal takes in a sentence: "ikincisini alayım", "ilkini", "ikinciyi"."""


_AR_ORDINALS = {
    "الاول": 1,
    "الأول": 1,
    "الاولى": 1,
    "الأولى": 1,
    "اول": 1,
    "أول": 1,
    "الثاني": 2,
    "الثانية": 2,
    "التاني": 2,
    "التانية": 2,
    "الثالث": 3,
    "الثالثة": 3,
    "التالت": 3,
    "الاخير": -1,
    "الأخير": -1,
    "الاخيرة": -1,
    "الأخيرة": -1,
}
"""Arabic ordinals: "الأول", "التاني", "الأخير"."""


def _ordinal(folded: str) -> int | None:
    for token in re.findall(r"[^\W\d_]+", folded):
        if token in _AR_ORDINALS:
            return _AR_ORDINALS[token]
    for token in re.findall(r"[a-z]+|(?<![\d.,])\d\.(?!\d)", folded):
        if token in _ORDINALS:
            return _ORDINALS[token]
        for ending in _ORDINAL_CASES:
            stem = token.removesuffix(ending)
            if stem != token and stem in _ORDINALS and stem not in ("son", "ilk"):
                return _ORDINALS[stem]
    bare = folded.strip(" .)")
    if bare.isdigit() and len(bare) == 1:
        return int(bare)
    return None
