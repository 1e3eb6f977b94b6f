"""Lead qualification: budget, timing and need read from what a B2B buyer writes over the turns
(each kept once said, never asked again), a score 0–100 with its reasons, and the proposal sales
sends (items with catalogue prices, terms, a validity date).

Reading is deterministic (Turkish, English, Arabic). The score is a sum of visible reasons, so a
salesperson sees why a lead is hot:

=================================  ======
the quantity                        up to 30 (≥ 500: 30, ≥ 100: 20, ≥ the tenant's minimum: 10)
a company named                     15
a budget stated                     15, and 10 more when it covers the catalogue estimate
the timing                          15 within a month (or "acil"), 5 later
an e-mail to send the offer to      5
an existing customer                10
products the catalogue has          5
=================================  ======
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from invekto.core.text import fold

MAX_SCORE = 100

_NUMBER = r"(\d{1,3}(?:[.,]\d{3})+|\d+(?:[.,]\d+)?)"
_BUDGET = re.compile(
    r"(?:butce\w*|budget\w*|ميزاني\w*|ayirdi\w*|ayiracagi\w*|harcayabilir\w*|spend)"
    r"\D{0,25}?"
    + _NUMBER
    + r"\s*(bin|k|milyon|m|thousand|الف|ألف)?\s*(tl|try|lira|₺|\$|usd|eur|€|ليرة)?"
    r"|" + _NUMBER + r"\s*(bin|k|milyon|thousand|الف|ألف)?\s*(tl|try|lira|₺|\$|usd|eur|€|ليرة)"
    r"\W{0,3}(?:civari|civarinda|kadar|butce\w*|budget|around|max\w*|harcayabil\w*|ميزاني\w*)"
)
_SCALE = {
    "bin": 1000,
    "k": 1000,
    "thousand": 1000,
    "الف": 1000,
    "ألف": 1000,
    "milyon": 1_000_000,
    "m": 1_000_000,
}
_SOON = re.compile(
    r"\b(?:acil\w*|hemen|bu hafta\w*|haftaya|onumuzdeki hafta|gelecek hafta|bu ay\w*|ay sonu\w*|"
    r"\d+ (?:gun|hafta) icinde|15 gun|iki hafta|2 hafta|bir hafta|1 hafta|yarin|"
    r"urgent\w*|asap|this week|next week|this month|end of (?:the )?month|"
    r"within \d+ (?:days|weeks)|in \d+ (?:days|weeks)|"
    r"by (?:monday|tuesday|wednesday|thursday|friday|the \d+\w*))\b"
    r"|(?:هذا الأسبوع|الأسبوع القادم|هذا الشهر|خلال \d+ (?:يوم|أيام|أسابيع)|مستعجل|عاجل)"
)
_LATER = re.compile(
    r"\b(?:gelecek ay|onumuzdeki ay|\d+ ay (?:icinde|sonra)|sezon\w*|yaz\w* icin|kis\w* icin|"
    r"yilbasi\w*|next month|in \d+ months|next (?:season|quarter|year)|"
    r"for (?:summer|winter|christmas))\b"
    r"|(?:الشهر القادم|الموسم القادم)"
)
_NEED = re.compile(
    r"((?:[^\W\d]+\s)?[^\W\d]+)\s+(?:icin|için)\b"
    r"|\bfor (?:our |my |the |a |an )?([^\W\d]+(?:\s[^\W\d]+)?)"
    r"|(?:من أجل|عشان|علشان|لأجل)\s+(\S+(?:\s\S+)?)"
)
_NOT_A_NEED = re.compile(r"^(?:bu|su|o|bunun|onun|ne|kac|teklif|fiyat|siz|sizin|bizim|the|it|you)$")


def read_budget(text: str) -> tuple[str, Decimal] | None:
    """ "bütçemiz 50 bin TL civarı" → ("50 bin TL", 50000)."""
    folded = fold(text)
    match = _BUDGET.search(folded) or _BUDGET.search(text)
    if not match:
        return None
    groups = [g for g in match.groups()]
    number, scale = (groups[0], groups[1]) if groups[0] else (groups[3], groups[4])
    digits = number.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):
        digits = re.sub(r"[.,]", "", digits)
    try:
        value = Decimal(digits.replace(",", "."))
    except ArithmeticError:
        return None
    value *= _SCALE.get((scale or "").strip(), 1)
    if value <= 0:
        return None
    return _as_written(text, folded, match), value


def read_timing(text: str) -> tuple[str, str] | None:
    """ "ay sonuna kadar lazım" → ("ay sonuna", "soon"); "gelecek sezon için" → (…, "later")."""
    folded = fold(text)
    for pattern, when in ((_SOON, "soon"), (_LATER, "later")):
        match = pattern.search(folded) or pattern.search(text)
        if match:
            return _as_written(text, folded, match), when
    return None


def _as_written(text: str, folded: str, match: re.Match[str]) -> str:
    """The matched words as the customer wrote them (folding keeps the length)."""
    if match.string is folded and len(folded) == len(text):
        start, end = match.span()
        return text[start:end].strip()[:200]
    return match.group(0).strip()[:200]


def read_need(text: str) -> str | None:
    """What it is for: "otel personeli için" → "otel personeli"."""
    for match in _NEED.finditer(fold(text)):
        phrase = next((g for g in match.groups() if g), "").strip()
        words = [w for w in phrase.split() if not _NOT_A_NEED.match(w) and not w.isdigit()]
        if words and len(" ".join(words)) >= 3:
            return " ".join(words)[:200]
    return None


@dataclass
class Qualification:
    budget: str | None = None
    budget_value: Decimal | None = None
    timing: str | None = None
    timing_when: str | None = None
    need: str | None = None

    def absorb(self, text: str) -> Qualification:
        """What this message adds; what was said before stays (a later mention does not
        overwrite it unless it is new information of the same kind)."""
        budget = read_budget(text)
        if budget and self.budget is None:
            self.budget, self.budget_value = budget
        timing = read_timing(text)
        if timing and self.timing is None:
            self.timing, self.timing_when = timing
        need = read_need(text)
        if need and self.need is None:
            self.need = need
        return self

    def as_json(self) -> dict[str, Any]:
        return {
            "budget": self.budget,
            "budget_value": str(self.budget_value) if self.budget_value is not None else None,
            "timing": self.timing,
            "timing_when": self.timing_when,
            "need": self.need,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Qualification:
        data = data or {}
        value = data.get("budget_value")
        return cls(
            budget=data.get("budget"),
            budget_value=Decimal(str(value)) if value not in (None, "") else None,
            timing=data.get("timing"),
            timing_when=data.get("timing_when"),
            need=data.get("need"),
        )


@dataclass(frozen=True)
class Score:
    value: int
    reasons: list[str] = field(default_factory=list)


def score_lead(
    *,
    quantities: Iterable[int | None],
    company: str | None,
    qualification: Qualification,
    contact_email: str | None,
    past_orders: int,
    min_quantity: int,
    estimate: Decimal | None = None,
    catalogue_matches: int = 0,
) -> Score:
    """The score and its reasons (Turkish: the sales team reads them)."""
    total = sum(q or 0 for q in quantities)
    points, reasons = 0, []
    if total >= 500:
        points += 30
        reasons.append(f"{total} adet (500+)")
    elif total >= 100:
        points += 20
        reasons.append(f"{total} adet (100+)")
    elif total >= min_quantity:
        points += 10
        reasons.append(f"{total} adet (asgari {min_quantity} ve üzeri)")
    elif total:
        reasons.append(f"{total} adet: asgari {min_quantity} adedin altında")
    if company:
        points += 15
        reasons.append("firma adını verdi")
    if qualification.budget_value is not None:
        points += 15
        reasons.append(f"bütçe belirtti ({qualification.budget})")
        if estimate is not None and qualification.budget_value >= estimate:
            points += 10
            reasons.append("bütçe katalog fiyatlarıyla tahmini tutarı karşılıyor")
    if qualification.timing_when == "soon":
        points += 15
        reasons.append(f"yakın zamanda istiyor ({qualification.timing})")
    elif qualification.timing_when == "later":
        points += 5
        reasons.append(f"ileri bir tarih için ({qualification.timing})")
    if contact_email:
        points += 5
        reasons.append("teklif için e-posta verdi")
    if past_orders:
        points += 10
        reasons.append(f"mevcut müşteri ({past_orders} sipariş)")
    if catalogue_matches:
        points += 5
        reasons.append("istediği ürünler katalogda var")
    return Score(min(points, MAX_SCORE), reasons)


# --- proposals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalLine:
    product_main_id: str
    title: str
    quantity: int
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))


def build_proposal(
    lines: Sequence[ProposalLine],
    *,
    discount_percent: int,
    valid_days: int,
    terms: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """A proposal as stored on the lead and shown to the person who approves it; every price is
    the catalogue's, the discount is capped by the caller (the tenant's maximum)."""
    subtotal = sum((line.total for line in lines), Decimal(0))
    total = (subtotal * (100 - discount_percent) / 100).quantize(Decimal("0.01"))
    return {
        "status": "draft",
        "lines": [
            {
                "product_main_id": line.product_main_id,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "total": str(line.total),
            }
            for line in lines
        ],
        "subtotal": str(subtotal),
        "discount_percent": discount_percent,
        "total": str(total),
        "currency": "TRY",
        "terms": terms,
        "valid_until": (now + dt.timedelta(days=valid_days)).date().isoformat(),
        "created_at": now.isoformat(),
    }
