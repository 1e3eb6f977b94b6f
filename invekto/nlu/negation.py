"""What a message denies, so the denied word does not decide its intent.

"Kupon istemem, ürünü geri göndereceğim" asks for a return; "no need for a human, just tell me
where it is" asks where the order is; "adresimi değiştirmeyin, sadece kaç günde gelir" asks when
it arrives. ``without_denied`` cuts the denied part out and returns what the customer still asks
("ürünü geri göndereceğim"), or None when nothing is denied.

The denied part, by the language's word order:

- Turkish puts the object before the verb: the clause from its start (after a comma or a
  connector like "sadece", "ama") through the denying verb ("kupon istemem", "temsilciye
  bağlamanıza gerek yok", "müşteri hizmetleri aramasın", "toptan almayacağım");
- English and Arabic put it after: from the denial through the end of the clause, at most
  ``OBJECT_WORDS`` words ("no need for a human", "I don't want a refund", "ما بدي كوبون").

Only denials of a request count: "istemiyorum", "gerek yok", "lazım değil", "sormuyorum", a
negative imperative to the seller ("değiştirmeyin", "aramayın"), "don't want", "no need",
"not asking", "ما بدي", "مش عايز", and their Arabizi forms. A statement of fact ("fatura hala
gelmedi", "hasn't shipped") is not a denial: it is what the customer is telling us.
Linear: each pattern is a bounded alternation over the folded text.
"""

from __future__ import annotations

import re

from invekto.core.text import fold, words

OBJECT_WORDS = 6
"""English and Arabic: the denied object is at most this many words after the denial."""
AR_OBJECT_WORDS = 2
"""Arabic: at most this many (often without a comma before the request: "ما ابي اسوي
الزراعة الغوا الحجز")."""
TR_OBJECT_WORDS = 2
"""Turkish: the denied object is at most this many words before the denying verb."""
MIN_REST_WORDS = 2
"""What is left must be a request of at least this many words ("artık" is no request)."""

_TR_DENIAL = re.compile(
    r"\b(?:\w*iste(?:miyorum|miyoruz|mem|meyiz|medim|medik|miyor|mezdim|meyecegim|mi(?:yo|yom))"
    r"|gerek (?:yok|duymuyorum)|gerekmiyor|gerekmez|lazim degil|ihtiyacim yok|degilim|degiliz|"
    r"sor(?:muyorum|madim|mayacagim)|bahsetmiyorum|kastetmiyorum|yazmiyorum|"
    r"(?:ile )?ilgili degil|meselesi degil|konusu degil|derdim degil|sorunum degil|"
    r"(?:sikayet|itiraz|iptal|iade) (?:etmiyorum|etmeyecegim|etmek istemiyorum)|"
    r"degil(?=\s*(?:[,.;!]|sadece|yalnizca|ama|bence))|"
    r"(?:al|yap|gonder|ode|kullan|bekle)(?:mayacagim|meyecegim|mam|mem|miyorum|mayiz|meyiz)|"
    r"\w+(?:mayin|meyin|mayiniz|meyiniz|masin|mesin|mayacagim|meyecegim))\b"
)
"""A Turkish denial of a request: the clause up to it is what is denied."""
_TR_QUESTION = re.compile(
    r"^(?:nerede|nerde|ne|neden|niye|kac|nasil|hangi|zaman|var|yok|"
    r"m[iu](?:yim|yum|sin|sun|siniz|sunuz|yiz|yuz|dir|dur)?)$"
)
_TR_NOT_DENIAL = re.compile(r"^(?:tamam|hemen|madem|yemeyin|olmasin|unutmayin)$")
_EN_DENIAL = re.compile(
    r"\b(?:(?:i|we)\s+)?(?:(?:do|did)\s*n[o']?t|dont|didnt|do not|did not|am not|i'?m not|"
    r"not)\s+(?:want|need|ask(?:ing)?(?:\s+(?:for|about))?|looking\s+for|interested\s+in|"
    r"talk(?:ing)?\s+about|mean(?:ing)?)\b"
    r"|\b(?:it'?s|its|this is|that'?s|i'?m)\s+not\s+(?:about|regarding|writing about|here for)\b"
    r"|\b(?:i'?m|i am)\s+not\s+(?:in pain|hurting|complaining|angry|upset|cancel\w*|"
    r"return\w*)(?:\s+or anything)?\b|\bnot\s+(?:a|for a)\s+(?:refund|return|complaint)\b"
    r"|\bno\s+need\s+(?:for|to)\b|\bno\s+(?:human|agent|coupon|discount|refund|exchange)s?\b"
    r"|\b(?:do not|don'?t|dont|pls don'?t|please don'?t)\s+(?:call|transfer|connect|change|"
    r"cancel|send|refund)\b"
)
"""An English denial: it and its object (to the clause's end) are what is denied."""
_AR_DENIAL = re.compile(
    r"(?:ما|مش|مو|مب|لا|مهو)\s*(?:بدي|بدنا|عايز|عايزة|عاوز|عاوزة|ابي|أبي|ابغى|أبغى|أريد|اريد|"
    r"نريد|محتاج|محتاجة|لازم|ودي|بغيت)|ما\s+في\s+داعي|ما\s+له\s+داعي|مو\s+ضروري|مش\s+ضروري|"
    r"\b(?:mish|msh|mesh|mush|mo|mu|ma|mich)\s+(?:3ayez|3ayza|3awez|3awza|3ayz|baddi|badde|"
    r"bade|abi|abgha|lazem|lazim|me7tag|mehtag|7abeb|habeb)\b|\bma\s+baddi\b"
)
"""An Arabic (or Arabizi) denial: like English, the object follows."""
_CLAUSE_END = re.compile(
    r"[,.;!?\n،؛؟]|\s(?:sadece|yalnizca|ama|fakat|ancak|just|only|but|instead|bas|بس|فقط|لكن|"
    r"بل)\b|\s(?=(?:i|we)\s+(?:want|need|would|'d)\b)"
    r"|\s(?=(?:بدي|ابي|أبي|عايز|عاوز|اريد|أريد|ابغى|baddi|3ayez|3awez|abi|abgha)\s)"
)
"""Where a clause ends (punctuation, or a connector that starts the real request)."""


def without_denied(text: str) -> str | None:
    """``text`` without the parts it denies, or None when it denies nothing (or nothing that
    is a request is left: "siparişi istemiyorum artık" is itself the request)."""
    folded = fold(text)
    spans = [
        *_tr_spans(folded),
        *_object_spans(folded, _EN_DENIAL, OBJECT_WORDS),
        *_object_spans(folded, _AR_DENIAL, AR_OBJECT_WORDS),
    ]
    if not spans:
        return None
    kept = []
    position = 0
    for start, end in sorted(spans):
        if start > position:
            kept.append(folded[position:start])
        position = max(position, end)
    kept.append(folded[position:])
    rest = " ".join(" ".join(kept).split()).strip(" ,.;!?،")
    if len(words(rest)) < MIN_REST_WORDS:
        return None
    return rest


_THE_THING_ITSELF = re.compile(
    r"^(?:bu|bunu|onu|sunu|urun\w*|siparis\w*|paket\w*|artik|vazgectim|ben|biz|ya|yaa|abi|"
    r"it|this|that|them|the|my|order|item|anymore|any ?more|el|il|al|order|l?order|"
    r"الطلب|الطلبية|المنتج|هذا|هاد|هيدا|ده|دا)$"
)
"""Words whose denial is itself the request: "siparişi istemiyorum", "I don't want it
anymore", "msh 3ayez el order" cancel or return; nothing is cut."""


def _the_thing_itself(denied: str) -> bool:
    return all(_THE_THING_ITSELF.match(word) for word in denied.split())


def denies(text: str) -> bool:
    """Whether ``text`` denies a request ("I don't want to cancel anything", "kupon
    istemem"), whether or not anything else is asked beside it."""
    folded = fold(text)
    return bool(
        any(not _TR_NOT_DENIAL.match(m.group(0)) for m in _TR_DENIAL.finditer(folded))
        or _EN_DENIAL.search(folded)
        or _AR_DENIAL.search(folded)
    )


def _clause_start(folded: str, before: int) -> int:
    start = 0
    for match in _CLAUSE_END.finditer(folded, 0, before):
        start = match.end()
    return start


def _tr_spans(folded: str) -> list[tuple[int, int]]:
    spans = []
    for match in _TR_DENIAL.finditer(folded):
        if _TR_NOT_DENIAL.match(match.group(0)):
            continue
        start = _clause_start(folded, match.start())
        # The object is the few words right before the verb, after any question the clause
        # asked first ("kargom nerede temsilci istemiyorum" denies only "temsilci").
        before = list(re.finditer(r"\S+", folded[start : match.start()]))[-TR_OBJECT_WORDS:]
        for word in before:
            if _TR_QUESTION.match(word.group(0)):
                before = [w for w in before if w.start() > word.start()]
        if before:
            start += before[0].start()
        else:
            start = match.start()
        denied = folded[start : match.start()].strip()
        if _the_thing_itself(denied) if denied else " " not in match.group(0):
            # "siparişi istemiyorum", "vazgeçtim almayacağım": the denial is the request.
            # ("şikayet etmiyorum" names what it denies.)
            continue
        spans.append((start, match.end()))
    return spans


def _object_spans(
    folded: str, denial: re.Pattern[str], most: int = OBJECT_WORDS
) -> list[tuple[int, int]]:
    spans = []
    for match in denial.finditer(folded):
        end_of_clause = _CLAUSE_END.search(folded, match.end())
        limit = end_of_clause.start() if end_of_clause else len(folded)
        # At most ``most`` words of object.
        words_after = list(re.finditer(r"\S+", folded[match.end() : limit]))
        if len(words_after) > most:
            limit = match.end() + words_after[most - 1].end()
        denied = folded[match.end() : limit].strip(" ,.;!?")
        if denied and _the_thing_itself(denied):
            continue
        spans.append((match.start(), limit))
    return spans
