"""Which catalogue attribute a product question asks about ("garantisi kaç yıl" → Garanti
Süresi, "kumaşı ne" → Materyal), and the attribute names in the customer's language.

The values are the catalogue's own (Trendyol's ``attributes``); nothing is invented: an attribute
the product does not have is said to be missing, and a person is asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from invekto.core.text import fold


@dataclass(frozen=True, slots=True)
class Attribute:
    names: tuple[str, ...]
    """Folded catalogue attribute names that carry it (the first that the product has wins)."""
    asked: re.Pattern[str]
    """The customer's words for it (Turkish folded, English, Arabic)."""
    label: dict[str, str]
    """Its name in each reply language."""


ATTRIBUTES = (
    Attribute(
        names=("garanti suresi", "garanti"),
        asked=re.compile(r"\bgarantil?\w*|\bwarrant\w*|\bguarantee\w*|ضمان"),
        label={"tr": "garanti süresi", "en": "warranty", "ar": "مدة الضمان"},
    ),
    Attribute(
        names=("materyal", "malzeme", "kumas", "icerik"),
        asked=re.compile(
            r"\b(?:materyal\w*|malzeme\w*|kumas\w*|neyden|hangi kumas|icerig\w*|"
            r"material\w*|fabric\w*|made of|cotton|pamuk\w*)|مادة|خامة|قماش"
        ),
        label={"tr": "materyal", "en": "material", "ar": "المادة"},
    ),
    Attribute(
        names=("taban",),
        asked=re.compile(r"\btaban\w*|\bsole\b|\bsoles\b|نعل"),
        label={"tr": "taban", "en": "sole", "ar": "النعل"},
    ),
    Attribute(
        names=("kalip",),
        asked=re.compile(r"\bkalib\w*|\bkalip\w*|\bfit\b|\bslim\b|\bregular\b|قصة"),
        label={"tr": "kalıp", "en": "fit", "ar": "القصة"},
    ),
    Attribute(
        names=("kol boyu",),
        asked=re.compile(r"\bkol boyu\w*|\bkol(?:u|lari)?\b|\bsleeve\w*|الكم|أكمام|اكمام"),
        label={"tr": "kol boyu", "en": "sleeve", "ar": "طول الكم"},
    ),
    Attribute(
        names=("baglanti",),
        asked=re.compile(r"\bbaglanti\w*|\bbluetooth (?:surum\w*|version)|\bconnect\w*|اتصال"),
        label={"tr": "bağlantı", "en": "connection", "ar": "الاتصال"},
    ),
    Attribute(
        names=("desen",),
        asked=re.compile(r"\bdesen\w*|\bpattern\w*|نقشة"),
        label={"tr": "desen", "en": "pattern", "ar": "النقشة"},
    ),
    Attribute(
        names=("boy",),
        asked=re.compile(r"\bboy(?:u|unu)?\b|\blength\b|طوله|طولها"),
        label={"tr": "boy", "en": "length", "ar": "الطول"},
    ),
    Attribute(
        names=("kapuson",),
        asked=re.compile(r"\bkapuson(?:u|unu|un|lari)?\b|\bhoods?\b|قبعة"),
        label={"tr": "kapüşon", "en": "hood", "ar": "القبعة"},
    ),
)

LABELS = {fold(name): attribute.label for attribute in ATTRIBUTES for name in attribute.names}


def asked_attributes(text: str) -> list[Attribute]:
    """The attributes a message asks about, in the order of :data:`ATTRIBUTES`; words one
    attribute took are not read again ("kol boyu" is the sleeve, not also the length)."""
    folded = fold(text)
    found = []
    for attribute in ATTRIBUTES:
        if attribute.asked.search(folded):
            found.append(attribute)
            folded = attribute.asked.sub(" ", folded)
    return found


def value_of(attribute: Attribute, attributes: dict[str, str]) -> tuple[str, str] | None:
    """``(catalogue name, value)`` of ``attribute`` in a product's attributes."""
    by_name = {fold(name): (name, value) for name, value in attributes.items()}
    return next((by_name[name] for name in attribute.names if name in by_name), None)


def label(name: str, language: str) -> str:
    """A catalogue attribute's name for a reply in ``language`` (the catalogue's own name when
    we have no translation)."""
    labels = LABELS.get(fold(name))
    if labels is None or language == "tr":
        return name
    return labels.get(language, name)
