"""The output guard: a guardrails-ai ``Guard`` with Invekto's validators around every reply.

Validators (all local: no hub downloads, guardrails' metrics off):

- ``invekto/pii``: no PII the customer did not give in this conversation (another customer's
  phone, name, address, ID). Fixed by masking it.
- ``invekto/grounded``: order and tracking numbers, prices, stock counts and dates in a reply come
  from this turn's tool results, the customer's own messages or the tenant's settings. No safe fix.
- ``invekto/tenant-rules``: the tenant's banned phrases and competitor names, promises it forbids
  ("kesin yarın gelir"), and no discount above ``discounts.max_percent``. No safe fix.
- ``invekto/language``: the reply is in the customer's language. No safe fix.

``check_reply`` runs them: a reply whose only failures were fixed goes out fixed; any other
failure blocks it, and the graph keeps it as a suggestion for the inbox with the reason.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from invekto.core.locale import ENGLISH_WORDS as _EN_WORDS
from invekto.core.tenant_settings import TenantSettings
from invekto.core.text import fold
from invekto.guardrails.leaks import leaked
from invekto.guardrails.pii import mask

FORBIDDEN_PROMISES = (
    "kesin yarın",
    "yarın kesin",
    "kesinlikle yarın",
    "garanti ediyorum",
    "garantili teslim",
    "söz veriyorum",
    "guaranteed delivery",
    "i guarantee",
    "we guarantee",
    "definitely tomorrow",
)
"""Promises no shop can keep on a carrier's behalf; a tenant adds its own in
``settings.guardrails.forbidden_promises``."""

MONTHS = {
    **{m: i for i, m in enumerate("ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık".split(), 1)},  # noqa: E501
    **{m: i for i, m in enumerate("january february march april may june july august september october november december".split(), 1)},  # noqa: E501
    **{m: i for i, m in enumerate("يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split(), 1)},  # noqa: E501
}  # fmt: skip
_LONG_NUMBER = re.compile(r"(?<!\d)(?<!\d[.,])\d(?:[ \-]?\d){5,}(?!\d|[.,]\d)")
# A number is read from the start of its run of digits and separators only: tried from every
# digit of a long run, each of these would be quadratic.
_PRICE = re.compile(
    r"(?:₺\s?(\d[\d.,]*)|(?<![\d.,])[.,]*(\d[\d.,]*)\s?(?:TL|₺|TRY|lira|ليرة)\b)",
    re.IGNORECASE | re.UNICODE,
)
_STOCK = re.compile(
    r"(?<!\d)(\d+)\s?(?:adet|tane|units?|pieces?|pcs|left|in stock|قطع|قطعة)", re.IGNORECASE
)
_DAY_MONTH = re.compile(r"\b(\d{1,2})\s+([^\W\d_]+)", re.UNICODE)
_MONTH_DAY = re.compile(r"\b([A-Za-z]+)\s+(\d{1,2})\b")
_PERCENT = re.compile(
    r"%\s?(\d{1,3})|(\d{1,3})\s?%|yüzde\s?(\d{1,3})|(\d{1,3})\s?(?:percent|per cent)|٪\s?(\d{1,3})",
    re.IGNORECASE,
)
_MATERIAL = re.compile(
    r"\s*(?:pamuk|cotton|polyester|keten|linen|y[üu]n|wool|viskon|viscose|elastan|elastane|"
    r"likra|lycra|spandex|deri|leather|ipek|silk|akrilik|acrylic|naylon|nylon|modal|kaşmir|"
    r"cashmere|قطن|بوليستر|كتان|صوف|جلد|حرير)",
    re.IGNORECASE,
)
"""What a percentage before it describes: a fabric's composition ("%100 Pamuk", "95% cotton")."""
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d)*")


@dataclass(frozen=True)
class ReplyContext:
    """What a reply may draw on."""

    language: str
    customer_texts: Sequence[str] = ()
    """What the customer wrote in this conversation, this turn included."""
    tool_results: Sequence[str] = ()
    """This turn's tool results (JSON text)."""
    settings: TenantSettings | Mapping[str, Any] = field(default_factory=TenantSettings)
    """The tenant's settings (its policies, texts and limits); a stored dict is read with
    ``TenantSettings.parse``."""
    known: Sequence[str] = ()
    """Values the customer may see without having written them: their own number and name, the
    shop's name and published details."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", TenantSettings.parse(self.settings))


@dataclass
class GuardResult:
    text: str
    """The reply to send: the original, or its fixed version."""
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(validator, why) for every failure that was not fixed: the reply must not go out."""
    fixed: list[tuple[str, str]] = field(default_factory=list)
    """(validator, why) for failures fixed in ``text``."""

    @property
    def blocked(self) -> bool:
        return bool(self.failures)

    @property
    def reason(self) -> str | None:
        """``guard:<validator>`` of the first blocking failure (what the inbox shows)."""
        return f"guard:{self.failures[0][0]}" if self.failures else None


def check_reply(reply: str, context: ReplyContext) -> GuardResult:
    """Run the guard over ``reply``. Synchronous and CPU-bound: call it in a thread from async
    code (the first call also loads guardrails, a few seconds)."""
    guard = _guard()
    outcome = guard.validate(reply, metadata={"context": context})
    fixed_text = outcome.validated_output if isinstance(outcome.validated_output, str) else reply
    failures, fixed = [], []
    for summary in outcome.validation_summaries or []:
        if summary.validator_status != "fail":
            continue
        name = summary.validator_name
        entry = (_SHORT.get(name, name), summary.failure_reason or "")
        (fixed if name in _FIXABLE else failures).append(entry)
    return GuardResult(text=fixed_text if fixed else reply, failures=failures, fixed=fixed)


def warm() -> None:
    """Load guardrails and the PII analyzer now (a few seconds), not on the first reply."""
    from invekto.guardrails.pii import find_pii

    find_pii("warm up", "tr")
    _guard()


# --- the validators --------------------------------------------------------------------------

_lock = threading.Lock()
_built: Any = None
_SHORT = {
    "PiiValidator": "pii",
    "GroundingValidator": "grounded",
    "TenantRulesValidator": "tenant_rules",
    "LanguageValidator": "language",
}
_FIXABLE = {"PiiValidator"}


def _guard() -> Any:
    global _built
    with _lock:
        if _built is None:
            _built = _build()
        return _built


def _build() -> Any:
    _guardrails_offline()
    from guardrails import Guard, OnFailAction
    from guardrails.validator_base import (
        FailResult,
        PassResult,
        Validator,
        register_validator,
    )

    @register_validator(name="invekto/pii", data_type="string")
    class PiiValidator(Validator):
        def _validate(self, value: Any, metadata: dict[str, Any]) -> Any:
            context: ReplyContext = metadata["context"]
            found = leaked(
                value,
                given=context.customer_texts,
                known=[*context.known, *setting_strings(context.settings)],
                language=context.language,
            )
            if not found:
                return PassResult()
            types = ", ".join(sorted({entity.entity_type for entity in found}))
            return FailResult(
                error_message=f"PII the customer did not give: {types}",
                fix_value=mask(value, context.language, found),
            )

    @register_validator(name="invekto/grounded", data_type="string")
    class GroundingValidator(Validator):
        def _validate(self, value: Any, metadata: dict[str, Any]) -> Any:
            missing = ungrounded(value, metadata["context"])
            if not missing:
                return PassResult()
            return FailResult(error_message="not from this turn's data: " + ", ".join(missing))

    @register_validator(name="invekto/tenant-rules", data_type="string")
    class TenantRulesValidator(Validator):
        def _validate(self, value: Any, metadata: dict[str, Any]) -> Any:
            broken = tenant_rules_broken(value, metadata["context"].settings)
            if not broken:
                return PassResult()
            return FailResult(error_message="; ".join(broken))

    @register_validator(name="invekto/language", data_type="string")
    class LanguageValidator(Validator):
        def _validate(self, value: Any, metadata: dict[str, Any]) -> Any:
            wanted = metadata["context"].language
            written = reply_language(value)
            if written is None or written == wanted:
                return PassResult()
            return FailResult(error_message=f"written in {written}, the customer writes {wanted}")

    return Guard(name="invekto-reply", history_max_length=1).use(
        PiiValidator(on_fail=OnFailAction.FIX),
        GroundingValidator(on_fail=OnFailAction.NOOP),
        TenantRulesValidator(on_fail=OnFailAction.NOOP),
        LanguageValidator(on_fail=OnFailAction.NOOP),
    )


def _guardrails_offline() -> None:
    """guardrails-ai reads ``~/.guardrailsrc`` and, without one, sends usage metrics to its hub
    and may use remote inference. Invekto runs it local-only whatever that file says."""
    from guardrails.classes.rc import RC
    from guardrails.settings import settings

    # Our validators are plain CPU work: run them one after another in the caller's thread
    # rather than on a new event loop per reply (about half the guard's cost).
    os.environ.setdefault("GUARDRAILS_RUN_SYNC", "true")
    offline = RC(enable_metrics=False, use_remote_inferencing=False)
    RC.load = classmethod(lambda cls, logger=None: offline)  # type: ignore[method-assign]
    settings.rc = offline


# --- the checks, usable on their own ---------------------------------------------------------


def ungrounded(reply: str, context: ReplyContext) -> list[str]:
    """The facts of ``reply`` that its sources do not contain: long numbers (order, tracking,
    phone), prices, stock counts and day-month dates."""
    sources = " ".join(
        [*context.tool_results, *context.customer_texts, *setting_strings(context.settings)]
    )
    runs = [re.sub(r"\D", "", run) for run in _DIGIT_RUN.findall(sources)]
    numbers = {_amount(n) for n in _NUMBER.findall(sources)}
    dates = _dates_in(sources)
    missing = []
    for match in _LONG_NUMBER.finditer(reply):
        number = re.sub(r"\D", "", match.group())
        if not any(number in run for run in runs):
            missing.append(match.group())
    for match in _PRICE.finditer(reply):
        if _amount(match.group(1) or match.group(2)) not in numbers:
            missing.append(match.group().strip(" .,"))
    for match in _STOCK.finditer(reply):
        if _amount(match.group(1)) not in numbers:
            missing.append(match.group())
    for day, month in _reply_dates(reply):
        if not any(_near((day, month), known) for known in dates):
            missing.append(f"{day}/{month}")
    return missing


def tenant_rules_broken(reply: str, settings: TenantSettings | Mapping[str, Any]) -> list[str]:
    typed = TenantSettings.parse(settings)
    rules = typed.guardrails
    folded = fold(reply)
    broken = []
    for phrase in rules.banned_phrases:
        if fold(phrase) in folded:
            broken.append(f"banned phrase {phrase!r}")
    for name in rules.competitors:
        if re.search(rf"\b{re.escape(fold(name))}\b", folded):
            broken.append(f"competitor {name!r}")
    for promise in (*FORBIDDEN_PROMISES, *rules.forbidden_promises):
        if fold(promise) in folded:
            broken.append(f"forbidden promise {promise!r}")
    limit = typed.discounts.max_percent
    if limit is not None:
        for match in _PERCENT.finditer(reply):
            if _MATERIAL.match(reply, match.end()):
                continue  # "%100 Pamuk" is what the product is made of, not a discount
            percent = int(next(g for g in match.groups() if g))
            if percent > limit:
                broken.append(f"discount {percent}% above the tenant's {limit}%")
    return broken


_URL = re.compile(r"https?://\S+|www\.\S+")
_TR_FUNCTION_WORDS = frozenset(
    """ve ile için icin bu şu bir da de mi mı mu mü ne nasıl nasil için ama veya ya siparişiniz
    siparisiniz numaralı numarali kargoya verildi verilmedi henüz henuz teslim tahmini iade
    değişim degisim lütfen lutfen size sizin bize bizim yardımcı yardimci olabilirim olur
    yazar yazabilir misiniz mısınız var yok gün gun içinde icinde ücretsiz ucretsiz merhaba
    teşekkür tesekkur ederiz ederim kargo takip no numarası numarasi""".split()
)
_TR_ENDINGS = ("iniz", "ınız", "unuz", "ünüz", "yoruz", "iyor", "ıyor", "uyor", "üyor", "ebilir")


def reply_language(reply: str) -> str | None:
    """The reply's language from its function words, ignoring links, numbers and the Turkish
    product and carrier names an English or Arabic reply quotes; None when it cannot tell."""
    text = _URL.sub(" ", reply)
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum("\u0600" <= ch <= "\u06ff" for ch in letters) / len(letters) >= 0.3:
        return "ar"
    # "İ" casefolds to "i" + a combining dot, which would split "İmplant" into an English "i".
    tokens = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.replace("İ", "i").casefold())
    english = sum(token in _EN_WORDS for token in tokens)
    turkish = sum(token in _TR_FUNCTION_WORDS or token.endswith(_TR_ENDINGS) for token in tokens)
    if english + turkish < 2:
        return None
    return "en" if english > turkish else "tr"


def _amount(text: str) -> float | None:
    """'1.249,90' / '1,249.90' / '449.99' / '449' → a number."""
    text = text.strip(".,")
    if not text:
        return None
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = f"{head.replace(',', '')}.{tail}" if len(tail) <= 2 else text.replace(",", "")
    elif text.count(".") == 1 and len(text.rpartition(".")[2]) == 3:
        text = text.replace(".", "")  # 1.249 (Turkish thousands)
    try:
        return round(float(text), 2)
    except ValueError:
        return None


def _near(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """The same day and month, give or take a day (UTC timestamps shown as local dates)."""
    import datetime as dt

    try:
        first, second = dt.date(2024, a[1], a[0]), dt.date(2024, b[1], b[0])
    except ValueError:
        return False
    return abs((first - second).days) <= 1 or abs((first - second).days) >= 365


def _dates_in(sources: str) -> set[tuple[int, int]]:
    found = {(int(d), int(m)) for _, m, d in _ISO_DATE.findall(sources)}
    return found | set(_reply_dates(sources))


def _reply_dates(text: str) -> list[tuple[int, int]]:
    dates = []
    for day, word in _DAY_MONTH.findall(text):
        month = MONTHS.get(word.casefold().rstrip("'’"))
        if month and 1 <= int(day) <= 31:
            dates.append((int(day), month))
    for word, day in _MONTH_DAY.findall(text):
        month = MONTHS.get(word.casefold())
        if month and 1 <= int(day) <= 31:
            dates.append((int(day), month))
    return dates


def setting_strings(value: Any) -> list[str]:
    """Every string (and number, as text) in a settings tree: the tenant's own policies, texts and
    published details. ``TenantSettings`` give the values the tenant set, secrets left out."""
    if isinstance(value, TenantSettings):
        return setting_strings(value.public_dump(defaults=False))
    if isinstance(value, str):
        return [value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [str(value)]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in setting_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in setting_strings(v)]
    return []
