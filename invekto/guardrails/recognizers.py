"""Presidio recognizers for Turkish, English and Arabic customer messages.

No spaCy model is available, so every recognizer here works on the raw text: patterns plus
python-stdnum checksums (TC kimlik no, VKN, IBAN mod-97, Luhn), ``phonenumbers`` validation,
gazetteers (names, provinces and districts) for what a pattern cannot catch, and context words.

Context is handled by :class:`NearestContextEnhancer`, a Presidio context enhancer that, unlike
the stock lemma enhancer, also knows *negative* context: the nearest context word before a match
decides (then the nearest after it), so ``sipariş no 58069401788`` is not a TC kimlik no even
though that order number passes the TC checksum, while ``TC 33895686660, sipariş no ...`` is.
Words are compared folded (Turkish casing, accents dropped, Arabic alef/ta marbuta/ya unified)
and by prefix when the context word has 4+ letters, because Turkish glues suffixes on
(``siparişimin``, ``kimliğim``).

Scores: checksum-validated numbers start high (TC 0.85, IBAN 0.95, card 0.85); shapes that are
often something else start below :data:`MIN_SCORE` and need a context word (a bare VKN, a bare
landline, a compact plate, a lone lowercase first name).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import phonenumbers
import tldextract
import yaml
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.tr import tckimlik, vkn

MIN_SCORE = 0.5
"""Results below this score are not reported (find_pii's threshold)."""

# ------------------------------------------------------------------------------------- folding

_TR_CASE = str.maketrans({"I": "ı", "İ": "i"})
_ASCII = str.maketrans("çğıöşüâîû", "cgiosuaiu")
_AR_NORM = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه"})
_AR_MARKS = re.compile("[\u064b-\u0652\u0640]")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
"""Arabic-Indic and Persian digits to ASCII, one character for one (offsets are kept)."""


def tr_lower(text: str) -> str:
    """Lower case with Turkish rules (I → ı, İ → i)."""
    return text.translate(_TR_CASE).lower()


def fold(text: str) -> str:
    """Turkish lower case, accents dropped, Arabic alef / ta marbuta variants unified (alef
    maqsura is kept: على "on" is not علي "Ali"): for comparisons."""
    return _AR_MARKS.sub("", tr_lower(text).translate(_ASCII).translate(_AR_NORM))


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


# ----------------------------------------------------------------------------------- gazetteers


@dataclass(frozen=True, slots=True)
class Gazetteers:
    first_names: frozenset[str]  # folded, Turkish + English
    ambiguous_names: frozenset[str]  # folded
    surnames: frozenset[str]  # folded
    ar_names: frozenset[str]  # folded Arabic
    ar_ambiguous: frozenset[str]
    places: frozenset[str]  # folded provinces, aliases, districts, Arabic spellings


@cache
def gazetteers() -> Gazetteers:
    """The lists in ``data/gazetteers.yaml``, folded, loaded once."""
    raw = yaml.safe_load(
        resources.files("invekto.guardrails").joinpath("data/gazetteers.yaml").read_text("utf-8")
    )

    def folded(*keys: str) -> frozenset[str]:
        return frozenset(fold(str(item)) for key in keys for item in raw[key])

    return Gazetteers(
        first_names=folded("tr_first_names", "en_first_names"),
        ambiguous_names=folded("tr_ambiguous_names"),
        surnames=folded("tr_surnames"),
        ar_names=folded("ar_first_names"),
        ar_ambiguous=folded("ar_ambiguous_names"),
        places=folded("tr_provinces", "tr_province_aliases", "tr_districts", "ar_places"),
    )


# ------------------------------------------------------------------------------------- context


@dataclass(frozen=True, slots=True)
class ContextRule:
    """Context words for one recognizer: positive ones raise the score, negative ones drop it."""

    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()
    boost: float = 0.35
    floor: float = 0.6  # the least score a match with positive context gets
    negative_after: bool = True  # also look for negative words after the match

    def polarity(self, word: str) -> int:
        if _matches(word, self.negative):
            return -1
        if _matches(word, self.positive):
            return 1
        return 0


def _matches(word: str, keys: tuple[str, ...]) -> bool:
    return any(word == key or (len(key) >= 4 and word.startswith(key)) for key in keys)


def _rule(
    positive: str,
    negative: str = "",
    boost: float = 0.35,
    floor: float = 0.6,
    negative_after: bool = True,
) -> ContextRule:
    return ContextRule(
        tuple(fold(w) for w in positive.split()),
        tuple(fold(w) for w in negative.split()),
        boost,
        floor,
        negative_after,
    )


# Words that mark an order / shipment / product number: never a person's identifier.
_NOT_ID = (
    "sipariş order orders kargo takip tracking track shipment gönderi gonderi barkod barcode "
    "paket ürün urun fatura_no seri serial imei ilan referans "
    "طلب الطلب طلبي تتبع التتبع شحنه الشحنه الشحن"
)
_WORD = re.compile(r"[^\W\d_]+(?:\.[^\W\d_]+)*")
_BARRIER = re.compile(r"\d{3,}|[!?\n]")


class NearestContextEnhancer(ContextAwareEnhancer):
    """Adjusts scores with the nearest context word of each recognizer's :class:`ContextRule`.

    The words come from the NLP artifacts' tokens (the blank spaCy tokenizer), split into letter
    runs; apostrophe suffixes are cut (``IBAN'ım`` → ``iban``). The search looks back
    ``context_prefix_count`` words (negative words only ``negative_window``), stopping at another
    number or at ``!``/``?``/newline, and, if nothing was found, forward
    ``context_suffix_count`` words (negative words only half the negative window).
    """

    def __init__(self, before: int = 6, after: int = 3, negative_window: int = 4):
        super().__init__(
            context_similarity_factor=0.35,
            min_score_with_context_similarity=0.6,
            context_prefix_count=before,
            context_suffix_count=after,
        )
        self.negative_window = negative_window

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        rules = {r.id: getattr(r, "rule", None) for r in recognizers}
        words: list[tuple[int, int, str]] | None = None
        results = []
        for raw in raw_results:
            meta = raw.recognition_metadata or {}
            rule = rules.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if rule is None or meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                results.append(raw)
                continue
            if words is None:
                words = _context_words(text, nlp_artifacts)
            polarity = self._nearest(rule, words, raw.start, raw.end)
            result = copy.copy(raw)
            if polarity > 0:
                result.score = min(1.0, max(result.score + rule.boost, rule.floor))
            elif polarity < 0:
                result.score = 0.0
            results.append(result)
        return results

    def _nearest(self, rule: ContextRule, words, start: int, end: int) -> int:
        before = [w for w in words if w[1] <= start]
        for distance, (_, _, word) in enumerate(reversed(before), start=1):
            if distance > self.context_prefix_count or word == "":
                break
            polarity = rule.polarity(word)
            if polarity < 0 and distance > self.negative_window:
                continue
            if polarity:
                return polarity
        after = [w for w in words if w[0] >= end]
        for distance, (_, _, word) in enumerate(after, start=1):
            if distance > self.context_suffix_count or word == "":
                break
            polarity = rule.polarity(word)
            if polarity < 0 and (distance > self.negative_window // 2 or not rule.negative_after):
                continue
            if polarity:
                return polarity
        return 0


def _context_words(text: str, nlp_artifacts) -> list[tuple[int, int, str]]:
    """(start, end, folded word) in text order; barriers (numbers, ! ? newline) have word ""."""
    pieces: list[tuple[int, str]] = []
    tokens = getattr(nlp_artifacts, "tokens", None)
    if tokens is not None and len(tokens):
        pieces = [(token.idx, token.text_with_ws) for token in tokens]
    else:
        pieces = [(0, text)]
    words = []
    for offset, piece in pieces:
        cut = re.split(r"['’]", piece, maxsplit=1)[0]
        spans = [
            (m.start(), m.end(), fold(m.group()).replace(".", "")) for m in _WORD.finditer(cut)
        ]
        spans += [(m.start(), m.end(), "") for m in _BARRIER.finditer(piece)]
        words.extend((offset + s, offset + e, w) for s, e, w in sorted(spans))
    return words


# --------------------------------------------------------------------------------- base class


class _Recognizer(EntityRecognizer):
    """One entity, one language; subclasses yield (start, end, score) from :meth:`find`."""

    ENTITY = ""
    RULE: ContextRule | None = None

    def __init__(self, supported_language: str = "tr"):
        self.rule = self.RULE
        super().__init__(
            supported_entities=[self.ENTITY],
            name=f"{type(self).__name__}",
            supported_language=supported_language,
            context=list(self.RULE.positive) if self.RULE else None,
        )

    def load(self) -> None:  # nothing to load: gazetteers are shared and cached
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        if entities and self.ENTITY not in entities:
            return []
        return [
            RecognizerResult(
                self.ENTITY,
                start,
                end,
                score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                },
            )
            for start, end, score in self.find(text)
            if score > 0
        ]

    def find(self, text: str) -> Iterable[tuple[int, int, float]]:
        raise NotImplementedError


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


# ------------------------------------------------------------------------ checksummed numbers


class TcKimlikRecognizer(_Recognizer):
    """TC kimlik no: 11 digits (spaces allowed), first not 0, NVİ checksum (python-stdnum)."""

    ENTITY = "TR_NATIONAL_ID"
    RULE = _rule(
        "tc tckn tcno tckimlik kimlik kimlig nüfus nufus hüviyet national identity id "
        "هويه الهويه كمليك الكمليك كيملك الكيملك",
        _NOT_ID,
        boost=0.15,
        floor=0.95,
    )
    PATTERN = re.compile(r"(?<!\d)(?<!\d[ .,-])[1-9](?: ?\d){10}(?!\d)(?![ .,-]\d)")

    def find(self, text):
        for m in self.PATTERN.finditer(text):
            if tckimlik.is_valid(_digits(m.group())):
                yield m.start(), m.end(), 0.85


class VknRecognizer(_Recognizer):
    """VKN (vergi kimlik no): 10 digits with a check digit; 1 in 10 random numbers pass, so a
    bare one scores below the threshold and needs a tax/invoice context word."""

    ENTITY = "TR_TAX_ID"
    RULE = _rule(
        "vergi vkn vno vd tax vat fatura faturayı firma şirket sirket kurumsal company invoice "
        "ضريبي الضريبي ضريبه الضريبه",
        _NOT_ID + " tel telefon cep gsm phone mobile whatsapp",
        boost=0.5,
        floor=0.85,
    )
    PATTERN = re.compile(r"(?<!\d)(?<!\d[ .,-])\d(?: ?\d){9}(?!\d)(?![ .,-]\d)")

    def find(self, text):
        for m in self.PATTERN.finditer(text):
            if vkn.is_valid(_digits(m.group())):
                yield m.start(), m.end(), 0.4


class IbanRecognizer(_Recognizer):
    """IBAN, Turkish and foreign: country format and mod-97 (python-stdnum); spaces or dashes
    between characters are allowed, trailing words are trimmed to the longest valid IBAN."""

    ENTITY = "IBAN_CODE"
    PATTERN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}[ -]?\d{2}(?:[ -]?[A-Za-z0-9]){10,32}")

    def find(self, text):
        for m in self.PATTERN.finditer(text):
            compact, where = [], []
            for offset, ch in enumerate(m.group()):
                if ch.isalnum():
                    compact.append(ch.upper())
                    where.append(m.start() + offset)
            for length in range(min(len(compact), 34), 14, -1):
                if std_iban.is_valid("".join(compact[:length])):
                    yield m.start(), where[length - 1] + 1, 0.95
                    break


def _card_brand_fits(number: str) -> bool:
    """Known issuer prefix with a length it issues (13-digit cards are left out on purpose:
    cargo tracking numbers are 13 digits and 1 in 10 of them passes Luhn)."""
    n, two, three, four = len(number), int(number[:2]), int(number[:3]), int(number[:4])
    if number[0] == "4":
        return n in (16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16
    if two in (34, 37):
        return n == 15
    if four == 9792:  # Troy
        return n == 16
    if four == 6011 or two == 65 or 644 <= three <= 649 or 3528 <= four <= 3589 or two == 62:
        return 16 <= n <= 19
    if two in (36, 38) or 300 <= three <= 305:
        return n == 14
    if two in (50, 56, 57, 58, 63, 67):  # Maestro
        return 16 <= n <= 19
    return False


class CreditCardRecognizer(_Recognizer):
    """Payment card numbers: 14-19 digits (spaces or dashes), issuer prefix and length, Luhn."""

    ENTITY = "CREDIT_CARD"
    RULE = _rule(
        "kart kartı kartım kredi card visa mastercard master troy amex maestro banka "
        "بطاقه البطاقه بطاقتي فيزا",
        _NOT_ID,
        boost=0.15,
        floor=0.95,
    )
    PATTERN = re.compile(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d){13,18}(?!\d)(?![ -]\d)")

    def find(self, text):
        for m in self.PATTERN.finditer(text):
            number = _digits(m.group())
            if _card_brand_fits(number) and luhn.is_valid(number):
                yield m.start(), m.end(), 0.85


# ----------------------------------------------------------------------------------- phones

_PHONE_RUN = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d \t().\-]*\d")
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE}
MAX_PHONE_DIGITS = 15
"""E.164's longest number."""


def _phone_score(digits: str, plus: bool) -> float:
    """Score for a digit string as a phone number (0 when it is not a valid one)."""
    region = None
    if plus:
        candidate = "+" + digits
    elif digits.startswith("00") and len(digits) > 9:
        candidate = "+" + digits[2:]
    elif digits.startswith("90") and len(digits) == 12:
        candidate = "+" + digits
    elif digits.startswith("0") and len(digits) == 11:
        candidate, region = digits, "TR"
    elif len(digits) == 10 and digits[0] in "2345":
        candidate, region = digits, "TR"
    else:
        return 0.0
    if not 8 <= len(digits) <= MAX_PHONE_DIGITS:
        return 0.0
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return 0.0
    if not phonenumbers.is_valid_number(number):
        return 0.0
    mobile = phonenumbers.number_type(number) in _MOBILE_TYPES
    if candidate.startswith("+"):
        return 0.9 if plus or digits.startswith("00") else 0.75
    if digits.startswith("0"):
        return 0.85 if mobile else 0.75
    return 0.6 if mobile else 0.35  # ten bare digits


class PhoneRecognizer(_Recognizer):
    """Phone numbers in the usual writings: +90 532 111 22 33, 0 (532) 111-22-33, 0532.111.22.33,
    5321112233, 905321112233, 00971..., foreign +CC numbers; validated with ``phonenumbers``.

    A run of digit groups is tried from its first group (or any group starting with 0) and the
    longest valid number wins; an 11-digit Trendyol order number or a 13-digit tracking number
    is never a valid number, so it is never a phone."""

    ENTITY = "PHONE_NUMBER"
    RULE = _rule(
        "tel telefon telefonum telefonu cep gsm whatsapp watsap wp ara arayın arayin "
        "arayabilirsiniz ulaş ulas sms mesaj hat hattan hattım hattımı hattı phone mobile cell "
        "call reach "
        "هاتف هاتفي الهاتف جوال الجوال اتصل اتصلوا رقمي واتساب موبايل",
        "sipariş order takip tracking barkod vergi vkn kimlik tc iban طلب الطلب تتبع",
        boost=0.35,
        floor=0.7,
        negative_after=False,  # "0532 111 22 33, sipariş 1065..." is still a phone
    )

    def find(self, text):
        for run in _PHONE_RUN.finditer(text):
            yield from self._in_run(run.group(), run.start())

    @staticmethod
    def _in_run(run: str, offset: int) -> Iterator[tuple[int, int, float]]:
        groups = [(m.start(), m.end()) for m in re.finditer(r"\d+", run)]
        i = 0
        while i < len(groups):
            g_start = groups[i][0]
            prefix = run[g_start - 1] if g_start else ""
            if i and run[g_start] != "0" and prefix != "+":
                i += 1
                continue
            plus = prefix == "+" or (i == 0 and run.startswith("+"))
            found = None
            # No phone has more than 15 digits: only the groups that fit are joined (the
            # run of a hostile text may hold thousands of groups).
            last, count = i, 0
            while (
                last < len(groups) and count + groups[last][1] - groups[last][0] <= MAX_PHONE_DIGITS
            ):
                count += groups[last][1] - groups[last][0]
                last += 1
            for j in range(last - 1, i - 1, -1):
                digits = "".join(run[s:e] for s, e in groups[i : j + 1])
                score = _phone_score(digits, plus)
                if score:
                    found = (j, score)
                    break
            if found is None:
                i += 1
                continue
            j, score = found
            start = 0 if i == 0 else g_start - (prefix in ("+", "("))
            end = groups[j][1]
            if "(" in run[start:end] and ")" not in run[start:end] and run[end : end + 1] == ")":
                end += 1
            yield offset + start, offset + end, score
            i = j + 1


# ----------------------------------------------------------------------------------- e-mail

_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
"""Public-suffix lookups from the snapshot bundled with tldextract: never fetched."""


class EmailRecognizer(_Recognizer):
    """E-mail addresses; a known public suffix (tldextract's bundled snapshot) scores 0.95, a
    well-formed unknown one (``.test``, ``.local``) 0.6."""

    ENTITY = "EMAIL_ADDRESS"
    PATTERN = re.compile(r"(?<![\w.+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")

    def find(self, text):
        for m in self.PATTERN.finditer(text):
            address = m.group().rstrip(".-")
            local, _, domain = address.partition("@")
            if not local or local.startswith(".") or ".." in address:
                continue
            if _TLD.extract_str(domain.lower()).suffix:
                yield m.start(), m.start() + len(address), 0.95
            elif re.fullmatch(r"[a-z]{2,24}", domain.rsplit(".", 1)[-1].lower()):
                yield m.start(), m.start() + len(address), 0.6


# ------------------------------------------------------------------------------------ plates

_PLATE_LETTERS = set("ABCDEFGHIJKLMNOPRSTUVYZ")  # no Q, W, X
_UNITS = {"TL", "TRY", "USD", "EUR", "GB", "MB", "TB", "KB", "KG", "GR", "CM", "MM", "ML", "LT"}


class LicensePlateRecognizer(_Recognizer):
    """Turkish plates: il code 01-81, then 1 letter + 4 digits, 2 letters + 3-4 digits or 3
    letters + 2-3 digits. Spaced or dashed upper case scores 0.6; compact (``34ABC123``, which is
    also how TV model codes look), lower case or a unit (``50 TL 100``) needs a context word."""

    ENTITY = "TR_LICENSE_PLATE"
    RULE = _rule(
        "plaka plakalı plakası plakam araç arac aracım aracımın araba otopark plate car vehicle "
        "parking لوحه اللوحه لوحتها سياره سيارتي",
        boost=0.4,
        floor=0.75,
    )
    PATTERN = re.compile(
        r"(?<![\w/.,:-])(0[1-9]|[1-7]\d|8[01])([ -]?)([A-Za-z]{1,3})\2(\d{2,4})(?!\w)(?![.,:/]\d)"
    )

    def find(self, text):
        for m in self.PATTERN.finditer(text):
            letters, numbers, separator = m.group(3), m.group(4), m.group(2)
            if not (
                (len(letters) == 1 and len(numbers) == 4)
                or (len(letters) == 2 and len(numbers) in (3, 4))
                or (len(letters) == 3 and len(numbers) in (2, 3))
            ):
                continue
            upper = letters.upper()
            if not set(upper) <= _PLATE_LETTERS:
                continue
            if letters.islower() or upper in _UNITS:
                score = 0.2
            elif letters.isupper():
                score = 0.6 if separator else 0.4
            else:
                continue
            yield m.start(), m.end(), score


# --------------------------------------------------------------------------------- addresses

_NEIGHBOURHOOD = {"mahallesi", "mahalle", "mah", "mh", "köyü", "beldesi", "mevkii", "حي"}
_STREET = {
    "caddesi", "cadde", "cad", "cd", "sokak", "sokağı", "sokagi", "sok", "sk", "bulvarı",
    "bulvari", "bulvar", "blv", "bulv", "meydanı", "street", "road", "avenue", "ave", "lane",
    "boulevard", "blvd", "شارع",
}  # fmt: skip
_ENGLISH_STREET = {"street", "road", "avenue", "ave", "lane", "boulevard", "blvd"}
_BUILDING = {
    "apartmanı", "apartmani", "apartman", "apt", "sitesi", "blok", "blk", "plaza", "rezidans",
    "residence", "evleri", "konutları", "بنايه", "مبني", "عماره", "برج",
}  # fmt: skip
_NUMBER_WORDS = {
    "no", "numara", "kat", "daire", "d", "flat", "unit", "suite", "apartment", "رقم", "شقه",
    "طابق",
}  # fmt: skip
_ARABIC_ANCHORS = {"حي", "شارع", "بنايه", "مبني", "عماره"}
_LEFT_STOP = (
    "adres teslim kargo paket sipariş siparis ürün urun gönder gonder yolla bırak birak "
    "ship deliver send address ve ile için icin bu şu benim bizim my the to at in on from "
    "ev iş yer"
).split()
_ADDRESS_TOKEN = re.compile(r"[^\W\d_]+\.?|\d+(?:/\d+)?[A-Za-z]?\.?|[^\w\s]")
_SEPARATORS = {",", "/", "-", "–", "،", ".", ";"}
_NEIGHBOURHOOD, _STREET, _ENGLISH_STREET, _BUILDING, _NUMBER_WORDS, _ARABIC_ANCHORS = (
    frozenset(fold(word) for word in group)
    for group in (
        _NEIGHBOURHOOD,
        _STREET,
        _ENGLISH_STREET,
        _BUILDING,
        _NUMBER_WORDS,
        _ARABIC_ANCHORS,
    )
)
_LEFT_STOP = tuple(fold(word) for word in _LEFT_STOP)


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    text: str
    key: str  # folded, trailing dot removed

    @property
    def is_word(self) -> bool:
        return self.text[0].isalpha()

    @property
    def is_number(self) -> bool:
        return self.text[0].isdigit()


def _address_tokens(text: str) -> list[_Tok]:
    out = []
    for m in _ADDRESS_TOKEN.finditer(text):
        raw = m.group()
        key = fold(raw).rstrip(".")
        out.append(_Tok(m.start(), m.end(), raw, key or raw))
    return out


def _anchor_kind(tok: _Tok) -> str | None:
    if tok.key in _NEIGHBOURHOOD:
        return "neighbourhood"
    if tok.key in _STREET:
        return "street"
    if tok.key in _BUILDING:
        return "building"
    return None


def _names_a_place(tok: _Tok) -> bool:
    """A number or a name: something that says which street, not only that it is one."""
    if tok.is_number:
        return True
    return tok.is_word and _anchor_kind(tok) is None and tok.key not in _NUMBER_WORDS


class AddressRecognizer(_Recognizer):
    """Turkish street addresses built from their parts: neighbourhood (Mah., Mahallesi, Köyü),
    street (Cad., Sok., Sk., Bulvarı), building (Apt., Sitesi, Blok, Plaza), numbers (No:, Kat,
    Daire, D:), postal code and il / ilçe from the gazetteer; a few English and Arabic forms
    (Street/Road, شارع / حي / بناية / شقة). Two kinds of part make an address (0.85, three or
    more 0.95); a single street name (a shop on Bağdat Caddesi) scores 0.35 and needs an
    "adres" context word."""

    ENTITY = "ADDRESS"
    RULE = _rule(
        "adres adresim adresi adrese adresine teslimat address deliver ship عنوان عنواني العنوان",
        boost=0.4,
        floor=0.75,
    )

    def find(self, text):
        tokens = _address_tokens(text)
        places = gazetteers().places
        i = 0
        while i < len(tokens):
            kind = _anchor_kind(tokens[i])
            if kind is None:
                i += 1
                continue
            kinds = {kind}
            first = self._left(tokens, i, places, kinds)
            last = i
            if tokens[i].key in _ARABIC_ANCHORS:
                last = self._arabic_name(tokens, i)
            last = self._right(tokens, last, places, kinds)
            i = last + 1
            if not any(_names_a_place(tok) for tok in tokens[first : last + 1]):
                continue  # "(mahalle, cadde/sokak, no, daire)": the parts, not an address
            score = 0.95 if len(kinds) >= 3 else 0.85 if len(kinds) == 2 else 0.35
            yield tokens[first].start, tokens[last].end, score

    @staticmethod
    def _left(tokens: list[_Tok], i: int, places, kinds: set[str]) -> int:
        first = i
        names = 0
        k = i - 1
        arabic_anchor = tokens[i].key in _ARABIC_ANCHORS
        while k >= 0:
            tok = tokens[k]
            if arabic_anchor:
                # Arabic: "إسطنبول، الفاتح، شارع ..." — only known places, across commas
                if tok.text in ("،", ",") and k > 0 and tokens[k - 1].key in places:
                    k -= 1
                    continue
                if tok.key in places:
                    first = k
                    kinds.add("place")
                    k -= 1
                    continue
                break
            if not (tok.is_word or tok.is_number) or (tok.is_word and _is_arabic(tok.text)):
                break
            if tok.key in places and names >= 1:
                first = k
                k -= 1
                continue
            if names >= 4 or _matches(tok.key, _LEFT_STOP):
                break
            if tok.is_number and tokens[i].key in _ENGLISH_STREET and tok.text[-1] != ".":
                kinds.add("number")
            first = k
            names += 1
            k -= 1
        return first

    @staticmethod
    def _arabic_name(tokens: list[_Tok], i: int) -> int:
        last = i
        for k in range(i + 1, min(i + 3, len(tokens))):
            tok = tokens[k]
            if not (tok.is_number or (tok.is_word and _is_arabic(tok.text))):
                break
            if _anchor_kind(tok) or tok.key in _NUMBER_WORDS:
                break
            last = k
        return last

    def _right(self, tokens: list[_Tok], last: int, places, kinds: set[str]) -> int:
        while True:
            q = last + 1
            while q < len(tokens) and tokens[q].text in _SEPARATORS:
                q += 1
            if q >= len(tokens):
                return last
            tok = tokens[q]
            # No: 12, Kat 3, Daire: 5, D:4, رقم 23, شقة 8
            if tok.key in _NUMBER_WORDS:
                r = q + 1
                if r < len(tokens) and tokens[r].text in (":", "."):
                    r += 1
                if r < len(tokens) and tokens[r].is_number:
                    kinds.add("number")
                    last = r
                    continue
            # a house number right after a street / building: "Deniz Sokak 5/2", "Bulvarı 123/4"
            if (
                q == last + 1
                and tok.is_number
                and _anchor_kind(tokens[last]) in ("street", "building")
                and re.fullmatch(r"\d{1,4}(?:/\d{1,3})?[A-Za-z]?", tok.text)
            ):
                kinds.add("number")
                last = q
                continue
            # a postal code
            if tok.is_number and re.fullmatch(r"(0[1-9]|[1-7]\d|8[01])\d{3}", tok.text):
                kinds.add("postal")
                last = q
                continue
            # il / ilçe (one word, or two for Arabic spellings)
            if tok.is_word and tok.key in places:
                kinds.add("place")
                last = q
                continue
            if q + 1 < len(tokens) and f"{tok.key} {tokens[q + 1].key}" in places:
                kinds.add("place")
                last = q + 1
                continue
            # another part: an anchor, possibly after up to 5 name tokens (Atatürk Bulvarı,
            # 3. Etap C5 Blok, Çiçek Apt.)
            step = None
            for r in range(q, min(q + 6, len(tokens))):
                kind = _anchor_kind(tokens[r])
                if kind:
                    step = (r, kind)
                    break
                if not (tokens[r].is_word or tokens[r].is_number):
                    break
            if step is None:
                return last
            r, kind = step
            kinds.add(kind)
            last = self._arabic_name(tokens, r) if tokens[r].key in _ARABIC_ANCHORS else r


# ------------------------------------------------------------------------------------ persons

_HONORIFICS = {
    "bey", "hanım", "hanim", "hoca", "hocam", "abi", "abla", "efendi", "beyefendi", "usta",
}  # fmt: skip
_TITLES = {"sayın", "sayin", "dr", "prof", "doç", "doc", "av", "mr", "mrs", "ms", "miss", "dear"}
_TRIGGERS = {
    "ben", "adım", "adim", "ismim", "isim", "adı", "adi", "soyadım", "soyadim", "soyadı",
    "alıcı", "alici", "gönderen", "gonderen", "hasta", "hastamız", "eşim", "esim", "annem",
    "babam", "kardeşim", "kızım", "oğlum", "komşum", "kuzenim", "arkadaşım", "kargocu", "kurye",
    "doktor", "doktorum", "name", "i'm", "im", "neighbour", "neighbor", "sister", "brother",
    "wife", "husband", "son", "daughter", "friend",
    "اسمي", "انا", "معك", "المستلم", "الاسم", "السيد", "السيده", "الدكتور", "دكتور", "باسم",
    "اخي", "اختي", "زوجي", "زوجتي", "ابني", "ابنتي", "الاخ", "الاخت", "الاستاذ", "الاستاذه",
}  # fmt: skip
_TRIGGER_PAIRS = {
    ("teslim", "alan"), ("ad", "soyad"), ("adı", "soyadı"), ("name", "is"), ("i", "am"),
    ("this", "is"), ("contact", "person"), ("patient", "name"), ("benim", "adım"),
}  # fmt: skip
_NOT_NAME_AFTER = {
    "kargo", "kargoya", "mah", "mahallesi", "mh", "cad", "caddesi", "cd", "sok", "sokak",
    "sokağı", "sk", "bulvarı", "blv", "apt", "apartmanı", "sitesi", "plaza", "köyü", "hastanesi",
    "eczanesi", "üniversitesi", "koleji", "lisesi", "okulu", "market", "avm", "gıda", "tekstil",
    "holding", "ltd", "şti", "a.ş", "inşaat", "otomotiv", "mobilya", "teknik", "camii", "parkı",
    "meydanı", "butik", "mağazası", "street", "road", "avenue",
}  # fmt: skip
_NOT_NAME = {
    "merhaba", "selam", "selamlar", "iyi", "günler", "teşekkürler", "sayın", "bey", "hanım",
    "ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim",
    "kasım", "aralık", "pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar",
    "trendyol", "hepsiburada", "demo", "the", "and", "i", "my", "please", "thanks", "hi",
    "hello", "monday", "friday", "tc", "iban", "whatsapp", "istanbul", "türkiye", "turkey",
    "ingiltere", "almanya", "fransa", "hollanda", "amerika", "abd", "rusya", "irak", "suriye",
    "mısır", "suudi", "arabistan", "katar", "dubai", "londra", "paris", "berlin", "avrupa",
    "england", "germany", "france", "london", "europe",
}  # fmt: skip
_AR_STOP = {
    "من", "في", "الي", "الى", "على", "عن", "و", "او", "هذا", "هذه", "ذلك", "انا", "هو", "هي",
    "نحن", "شركه", "الشركه", "مؤسسه", "محل", "المحل", "متجر",
    "انت", "لا", "نعم", "شكرا", "مرحبا", "اريد", "طلب", "الطلب", "رقم", "سيستلم", "ستستلم",
    "الله",
}  # fmt: skip
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_TRIGGER_GAP = set(" \t:,-–")
_HONORIFICS, _TITLES, _TRIGGERS, _NOT_NAME_AFTER, _NOT_NAME, _AR_STOP = (
    frozenset(fold(word) for word in group)
    for group in (_HONORIFICS, _TITLES, _TRIGGERS, _NOT_NAME_AFTER, _NOT_NAME, _AR_STOP)
)
_TRIGGER_PAIRS = frozenset((fold(a), fold(b)) for a, b in _TRIGGER_PAIRS)


@dataclass(slots=True)
class _Word:
    start: int
    end: int  # end of the name part (an apostrophe suffix is left out)
    raw_end: int  # end with the suffix
    text: str
    key: str  # folded
    suffixed: bool
    sentence_start: bool
    glued_to_next: bool = False  # only spaces between this word and the next


class PersonRecognizer(_Recognizer):
    """Person names without an NER model.

    Latin script: a given name from the gazetteer (Turkish + common English), followed by more
    given names, gazetteer surnames or other capitalised words; or any capitalised words right
    after a trigger (``adım``, ``ben``, ``Alıcı:``, ``my name is``, ``Mr.``, ``Dr.``...). Lower-case
    names count only with a trigger. Names that are also ordinary words (deniz, umut, can...)
    need a surname, a trigger or an honorific (``Bey``, ``Hanım``). A name followed by an address
    or company word (``Mustafa Kemal Mah.``, ``Aras Kargo``) is not a person.

    Arabic script: gazetteer given names (plus a following name, ``ال``-family name, ``عبد الله``),
    and one or two words after a trigger (اسمي، أنا، المستلم، السيد ...). This is a small
    context-word approach: Arabic names outside the list and without a trigger are missed.
    """

    ENTITY = "PERSON"

    def find(self, text):
        gz = gazetteers()
        words = self._words(text)
        i = 0
        while i < len(words):
            found = self._candidate(words, i, gz, text)
            if found is None:
                i += 1
                continue
            j, score = found
            if score > 0:
                yield words[i].start, words[j].end, min(score, 1.0)
            i = j + 1

    @staticmethod
    def _words(text: str) -> list[_Word]:
        words: list[_Word] = []
        for m in _NAME_WORD.finditer(text):
            raw = m.group()
            name = re.split(r"['’]", raw, maxsplit=1)[0]
            k = m.start() - 1
            while k >= 0 and text[k] in " \t":
                k -= 1
            sentence_start = k < 0 or text[k] in ".!?\n"
            if words:
                gap = text[words[-1].end : m.start()]
                words[-1].glued_to_next = not words[-1].suffixed and gap.strip(" \t") == ""
            words.append(
                _Word(
                    m.start(),
                    m.start() + len(name),
                    m.end(),
                    name,
                    fold(name),
                    name != raw,
                    sentence_start,
                )
            )
        return words

    @staticmethod
    def _trigger_before(words: list[_Word], i: int, text: str) -> bool:
        """A trigger or title right before word i (``adım``, ``Sayın``, ``my name is``, ``I'm``),
        in the same sentence: only spaces, ``:``, ``,`` or a dash (after a title, a dot) between."""
        if i == 0:
            return False
        prev = words[i - 1]
        gap = set(text[prev.raw_end : words[i].start])
        allowed = _TRIGGER_GAP | ({"."} if prev.key in _TITLES else set())
        if not gap <= allowed:
            return False
        if prev.key in _TRIGGERS or prev.key in _TITLES:
            return True
        if prev.suffixed and prev.key in ("i", "it"):  # I'm, it's
            return True
        return i >= 2 and (words[i - 2].key, prev.key) in _TRIGGER_PAIRS

    def _candidate(
        self, words: list[_Word], i: int, gz: Gazetteers, text: str
    ) -> tuple[int, float] | None:
        w = words[i]
        if "@" in text[max(w.start - 1, 0) : w.raw_end + 1]:
            return None  # part of a handle or an e-mail address
        if _is_arabic(w.text):
            return self._arabic(words, i, gz, text)
        if w.key in _NOT_NAME or w.key in _TRIGGERS or w.key in _HONORIFICS or w.key in _TITLES:
            return None
        capital = w.text[0].isupper()
        lower = w.text.islower()
        is_first = w.key in gz.first_names
        trigger = self._trigger_before(words, i, text)
        named = is_first or (trigger and w.key in gz.surnames)
        if not named and not (trigger and capital and w.key not in gz.places):
            return None
        if not capital and not lower:
            return None
        # extend over following name words
        j = i
        surname = False
        unknown = False
        while j - i < 3 and words[j].glued_to_next and j + 1 < len(words):
            nxt = words[j + 1]
            if _is_arabic(nxt.text) or nxt.key in _HONORIFICS or nxt.key in _NOT_NAME:
                break
            if nxt.key in _TITLES:
                break
            known = nxt.key in gz.first_names or nxt.key in gz.surnames
            if capital and nxt.text[0].isupper():
                if not known:
                    if nxt.key in _NOT_NAME_AFTER or nxt.key in gz.places:
                        break
                    unknown = True
                surname = surname or nxt.key in gz.surnames or nxt.key in gz.first_names
            elif lower and nxt.text.islower() and known:
                surname = True
            else:
                break
            j += 1
        after = words[j + 1] if j + 1 < len(words) and words[j].glued_to_next else None
        if after is not None and after.key in _NOT_NAME_AFTER:
            return (j, 0.0)
        ambiguous = w.key in gz.ambiguous_names
        # "Can Ayşe Kaya ..." at a sentence start: the ordinary word is not part of the name
        if ambiguous and w.sentence_start and not trigger and j > i:
            if words[i + 1].key in gz.first_names:
                return None
        if lower:
            score = 0.45 if j > i else (0.1 if ambiguous else 0.3)
        elif j > i:
            score = 0.85 if surname and not unknown else 0.7
            if ambiguous and w.sentence_start and not surname:
                score = 0.45
        elif not is_first:
            score = 0.0  # capitalised word after a trigger, scored below
        elif ambiguous:
            # Turkish writes an apostrophe suffix only on proper nouns: "Ece'nin", "Deniz'e"
            score = 0.2 if w.sentence_start else 0.55 if w.suffixed else 0.3
        else:
            score = 0.55 if w.sentence_start and not w.suffixed else 0.6
        if trigger:
            score = max(score + 0.35, 0.75)
        if after is not None and after.key in _HONORIFICS:
            score = max(score + 0.35, 0.8)
        elif after is not None and after.key == "ben" and not lower:
            score = max(score + 0.3, 0.75)
        return (j, score)

    @staticmethod
    def _arabic(words: list[_Word], i: int, gz: Gazetteers, text: str) -> tuple[int, float] | None:
        w = words[i]
        key = w.key[1:] if w.key.startswith("و") and w.key[1:] in gz.ar_names else w.key
        known = key in gz.ar_names or key == "عبد"
        trigger = PersonRecognizer._trigger_before(words, i, text) and key not in _AR_STOP
        if not known and not trigger:
            return None
        if key in _TRIGGERS or key in _AR_STOP:
            return None
        j = i
        while j - i < 2 and words[j].glued_to_next and j + 1 < len(words):
            nxt = words[j + 1]
            if not _is_arabic(nxt.text):
                break
            if words[j].key == "عبد" or (
                nxt.key not in _AR_STOP
                and (nxt.key in gz.ar_names or (nxt.key.startswith("ال") and len(nxt.key) > 3))
            ):
                j += 1
                continue
            break
        if key == "عبد" and j == i:
            return None
        if j > i:
            score = 0.75
        elif key in gz.ar_ambiguous:
            score = 0.25
        elif known:
            score = 0.55
        else:
            score = 0.0
        if trigger:
            score = max(score + 0.3, 0.75)
        return (j, score)


RECOGNIZERS: tuple[type[_Recognizer], ...] = (
    TcKimlikRecognizer,
    VknRecognizer,
    IbanRecognizer,
    CreditCardRecognizer,
    PhoneRecognizer,
    EmailRecognizer,
    LicensePlateRecognizer,
    AddressRecognizer,
    PersonRecognizer,
)
"""Every recognizer, registered once per language (tr, en, ar)."""
