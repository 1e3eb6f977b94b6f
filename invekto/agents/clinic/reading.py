"""What the clinic agent reads in a patient's message besides the intent: the service meant, red
flags (urgent triage), a patient from abroad (country, currency, a package), and which offered
slot was picked. Plain, linear-time matching on the folded text (``core.text.fold``) and the
Arabic as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Literal

from invekto.clinic.practice import Practice, ServiceView
from invekto.clinic.slots import Slot
from invekto.core.text import fold

MAX_CHARS = 2000
"""Only the start of a long message is read."""

Triage = Literal["urgent", "pain"]

_PAIN = re.compile(
    r"\b(?:agri\w*|agriyor\w*|sizl\w*|zonkl\w*|aci(?:yor|di|masi)\w*|sancı\w*|sanci\w*|"
    r"pain\w*|hurts?|hurting|ache\w*|toothache)\b"
)
_PAIN_AR = re.compile(r"ألم(?!ان)|الم |وجع|يوجعني|توجعني|يؤلم|تؤلم")
_RED_FLAGS = re.compile(
    r"\b(?:sis(?:lik|ti|mis|me|kin)\w*|sis\b|ates\w*|kanama\w*|kaniyo\w*|kanadi\w*|"
    r"kan gel\w*|kan dur\w*|travma\w*|darbe\w*|dustum|dusup|carpti\w*|carpmis\w*|kaza\w*|"
    r"kirildi\w*|"
    r"kirik\w*|yerinden cikti|swell\w*|swollen|fever\w*|bleed\w*|blood|trauma\w*|"
    r"knocked out|broke|broken|accident\w*|hit my)\b"
)
_RED_FLAGS_AR = re.compile(
    r"تورم|منتفخ|انتفاخ|حمى|حرارة|سخونة|نزيف|ينزف|ينزل دم|كسر|مكسور|حادث|ضربة|سقطت"
)

_CURRENCIES = (
    ("EUR", re.compile(r"\b(?:eur|euro|euros)\b|€"), re.compile(r"يورو")),
    ("GBP", re.compile(r"\b(?:gbp|pounds?|sterling|quid)\b|£"), re.compile(r"استرليني|جنيه")),
    ("USD", re.compile(r"\b(?:usd|dollars?|us\$)\b|\$"), re.compile(r"دولار")),
)
_COUNTRIES: dict[str, tuple[str, str]] = {
    "uk": ("United Kingdom", "GBP"),
    "england": ("United Kingdom", "GBP"),
    "london": ("United Kingdom", "GBP"),
    "manchester": ("United Kingdom", "GBP"),
    "scotland": ("United Kingdom", "GBP"),
    "ireland": ("Ireland", "EUR"),
    "germany": ("Germany", "EUR"),
    "deutschland": ("Germany", "EUR"),
    "netherlands": ("Netherlands", "EUR"),
    "holland": ("Netherlands", "EUR"),
    "france": ("France", "EUR"),
    "belgium": ("Belgium", "EUR"),
    "austria": ("Austria", "EUR"),
    "italy": ("Italy", "EUR"),
    "spain": ("Spain", "EUR"),
    "sweden": ("Sweden", "EUR"),
    "usa": ("United States", "USD"),
    "america": ("United States", "USD"),
    "united states": ("United States", "USD"),
    "canada": ("Canada", "USD"),
    "saudi": ("Saudi Arabia", "USD"),
    "kuwait": ("Kuwait", "USD"),
    "qatar": ("Qatar", "USD"),
    "dubai": ("United Arab Emirates", "USD"),
    "uae": ("United Arab Emirates", "USD"),
    "iraq": ("Iraq", "USD"),
}
_COUNTRY = re.compile(r"\b(" + "|".join(sorted(_COUNTRIES, key=len, reverse=True)) + r")\b")
_COUNTRIES_AR: dict[str, tuple[str, str]] = {
    "السعودية": ("Saudi Arabia", "USD"),
    "الرياض": ("Saudi Arabia", "USD"),
    "جدة": ("Saudi Arabia", "USD"),
    "الكويت": ("Kuwait", "USD"),
    "قطر": ("Qatar", "USD"),
    "الدوحة": ("Qatar", "USD"),
    "الإمارات": ("United Arab Emirates", "USD"),
    "الامارات": ("United Arab Emirates", "USD"),
    "دبي": ("United Arab Emirates", "USD"),
    "العراق": ("Iraq", "USD"),
    "بغداد": ("Iraq", "USD"),
    "الأردن": ("Jordan", "USD"),
    "عمان": ("Oman", "USD"),
    "البحرين": ("Bahrain", "USD"),
    "ألمانيا": ("Germany", "EUR"),
    "المانيا": ("Germany", "EUR"),
    "بريطانيا": ("United Kingdom", "GBP"),
    "لندن": ("United Kingdom", "GBP"),
}
_ABROAD = re.compile(
    r"\b(?:abroad|from overseas|fly(?:ing)? (?:in|to)|travel\w*|trip|visit(?:ing)? (?:turkey|"
    r"istanbul)|holiday|vacation|hotel|accommodation|airport|transfer|package|"
    r"medical touris\w*|dental touris\w*|come to (?:turkey|istanbul))\b"
)
_ABROAD_AR = re.compile(r"من الخارج|أسافر|اسافر|سفر|فندق|إقامة|اقامة|المطار|باقة|بكج|سياحة علاجية")
_PACKAGE = re.compile(
    r"\b(?:package|hotel|accommodation|transfers?|airport|pick ?up|paket|otel|konaklama|"
    r"havalimani|havaalani)\b"
)
_PACKAGE_AR = re.compile(r"باقة|باقه|بكج|فندق|إقامة|اقامة|المطار|المواصلات|التنقل")
_DECLINE = re.compile(
    r"\b(?:hicbiri|hic biri|uymuyor|olmaz|baska (?:gun|saat|zaman)|none of (?:them|these)|"
    r"another (?:day|time)|other (?:day|time)|doesn'?t (?:suit|work)|not (?:good|suitable))\b"
)
_DECLINE_AR = re.compile(r"ولا واحد|لا يناسبني|ما يناسبني|وقت آخر|يوم آخر|موعد آخر")
_CLOCK = re.compile(r"(?<![\d])(\d{1,2})[:.](\d{2})(?![\d])|\bsaat (\d{1,2})\b|\bat (\d{1,2})\b")


_FACTS = re.compile(
    r"\b(?:(?:seans|randevu|muayene|islem)\w* (?:ne kadar|kac dakika|kac saat)\w*|"
    r"kac dakika\w*|kim (?:yap|bak)\w*|hangi (?:doktor|hekim)\w*|"
    r"how long is (?:the|an?|my) (?:appointment|session|visit)|how many minutes|"
    r"who (?:does|will do|performs)|which (?:doctor|dentist))"
)
"""Facts the price list holds: how long a visit takes, which doctor does it. How long a
treatment lasts in months, its risks or after-care are a dentist's answers."""
_DURATION = re.compile(r"\b(?:ne kadar sur\w*|kac saat sur\w*|how long does (?:it|the|a|an)\b)")
_DURATION_AR = re.compile(r"كم (?:يستغرق|تستغرق)|كم من الوقت")
_FACTS_AR = re.compile(r"كم دقيقة|من (?:يقوم|الطبيب)|أي طبيب|اي طبيب|مدة الجلسة|مدة الموعد")
_WHEN_IS_IT = re.compile(
    r"\b(?:ne zaman\w*|saat kac\w*|hangi gun\w*|when is|what time is|when was)\b"
)
_WHEN_IS_IT_AR = re.compile(r"متى موعدي|متى الموعد|ما موعدي|وقت موعدي")
_AR_ORDINALS = {
    "الأول": 1,
    "الاول": 1,
    "أول": 1,
    "اول": 1,
    "الثاني": 2,
    "التاني": 2,
    "ثاني": 2,
    "الثالث": 3,
    "التالت": 3,
    "ثالث": 3,
}


_STAFF = re.compile(
    r"\b(?:taksit\w*|installments?|kredi kart\w*|sigorta\w*|sgk|insurance|kampanya\w*|"
    r"campaign\w*|promotion\w*|iptal ucret\w*|cancellation fee\w*|"
    r"ucret al\w*|ucret kes\w*|cancellation charge\w*|late cancel\w*|"
    r"kurumsal|corporate|calisanlar\w*|employees|anlasma\w*|fatura\w*|invoice\w*)\b"
)
_STAFF_AR = re.compile(r"تقسيط|أقساط|اقساط|تأمين|تامين|عرض خاص|عروض|فاتورة|شركة|موظف")
_DISCOUNT = re.compile(r"\b(?:indirim\w*|discount\w*)\b")
_DISCOUNT_AR = re.compile(r"خصم")
_NO_THANKS = re.compile(
    r"\b(?:gerek yok|istemiyorum|vazgectim|simdilik (?:yok|degil|kalsin)|sonra yazarim|"
    r"no thanks|no thank you|not now|never mind|maybe later)\b"
)
_NO_THANKS_AR = re.compile(r"لا شكرا|لا شكرًا|ليس الآن|لاحقا|لاحقًا|مش لازم")
_TR_ORDINALS = (
    ("ilk", 1),
    ("birinci", 1),
    ("ikinci", 2),
    ("ucuncu", 3),
)
_DIGIT = re.compile(r"(?<![\d:.,/])([1-9])(?![\d:.,/])")


_ASKS_IF_IT_HURTS = re.compile(
    r"\b(?:agri(?:li|si olur|r|yor)?\w* (?:bir \w+ )?m[iu]\w*|acit(?:ir|iyor)\w* m[iu]\w*|"
    r"aci(?:r|li) m[iu]\w*|agri (?:olur|yapar) m[iu]\w*|"
    r"(?:does|will|would|is) it (?:hurt|painful)\w*|is (?:it|the \w+) painful|"
    r"(?:i'?m|i am) not in (?:any )?pain|no pain|not (?:in )?pain|agrim yok|agri yok)"
)
"""Asking whether a treatment hurts, or saying nothing hurts, is no pain reported."""


def read(text: str) -> tuple[str, str]:
    """The folded text and the raw text, both bounded."""
    raw = text[:MAX_CHARS]
    return fold(raw), raw


def triage(text: str) -> Triage | None:
    """``urgent``: pain (or a red flag alone) with swelling, fever, bleeding or trauma;
    ``pain``: pain without them."""
    folded, raw = read(text)
    folded = _ASKS_IF_IT_HURTS.sub(" ", folded)
    red = bool(_RED_FLAGS.search(folded) or _RED_FLAGS_AR.search(raw))
    pain = bool(_PAIN.search(folded) or _PAIN_AR.search(raw))
    if red:
        return "urgent"
    return "pain" if pain else None


def service_in(text: str, practice: Practice) -> ServiceView | None:
    """The service the message names (its aliases and names, longest first)."""
    folded, raw = read(text)
    best: tuple[int, ServiceView] | None = None
    for service in practice.services:
        words = [*service.aliases, *service.names.values()]
        for word in words:
            key = fold(word) if not _arabic(word) else word
            haystack = raw if _arabic(word) else folded
            if key and _contains(haystack, key) and (best is None or len(key) > best[0]):
                best = (len(key), service)
    return best[1] if best else None


def _arabic(word: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in word)


def _contains(haystack: str, needle: str) -> bool:
    if _arabic(needle):
        return needle in haystack
    return re.search(rf"\b{re.escape(needle)}", haystack) is not None


def asks_facts(text: str) -> bool:
    """How long it takes, how many sessions, which doctor: facts of the price list."""
    folded, raw = read(text)
    return bool(_FACTS.search(folded) or _FACTS_AR.search(raw))


def asks_duration(text: str) -> bool:
    """ "Ne kadar sürüyor?": the visit's length, for a treatment done in one visit."""
    folded, raw = read(text)
    return bool(_DURATION.search(folded) or _DURATION_AR.search(raw))


_OWN_APPOINTMENT = re.compile(r"\b(?:randevum\w*|my (?:appointment|booking)s?)\b")
_OWN_APPOINTMENT_AR = re.compile(r"موعدي|حجزي")


def own_appointment(text: str) -> bool:
    """ "Randevumu perşembeye alın", "cancel my appointment": about one already booked."""
    folded, raw = read(text)
    return bool(_OWN_APPOINTMENT.search(folded) or _OWN_APPOINTMENT_AR.search(raw))


def asks_when_it_is(text: str) -> bool:
    """ "Randevum ne zaman?", "when is my appointment"."""
    folded, raw = read(text)
    return bool(_WHEN_IS_IT.search(folded) or _WHEN_IS_IT_AR.search(raw))


def arabic_ordinal(text: str) -> int | None:
    """ "الأول", "الثاني": which of the offered slots (the intent model's ordinals are tr/en)."""
    _, raw = read(text)
    for word in re.findall(r"[\u0621-\u064a]+", raw):
        if word in _AR_ORDINALS:
            return _AR_ORDINALS[word]
    return None


def for_staff(text: str, *, referral: bool = False) -> bool:
    """Installments, insurance, discounts and campaigns, fees, corporate deals, invoices: the
    clinic's people answer those (nothing in the practice says them). With a ``referral`` code
    in the message, its discount is the code's, not a question for them."""
    folded, raw = read(text)
    if _STAFF.search(folded) or _STAFF_AR.search(raw):
        return True
    return not referral and bool(_DISCOUNT.search(folded) or _DISCOUNT_AR.search(raw))


def no_thanks(text: str) -> bool:
    folded, raw = read(text)
    return bool(_NO_THANKS.search(folded) or _NO_THANKS_AR.search(raw))


def turkish_ordinal(text: str) -> int | None:
    """ "ikincisini alayım", "ilkini", "üçüncüsü": the stem, whatever the case ending."""
    folded, _ = read(text)
    words = folded.split()
    if len(words) > 5:  # "ilk muayene ücretsiz mi" is no pick
        return None
    for word in words:
        for stem, value in _TR_ORDINALS:
            if word.startswith(stem) and (
                stem != "ilk" or word in ("ilk", "ilki", "ilkini", "ilkine", "ilkinde")
            ):
                return value
    return None


def currency_in(text: str) -> str | None:
    folded, raw = read(text)
    for code, latin, arabic in _CURRENCIES:
        if latin.search(folded) or arabic.search(raw):
            return code
    return None


def country_in(text: str) -> tuple[str, str] | None:
    """(country, its usual currency) named in the message."""
    folded, raw = read(text)
    match = _COUNTRY.search(folded)
    if match:
        return _COUNTRIES[match.group(1)]
    return next((found for word, found in _COUNTRIES_AR.items() if word in raw), None)


def from_abroad(text: str) -> bool:
    folded, raw = read(text)
    return bool(
        _ABROAD.search(folded)
        or _ABROAD_AR.search(raw)
        or country_in(text)
        or (currency_in(text) not in (None, "TRY"))
    )


def wants_package(text: str) -> bool:
    folded, raw = read(text)
    return bool(_PACKAGE.search(folded) or _PACKAGE_AR.search(raw))


def declines(text: str) -> bool:
    folded, raw = read(text)
    return bool(_DECLINE.search(folded) or _DECLINE_AR.search(raw))


def picked_slot(
    slots: Sequence[Slot],
    *,
    text: str,
    reply_id: str | None,
    ordinal: int | None,
    yes: bool,
    zone: dt.tzinfo,
) -> Slot | None:
    """The offered slot the patient chose: a tapped button (``slot:<key>``), "ilki" / "2" /
    "the second one", a clock time of one of them ("14:00 olsun"), or "evet" to a single
    offer."""
    if reply_id and reply_id.startswith("slot:"):
        key = reply_id.removeprefix("slot:")
        found = next((s for s in slots if s.key() == key), None)
        if found is not None:
            return found
    if ordinal is None:
        ordinal = arabic_ordinal(text) or turkish_ordinal(text)
    if ordinal is not None and 1 <= ordinal <= len(slots):
        return slots[ordinal - 1]
    folded, _ = read(text)
    for match in _CLOCK.finditer(folded):
        hour = int(match.group(1) or match.group(3) or match.group(4))
        minute = int(match.group(2) or 0)
        for slot in slots:
            local = slot.starts_at.astimezone(zone)
            if local.minute == minute and local.hour in (hour, hour + 12):
                return slot
    if len(folded.split()) <= 5:  # "2 olsun", "3 lütfen"
        digits = _DIGIT.findall(folded)
        if len(digits) == 1 and 1 <= int(digits[0]) <= len(slots):
            return slots[int(digits[0]) - 1]
    if yes and len(slots) == 1:
        return slots[0]
    return None
