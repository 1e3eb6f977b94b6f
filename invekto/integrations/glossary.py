"""A small English/Arabic → Turkish glossary of the words catalogue titles are made of: product
types, materials and who a product is for. Marketplace titles are Turkish ("Kadın Keten Gömlek",
"Çocuk Şişme Mont", "Kablosuz Bluetooth Kulaklık"); a customer who writes "black linen shirt" or
"قميص الكتان" is asking for the same products, so :func:`turkish_words` turns the question into
the Turkish words the catalogue search (``integrations.catalog``) compares with the titles.

Colours are not here: the NLU reads them in all three languages (``nlu.entities.colors_in``) and
the catalogue filters variants by them. Keys are folded (``core.text.fold``); Arabic keys are
also normalised (no hamza or tatweel, ة → ه, ى → ي) and looked up without the article and the
one-letter prefixes ("الكتان", "بالكتان", "والقميص" → "كتان", "قميص").
"""

from __future__ import annotations

import re

from invekto.core.text import fold

_ENGLISH: dict[str, str] = {
    # product types
    "shirt": "gomlek",
    "shirts": "gomlek",
    "blouse": "bluz",
    "blouses": "bluz",
    "t shirt": "tisort",
    "t shirts": "tisort",
    "tshirt": "tisort",
    "tshirts": "tisort",
    "tee": "tisort",
    "tees": "tisort",
    "sweatshirt": "sweatshirt",
    "sweatshirts": "sweatshirt",
    "hoodie": "kapusonlu sweatshirt",
    "hoodies": "kapusonlu sweatshirt",
    "jacket": "mont ceket",
    "jackets": "mont ceket",
    "puffer": "sisme mont",
    "coat": "mont kaban palto",
    "coats": "mont kaban palto",
    "dress": "elbise",
    "dresses": "elbise",
    "skirt": "etek",
    "skirts": "etek",
    "trousers": "pantolon",
    "pants": "pantolon",
    "jeans": "kot pantolon",
    "shorts": "sort",
    "sweater": "kazak",
    "jumper": "kazak",
    "cardigan": "hirka",
    "vest": "yelek",
    "shoe": "ayakkabi",
    "shoes": "ayakkabi",
    "sneaker": "spor ayakkabi",
    "sneakers": "spor ayakkabi",
    "trainers": "spor ayakkabi",
    "sport shoes": "spor ayakkabi",
    "sports shoes": "spor ayakkabi",
    "running shoes": "spor ayakkabi",
    "boots": "bot",
    "sandals": "sandalet",
    "slippers": "terlik",
    "wallet": "cuzdan",
    "gift box": "hediye kutusu",
    "gift boxes": "hediye kutusu",
    "gift wrap": "hediye kutusu",
    "care spray": "bakim spreyi",
    "linen spray": "keten bakim spreyi",
    "spray": "sprey",
    "care cream": "bakim kremi",
    "leather cream": "deri bakim kremi",
    "wallets": "cuzdan",
    "purse": "cuzdan",
    "belt": "kemer",
    "belts": "kemer",
    "hats": "sapka",
    "sun hat": "sapka",
    "straw hat": "hasir sapka",
    "sock": "corap",
    "socks": "corap",
    "headphones": "kulaklik",
    "headphone": "kulaklik",
    "earphones": "kulaklik",
    "earbuds": "kulaklik",
    "headset": "kulaklik",
    "jumpsuit": "tulum",
    "romper": "tulum",
    "onesie": "tulum",
    "overalls": "tulum",
    "bodysuit": "tulum body",
    "bag": "canta",
    "bags": "canta",
    "handbag": "canta",
    "scarf": "atki",
    "pyjamas": "pijama",
    "pajamas": "pijama",
    # materials
    "linen": "keten",
    "cotton": "pamuk pamuklu",
    "leather": "deri",
    "genuine leather": "hakiki deri",
    "real leather": "hakiki deri",
    "straw": "hasir",
    "wool": "yun",
    "woollen": "yun",
    "silk": "ipek",
    "denim": "kot",
    "viscose": "viskon",
    "textile": "tekstil",
    # who it is for, and how it is made
    "women": "kadin",
    "womens": "kadin",
    "woman": "kadin",
    "ladies": "kadin",
    "female": "kadin",
    "men": "erkek",
    "mens": "erkek",
    "man": "erkek",
    "male": "erkek",
    "kids": "cocuk",
    "kid": "cocuk",
    "children": "cocuk",
    "childrens": "cocuk",
    "child": "cocuk",
    "boys": "cocuk",
    "girls": "cocuk",
    "baby": "bebek",
    "babies": "bebek",
    "infant": "bebek",
    "floral": "cicekli",
    "flowered": "cicekli",
    "summer": "yazlik",
    "wireless": "kablosuz",
    "bluetooth": "bluetooth",
    "hooded": "kapusonlu",
    "oversized": "oversize",
    "plain": "basic",
    "sport": "spor",
    "sports": "spor",
    "padded": "sisme",
    "quilted": "sisme",
}
_ARABIC: dict[str, str] = {
    "علبه الهدايا": "hediye kutusu",
    "علبه هدايا": "hediye kutusu",
    "علبه هديه": "hediye kutusu",
    "بخاخ": "sprey",
    "بخاخ العنايه": "bakim spreyi",
    "كريم": "krem",
    # product types
    "قميص": "gomlek",
    "قمصان": "gomlek",
    "بلوزه": "bluz",
    "تيشيرت": "tisort",
    "تي شيرت": "tisort",
    "تيشرت": "tisort",
    "سويت شيرت": "sweatshirt",
    "سويتشيرت": "sweatshirt",
    "هودي": "kapusonlu sweatshirt",
    "جاكيت": "mont ceket",
    "جاكيت منفوخ": "sisme mont",
    "معطف": "mont kaban palto",
    "فستان": "elbise",
    "فساتين": "elbise",
    "تنوره": "etek",
    "بنطلون": "pantolon",
    "بنطال": "pantolon",
    "جينز": "kot pantolon",
    "حذاء": "ayakkabi",
    "احذيه": "ayakkabi",
    "جزمه": "ayakkabi",
    "حذاء رياضي": "spor ayakkabi",
    "احذيه رياضيه": "spor ayakkabi",
    "سنيكرز": "spor ayakkabi",
    "محفظه": "cuzdan",
    "حزام": "kemer",
    "قبعه": "sapka",
    "جوارب": "corap",
    "شراب": "corap",
    "سماعه": "kulaklik",
    "سماعات": "kulaklik",
    "افرول": "tulum",
    "سالوبيت": "tulum",
    "حقيبه": "canta",
    "شنطه": "canta",
    # materials
    "كتان": "keten",
    "قطن": "pamuk pamuklu",
    "قطني": "pamuk pamuklu",
    "جلد": "deri",
    "جلدي": "deri",
    "جلد طبيعي": "hakiki deri",
    "قش": "hasir",
    "صوف": "yun",
    "حرير": "ipek",
    # who it is for, and how it is made
    "نسائي": "kadin",
    "نسائيه": "kadin",
    "نساء": "kadin",
    "رجالي": "erkek",
    "رجاليه": "erkek",
    "رجال": "erkek",
    "اطفال": "cocuk",
    "طفل": "cocuk",
    "ولادي": "cocuk",
    "بيبي": "bebek",
    "رضيع": "bebek",
    "مواليد": "bebek",
    "مورد": "cicekli",
    "ورد": "cicekli",
    "زهور": "cicekli",
    "صيفي": "yazlik",
    "صيفيه": "yazlik",
    "لاسلكي": "kablosuz",
    "لاسلكيه": "kablosuz",
    "بلوتوث": "bluetooth",
    "منفوخ": "sisme",
    "رياضي": "spor",
    "رياضيه": "spor",
}
_ARABIZI: dict[str, str] = {
    # Arabic in Latin letters ("fi 3andkom el sama3a el bluetooth?", "el mahfaza el geld be kam")
    "sama3a": "kulaklik",
    "samma3a": "kulaklik",
    "sama3at": "kulaklik",
    "sam3a": "kulaklik",
    "mahfaza": "cuzdan",
    "ma7faza": "cuzdan",
    "mahfaze": "cuzdan",
    "ma7faze": "cuzdan",
    "shanta": "canta",
    "shante": "canta",
    "shantet": "canta",
    "fustan": "elbise",
    "fostan": "elbise",
    "kanze": "kazak sweatshirt",
    "kanzeh": "kazak sweatshirt",
    "bantalon": "pantolon",
    "bantaloon": "pantolon",
    "gazma": "ayakkabi",
    "jazma": "ayakkabi",
    "joote": "ayakkabi",
    "jooti": "ayakkabi",
    "sabbat": "ayakkabi",
    "sebbat": "ayakkabi",
    "qamees": "gomlek",
    "qamis": "gomlek",
    "2amees": "gomlek",
    "2amis": "gomlek",
    "amees": "gomlek",
    "jaket": "mont ceket",
    "jakit": "mont ceket",
    "blouza": "bluz",
    "geld": "deri",
    "jeld": "deri",
    "jild": "deri",
    "2otn": "pamuk pamuklu",
    "qotn": "pamuk pamuklu",
}
GLOSSARY: dict[str, str] = {**_ENGLISH, **_ARABIC, **_ARABIZI}
"""Folded English, Arabizi or normalised Arabic word or phrase → the Turkish (folded) catalogue
words."""
_LONGEST_PHRASE = max(len(key.split()) for key in GLOSSARY)

_TOKEN = re.compile(r"[a-z0-9]+|[\u0621-\u064a]+")
_ARABIC_NORMAL = str.maketrans({"ة": "ه", "ى": "ي", "ـ": None, "أ": "ا", "إ": "ا", "آ": "ا"})
_ARABIC_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف")


def tokens(text: str) -> list[str]:
    """Folded words and numbers of ``text``, Arabic normalised (punctuation such as "؟" and
    "'s" dropped): "Men's black sneakers?" → ["men", "s", "black", "sneakers"]."""
    return _TOKEN.findall(fold(text).translate(_ARABIC_NORMAL))


def arabic_stems(word: str) -> list[str]:
    """``word`` and the word without an Arabic article or one-letter prefix:
    "بالكتان" → ["بالكتان", "كتان"], "والقميص" → ["والقميص", "قميص"]."""
    stems = [word]
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            stems.append(word[len(prefix) :])
    return stems


def _lookup(phrase: list[str]) -> str | None:
    if len(phrase) == 1:
        return next((GLOSSARY[s] for s in arabic_stems(phrase[0]) if s in GLOSSARY), None)
    for head in arabic_stems(phrase[0]):
        key = " ".join([head, *phrase[1:]])
        if key in GLOSSARY:
            return GLOSSARY[key]
    return None


def turkish_words(text: str) -> list[str]:
    """The words of ``text`` with every glossary word or phrase replaced by its Turkish catalogue
    words, the rest as they are: "black linen shirt" → ["black", "keten", "gomlek"],
    "حذاء رياضي أسود" → ["spor", "ayakkabi", "اسود"]. Longest phrases first."""
    words = tokens(text)
    out: list[str] = []
    i = 0
    while i < len(words):
        for length in range(min(_LONGEST_PHRASE, len(words) - i), 0, -1):
            found = _lookup(words[i : i + length])
            if found is not None:
                out.extend(found.split())
                i += length
                break
        else:
            out.append(words[i])
            i += 1
    return out


def glossary_words(text: str) -> list[str]:
    """The Turkish catalogue words the glossary gives for the English or Arabic words of
    ``text`` ("straw belt" → hasir, kemer; "جوارب" → corap), in order."""
    own = set(tokens(text))
    return [word for word in turkish_words(text) if word not in own]


def glossary_product(text: str) -> bool:
    """Whether ``text`` names a product in another language ("straw belt", "المحفظة")."""
    return bool(glossary_words(text))
