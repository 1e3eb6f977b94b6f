"""What every payment-link provider shares: the request, the created link, the error, the
protocol, and exact money helpers (kuruş integers for PayTR, price strings for iyzico)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, runtime_checkable

REFERENCE = re.compile(r"[A-Za-z0-9]{1,64}")
"""Our link id: iyzico's conversationId and PayTR's callback_id (alphanumeric, at most 64)."""
CURRENCIES = frozenset({"TRY", "USD", "EUR", "GBP"})
LANGUAGES = frozenset({"tr", "en"})
MAX_REASON_CHARS = 200


class PaymentError(Exception):
    """A provider call that did not create/deactivate the link.

    ``reason`` is the provider's own (short) message; ``retryable`` says whether the same call
    may succeed later: timeouts, connection errors and 5xx are; a ``failure``/``error`` answer
    (bad signature, invalid field, unknown link) is not. ``code`` is the provider's error code
    when it sent one.
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        code: str | None = None,
        status_code: int | None = None,
    ) -> None:
        reason = " ".join(str(reason).split())[:MAX_REASON_CHARS] or "unknown error"
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.code = code
        self.status_code = status_code

    def __repr__(self) -> str:
        return (
            f"PaymentError(reason={self.reason!r}, retryable={self.retryable}, code={self.code!r})"
        )


@dataclass(frozen=True)
class LinkRequest:
    """One payment link to create. Validated on construction (``ValueError``)."""

    reference: str
    name: str
    description: str
    amount: Decimal
    currency: str = "TRY"
    max_installment: int = 1
    language: str = "tr"
    expires_at: datetime | None = None
    callback_url: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.reference, str) or not REFERENCE.fullmatch(self.reference):
            raise ValueError("reference must be 1-64 ASCII letters or digits")
        if not isinstance(self.name, str) or not 4 <= len(self.name.strip()) <= 200:
            raise ValueError("name must be 4-200 characters")
        if not isinstance(self.description, str):
            raise ValueError("description must be a string")
        to_kurus(self.amount)  # a Decimal > 0 with at most 2 decimals
        if self.currency not in CURRENCIES:
            raise ValueError(f"currency must be one of {sorted(CURRENCIES)}")
        if isinstance(self.max_installment, bool) or not isinstance(self.max_installment, int):
            raise ValueError("max_installment must be an int")
        if not 1 <= self.max_installment <= 12:
            raise ValueError("max_installment must be 1-12")
        language = (self.language or "").lower()
        object.__setattr__(self, "language", language if language in LANGUAGES else "en")
        if self.expires_at is not None and self.expires_at.utcoffset() is None:
            raise ValueError("expires_at must be timezone-aware")
        if self.callback_url is not None and not re.match(r"https?://", self.callback_url):
            raise ValueError("callback_url must be an http(s) URL")


@dataclass(frozen=True)
class CreatedLink:
    """A link the provider made. ``external_id`` is iyzico's token / PayTR's link id;
    ``expires_at`` is the expiry the *provider* enforces (None: it never expires by itself)."""

    provider: str
    external_id: str
    url: str
    expires_at: datetime | None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@runtime_checkable
class PaymentLinks(Protocol):
    """What the app needs of a provider."""

    provider: str

    async def create_link(self, req: LinkRequest) -> CreatedLink: ...

    async def deactivate(self, external_id: str) -> None: ...


# --- money ----------------------------------------------------------------------------------------


def _checked(amount: Decimal) -> Decimal:
    """``amount`` as a finite Decimal > 0 with at most 2 significant decimals, else ValueError."""
    if not isinstance(amount, Decimal):
        raise ValueError("amounts must be Decimal (never float)")
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be a finite number > 0")
    try:
        hundredths = amount * 100
        exact = hundredths == hundredths.to_integral_value()
    except InvalidOperation as exc:
        raise ValueError("amount is not a number") from exc
    if not exact:
        raise ValueError(f"amount {amount} has more than 2 decimals")
    return amount


def to_kurus(amount: Decimal) -> int:
    """TRY (or any 2-decimal currency) → its minor unit, exactly: ``Decimal("14.45")`` → 1445.
    Refuses floats, ≤ 0 and more than 2 (non-zero) decimals."""
    return int(_checked(amount) * 100)


def iyzico_price(amount: Decimal) -> str:
    """iyzico's price string as the SDK samples send it: ``149.90`` → ``"149.9"``, ``100.00`` →
    ``"100"``, ``0.30`` → ``"0.3"``; never exponent notation."""
    text = format(_checked(amount).normalize(), "f")
    return text


def strip_zero(number: str) -> str:
    """The SDK's ``IyzipayResource.strip_zero``: ``"10.0"`` → ``"10"`` (prices in signatures)."""
    return number[:-2] if number.endswith(".0") else number
