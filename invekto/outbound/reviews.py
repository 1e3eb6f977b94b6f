"""Negative review recovery: reviews in (CSV upload or our signed webhook), low ones answered.

Trendyol's seller API has no review endpoint, so a seller uploads a CSV export (English or
Turkish headers, comma / semicolon / tab separated, UTF-8 or Windows-1254) or pushes reviews to
``POST /webhooks/reviews/{tenant_slug}`` signed with the tenant's input secret
(:func:`input_secret`). Each review is a :class:`ReviewCase`, idempotent on source + external
id. The customer is found by the order number (the cached order's phone) or the phone given; a
customer row is created when the phone is new.

A matched 1–2 star review emits ``review_imported`` (key ``review:{case.id}``): the tenant's
rules (the ``review_recovery`` flow) send the apology at once and once more after 48 hours
without an answer. The case then moves (:func:`refresh_cases`, run before every report):

    detected → contacted (a send went out) → resolved (the customer answered)
                                           → failed (no answer, nothing left to send)
    any → updated (the rating was raised in a later import: what is still waiting is cancelled)

Good reviews are kept as ``ignored``; low reviews without a customer as ``unmatched``; a low
review older than :data:`MAX_REVIEW_AGE` is not answered (``ignored``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.csvrows import CsvError, RowError, read_csv
from invekto.core.phones import normalize_tr_phone
from invekto.outbound.events import emit
from invekto.outbound.schedule import cancel
from invekto.storage.models import (
    Conversation,
    Customer,
    Message,
    OrderCache,
    OutboundSend,
    ReviewCase,
    Tenant,
    utcnow,
)

log = logging.getLogger(__name__)

FLOW = "review_recovery"
EVENT = "review_imported"
LOW_RATING = 2
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5000
MAX_WEBHOOK_REVIEWS = 500
MAX_REVIEW_AGE = dt.timedelta(days=30)
"""A low review older than this is stored but not answered: an apology months later helps
nobody."""
GIVE_UP_AFTER = dt.timedelta(hours=72)
"""A contacted case with no answer this long after its last send (and nothing left to send)
has failed."""
MAX_ERRORS_LISTED = 200
Source = Literal["csv", "webhook"]


class ReviewImportError(ValueError):
    """The whole input is refused (too big, not a CSV, no rating column...)."""


# --- parsing -----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(value: Any, limit: int) -> str:
    """A storable, bounded string: NUL and control characters dropped, trimmed."""
    if value is None:
        return ""
    return _CONTROL.sub("", str(value)).strip()[:limit]


def normalize_phone(raw: Any) -> str | None:
    """As ``customers.phone`` keeps it: E.164 digits without "+" (a Turkish number in any usual
    spelling becomes ``90XXXXXXXXXX``); None when it is not a phone number."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    turkish = normalize_tr_phone(text)
    if turkish:
        return turkish
    digits = re.sub(r"[\s\-\.\(\)/]", "", text)
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if digits.isdigit() and 8 <= len(digits) <= 15:
        return digits
    return None


def parse_rating(raw: Any) -> int:
    """1–5 from ``4``, ``"4"``, ``"4,0"``, ``"4/5"`` or ``"★★★★"``; ValueError otherwise."""
    if isinstance(raw, bool):
        raise ValueError("rating must be a number from 1 to 5")
    if isinstance(raw, int | float):
        number = Decimal(str(raw))
    else:
        text = str(raw or "").strip()
        if text and set(text) <= {"★", "☆"}:
            number = Decimal(text.count("★"))
        else:
            text = text.split("/")[0].strip().replace(",", ".")
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValueError(f"rating {clean(raw, 20)!r} is not a number") from None
    if number != number.to_integral_value() or not 1 <= number <= 5:
        raise ValueError(f"rating {clean(raw, 20)!r} is not a whole number from 1 to 5")
    return int(number)


_DATE_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
)


def parse_date(raw: Any, zone: ZoneInfo) -> dt.datetime | None:
    """ISO 8601, ``dd.mm.yyyy[ HH:MM[:SS]]``, ``dd/mm/yyyy``... (a time without a zone is the
    tenant's); epoch milliseconds too. None for an empty value; ValueError for a bad one."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        seconds = raw / 1000 if raw > 10**11 else raw
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"date {raw!r} is out of range") from None
    text = str(raw).strip()[:40]
    parsed: dt.datetime | None = None
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for pattern in _DATE_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"date {text!r} is not a date (use 2026-11-30 or 30.11.2026)")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    if not 2000 <= parsed.year <= 2100:
        raise ValueError(f"date {text!r} is out of range")
    return parsed.astimezone(dt.UTC)


class ReviewInput(BaseModel):
    """One review as it comes in (webhook JSON, or a CSV row after the header mapping)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    review_id: str = Field(min_length=1, max_length=100)
    order_number: str | None = Field(None, max_length=64)
    rating: int
    comment: str = Field("", max_length=20_000)
    product: str = Field("", max_length=2_000)
    date: dt.datetime | None = None
    phone: str | None = Field(None, max_length=40)
    customer_name: str | None = Field(None, max_length=200)

    @field_validator("review_id", "order_number", mode="before")
    @classmethod
    def _identifier(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            return clean(value, 1000) or None
        raise ValueError("must be a string")

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, value: Any) -> int:
        return parse_rating(value)

    @field_validator("comment", "product", "customer_name", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if value is None:
            return ""
        if not isinstance(value, str | int | float):
            raise ValueError("must be a string")
        return clean(value, 20_000)

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str | int):
            raise ValueError("must be a string")
        phone = normalize_phone(value)
        if phone is None:
            raise ValueError(f"phone {clean(value, 40)!r} is not a phone number")
        return phone


HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "review_id": (
        "reviewid",
        "review",
        "id",
        "yorumno",
        "yorumid",
        "yorumnumarasi",
        "degerlendirmeno",
        "degerlendirmeid",
    ),
    "order_number": (
        "ordernumber",
        "orderno",
        "orderid",
        "order",
        "siparisno",
        "siparisnumarasi",
        "siparis",
        "siparisid",
    ),
    "rating": ("rating", "stars", "star", "score", "puan", "yildiz", "yildizsayisi", "puani"),
    "comment": ("comment", "text", "body", "reviewtext", "yorum", "yorummetni", "aciklama"),
    "product": ("product", "productname", "urun", "urunadi", "urunismi"),
    "date": ("date", "reviewdate", "reviewedat", "createdat", "tarih", "yorumtarihi"),
    "phone": ("phone", "phonenumber", "telefon", "telefonno", "tel", "gsm", "ceptelefonu"),
    "customer_name": ("customername", "name", "customer", "musteri", "musteriadi", "adsoyad"),
}


@dataclass
class ParsedCsv:
    reviews: list[tuple[int, ReviewInput]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0


def parse_csv(data: bytes, *, zone: ZoneInfo) -> ParsedCsv:
    """Read a review export. The whole file is refused (:class:`ReviewImportError`) when it is
    too big or has no usable header; a bad row is reported with its line and the rest kept."""
    try:
        rows = read_csv(data, HEADER_ALIASES, max_bytes=MAX_CSV_BYTES, max_rows=MAX_CSV_ROWS)
    except CsvError as exc:
        raise ReviewImportError(str(exc)) from exc
    present = rows.present()
    if "rating" not in present:
        raise ReviewImportError(
            "no rating column (expected one of: rating, puan, yıldız); headers were: "
            + ", ".join(clean(h, 40) for h in rows.headers[:20])
        )
    if not present & {"review_id", "order_number", "phone"}:
        raise ReviewImportError(
            "no review id, order number or phone column (expected e.g. review_id / Yorum No, "
            "order_number / Sipariş No)"
        )
    parsed = ParsedCsv()
    seen: dict[str, int] = {}
    try:
        for start, values in rows:
            try:
                if values.get("date"):
                    values["date"] = _date_field(values["date"], zone)
                else:
                    values.pop("date", None)
                if not (values.get("review_id") or "").strip():
                    values["review_id"] = _synthetic_id(values)
                review = ReviewInput.model_validate(values)
            except ValueError as exc:
                parsed.errors.append(RowError(start, _reason(exc)))
                continue
            if review.review_id in seen:
                parsed.errors.append(
                    RowError(
                        start, f"review {review.review_id} repeats line {seen[review.review_id]}"
                    )
                )
                continue
            seen[review.review_id] = start
            parsed.reviews.append((start, review))
    except CsvError as exc:
        raise ReviewImportError(str(exc)) from exc
    parsed.rows = rows.rows
    parsed.errors = sorted([*rows.errors, *parsed.errors], key=lambda e: e.line)
    return parsed


def _date_field(raw: Any, zone: ZoneInfo) -> dt.datetime | None:
    try:
        return parse_date(raw, zone)
    except ValueError as exc:
        raise ValueError(f"date: {exc}") from None


def _synthetic_id(values: dict[str, Any]) -> str:
    """An id for a row without one: the same row gives the same id on the next upload."""
    basis = "|".join(
        clean(values.get(k), 2000) for k in ("order_number", "phone", "product", "comment")
    )
    return "row-" + hashlib.sha256(basis.encode()).hexdigest()[:24]


def _reason(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for error in errors()[:3]:
            where = ".".join(str(p) for p in error.get("loc", ()))
            message = str(error.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{where}: {message}" if where else message)
        return "; ".join(parts)[:300]
    return str(exc)[:300]


# --- the tenant's input secret -----------------------------------------------------------------


def input_secret(app_secret: str, tenant_id: uuid.UUID) -> str:
    """The key a tenant's shop signs its review and cart webhooks with (derived: nothing is
    stored, and it changes only with the app's secret key)."""
    return hmac.new(app_secret.encode(), f"inputs:{tenant_id}".encode(), hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Invekto-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, compared in constant
    time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def sign(secret: str, body: bytes) -> str:
    """The header value a sender puts on ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- matching and storing ----------------------------------------------------------------------


@dataclass
class ImportReport:
    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0
    unmatched: int = 0
    low: int = 0
    contacted: int = 0
    """Low reviews whose recovery was planned now (rules of ``review_imported`` fired)."""
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "low": self.low,
            "contacted": self.contacted,
            "errors": [e.as_dict() for e in self.errors[:MAX_ERRORS_LISTED]],
            "error_count": len(self.errors),
        }


async def _customers_for(
    session: AsyncSession, tenant: Tenant, reviews: list[ReviewInput]
) -> dict[str, Customer]:
    """review_id → customer (found or created), by order number first, then phone."""
    numbers = {r.order_number for r in reviews if r.order_number}
    order_phones: dict[str, tuple[str, str]] = {}
    if numbers:
        rows = await session.execute(
            select(OrderCache.order_number, OrderCache.customer_phone, OrderCache.customer_name)
            .where(
                OrderCache.tenant_id == tenant.id,
                OrderCache.order_number.in_(numbers),
                OrderCache.customer_phone.is_not(None),
            )
            .order_by(OrderCache.order_date.desc().nulls_last())
        )
        for number, phone, name in rows.all():
            order_phones.setdefault(number, (phone, name or ""))
    wanted: dict[str, tuple[str, str]] = {}
    for review in reviews:
        found = order_phones.get(review.order_number or "")
        if found:
            wanted[review.review_id] = found
        elif review.phone:
            wanted[review.review_id] = (review.phone, review.customer_name or "")
    phones = {phone for phone, _ in wanted.values()}
    customers: dict[str, Customer] = {}
    if phones:
        existing = await session.scalars(
            select(Customer).where(Customer.tenant_id == tenant.id, Customer.phone.in_(phones))
        )
        customers = {c.phone: c for c in existing.all()}
    for phone, name in wanted.values():
        if phone not in customers:
            customer = Customer(
                id=uuid.uuid4(), tenant_id=tenant.id, phone=phone, name=clean(name, 200), tags=[]
            )
            session.add(customer)
            customers[phone] = customer
    await session.flush()
    return {review_id: customers[phone] for review_id, (phone, _) in wanted.items()}


FALLBACK_NAME = {"tr": "Değerli müşterimiz", "en": "dear customer", "ar": "عميلنا العزيز"}
FALLBACK_PRODUCT = {"tr": "siparişiniz", "en": "your order", "ar": "طلبك"}
"""What fills a template variable the review does not give (a rule skips an empty one)."""


def _event(case: ReviewCase, customer: Customer, tenant: Tenant) -> dict[str, Any]:
    language = customer.language or tenant.default_language or "tr"
    return {
        "review_id": case.external_id,
        "review_case_id": str(case.id),
        "order_number": case.order_number or "",
        "customer_name": customer.name or FALLBACK_NAME.get(language, FALLBACK_NAME["tr"]),
        "rating": case.rating,
        "product": case.product or FALLBACK_PRODUCT.get(language, FALLBACK_PRODUCT["tr"]),
        "comment": case.comment[:500],
    }


async def import_reviews(
    session: AsyncSession,
    tenant: Tenant,
    reviews: list[ReviewInput],
    *,
    source: Source,
    now: dt.datetime | None = None,
    errors: list[RowError] | None = None,
) -> ImportReport:
    """Store the reviews (idempotent per review id: a repeat updates its case), match their
    customers and start the recovery of new low ones. The caller commits."""
    now = now or utcnow()
    report = ImportReport(received=len(reviews), errors=list(errors or []))
    if not reviews:
        return report
    customers = await _customers_for(session, tenant, reviews)
    # One case per review whichever way it came (a CSV row and a webhook push of the same
    # review are one case, so nobody gets two apologies); the same source's row wins.
    existing: dict[str, ReviewCase] = {}
    for case in (
        await session.scalars(
            select(ReviewCase)
            .where(
                ReviewCase.tenant_id == tenant.id,
                ReviewCase.external_id.in_([r.review_id for r in reviews]),
            )
            .order_by(ReviewCase.created_at)
        )
    ).all():
        if case.external_id not in existing or case.source == source:
            existing[case.external_id] = case
    for review in reviews:
        case = existing.get(review.review_id)
        customer = customers.get(review.review_id)
        if customer is None and case is not None and case.customer_id is not None:
            customer = await session.get(Customer, case.customer_id)
        if customer is not None:
            report.matched += 1
        else:
            report.unmatched += 1
        report.low += int(review.rating <= LOW_RATING)
        start = False
        if case is None:
            case = ReviewCase(
                id=uuid.uuid4(),
                tenant_id=tenant.id,
                source=source,
                external_id=review.review_id,
                order_number=review.order_number,
                customer_id=customer.id if customer else None,
                rating=review.rating,
                comment=clean(review.comment, 5000),
                product=clean(review.product, 500),
                reviewed_at=review.date,
                status=_first_status(review, customer, now),
            )
            session.add(case)
            existing[review.review_id] = case
            report.created += 1
            start = case.status == "detected"
        else:
            before = (case.rating, case.comment, case.product, case.customer_id, case.status)
            raised = review.rating > case.rating
            case.comment = clean(review.comment, 5000) or case.comment
            case.product = clean(review.product, 500) or case.product
            case.order_number = review.order_number or case.order_number
            case.reviewed_at = review.date or case.reviewed_at
            if customer is not None and case.customer_id is None:
                case.customer_id = customer.id
            if raised and case.status in ("detected", "contacted", "failed", "unmatched"):
                case.status = "updated"
                case.resolved_at = now
                await cancel(
                    session,
                    tenant.id,
                    context_key="key",
                    context_value=f"review:{case.id}",
                    reason="review_updated",
                )
            elif case.status in ("ignored", "unmatched") and not raised:
                case.rating = review.rating
                case.status = _first_status(review, customer, now)
                start = case.status == "detected"
            elif case.status == "detected" and case.customer_id is not None:
                start = True  # rules switched on since: planned now (emit is idempotent)
            case.rating = review.rating
            after = (case.rating, case.comment, case.product, case.customer_id, case.status)
            if after != before:
                report.updated += 1
            else:
                report.unchanged += 1
        recipient = customer
        if start and recipient is not None:
            await session.flush()
            planned = await emit(
                session,
                tenant,
                recipient,
                EVENT,
                _event(case, recipient, tenant),
                key=f"review:{case.id}",
                at=now,
            )
            report.contacted += int(bool(planned))
    await session.flush()
    return report


def _first_status(review: ReviewInput, customer: Customer | None, now: dt.datetime) -> str:
    if review.rating > LOW_RATING:
        return "ignored"
    if customer is None:
        return "unmatched"
    if review.date is not None and now - review.date > MAX_REVIEW_AGE:
        return "ignored"
    return "detected"


async def import_csv(
    session: AsyncSession, tenant: Tenant, data: bytes, *, now: dt.datetime | None = None
) -> ImportReport:
    """Parse and import an uploaded CSV (see :func:`parse_csv`). The caller commits."""
    zone = ZoneInfo(tenant.timezone or "Europe/Istanbul")
    parsed = parse_csv(data, zone=zone)
    return await import_reviews(
        session,
        tenant,
        [review for _, review in parsed.reviews],
        source="csv",
        now=now,
        errors=parsed.errors,
    )


def parse_webhook(payload: Any, *, zone: ZoneInfo) -> tuple[list[ReviewInput], list[RowError]]:
    """``{review}`` or ``{"reviews": [review, ...]}`` (≤ 500); an item that does not validate is
    reported by its index (``line`` = 1-based position) and the rest kept."""
    if isinstance(payload, dict) and "reviews" in payload:
        items = payload["reviews"]
        if not isinstance(items, list):
            raise ReviewImportError('"reviews" must be a list')
    elif isinstance(payload, dict):
        items = [payload]
    else:
        raise ReviewImportError("the body must be a JSON object")
    if len(items) > MAX_WEBHOOK_REVIEWS:
        raise ReviewImportError(f"at most {MAX_WEBHOOK_REVIEWS} reviews per call")
    reviews: list[ReviewInput] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(position, "a review must be an object"))
            continue
        values = dict(item)
        try:
            if "date" in values:
                values["date"] = _date_field(values["date"], zone)
            review = ReviewInput.model_validate(values)
        except ValueError as exc:
            errors.append(RowError(position, _reason(exc)))
            continue
        if review.review_id in seen:
            errors.append(RowError(position, f"review {review.review_id} repeats"))
            continue
        seen.add(review.review_id)
        reviews.append(review)
    return reviews, errors


# --- states and the report ---------------------------------------------------------------------


def _sends_of(case_ids: list[uuid.UUID]) -> Any:
    keys = [f"review:{case_id}" for case_id in case_ids]
    return OutboundSend.context["key"].astext.in_(keys)


async def refresh_cases(
    session: AsyncSession, tenant: Tenant, now: dt.datetime | None = None
) -> int:
    """Move open cases on from what happened to their sends and the customer's messages
    (detected → contacted → resolved | failed). Returns how many changed. The caller commits."""
    now = now or utcnow()
    cases = (
        await session.scalars(
            select(ReviewCase).where(
                ReviewCase.tenant_id == tenant.id,
                ReviewCase.status.in_(("detected", "contacted")),
                ReviewCase.customer_id.is_not(None),
            )
        )
    ).all()
    if not cases:
        return 0
    by_key = {f"review:{case.id}": case for case in cases}
    sends: dict[uuid.UUID, list[OutboundSend]] = {case.id: [] for case in cases}
    rows = await session.scalars(
        select(OutboundSend).where(
            OutboundSend.tenant_id == tenant.id, _sends_of([c.id for c in cases])
        )
    )
    for send in rows.all():
        case = by_key.get(str((send.context or {}).get("key")))
        if case is not None:
            sends[case.id].append(send)
    changed = 0
    for case in cases:
        own = sends[case.id]
        sent = [s.sent_at for s in own if s.sent_at is not None]
        pending = any(s.status in ("scheduled", "sending", "paused") for s in own)
        if case.status == "detected":
            if sent:
                case.status, case.contacted_at = "contacted", min(sent)
                changed += 1
            elif own and not pending:
                case.status = "failed"
                changed += 1
                continue
        if case.status != "contacted" or case.contacted_at is None:
            continue
        answer = await session.scalar(
            select(func.min(Message.created_at))
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.tenant_id == tenant.id,
                Conversation.customer_id == case.customer_id,
                Message.direction == "in",
                Message.created_at > case.contacted_at,
                Message.created_at <= now,
            )
        )
        if answer is not None:
            case.status, case.resolved_at = "resolved", answer
            changed += 1
        elif not pending and sent and now - max(sent) >= GIVE_UP_AFTER:
            case.status = "failed"
            changed += 1
    await session.flush()
    return changed


async def refresh_all(session: AsyncSession, now: dt.datetime | None = None) -> int:
    """:func:`refresh_cases` for every tenant with an open case (for a periodic sweep on a
    system session). The caller commits."""
    now = now or utcnow()
    tenant_ids = (
        await session.scalars(
            select(ReviewCase.tenant_id)
            .where(ReviewCase.status.in_(("detected", "contacted")))
            .distinct()
        )
    ).all()
    changed = 0
    for tenant_id in tenant_ids:
        tenant = await session.get(Tenant, tenant_id)
        if tenant is not None:
            changed += await refresh_cases(session, tenant, now)
    return changed


async def recovery_report(
    session: AsyncSession,
    tenant: Tenant,
    since: dt.datetime | None = None,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Low reviews since ``since`` by state, and the recovery rate: the contacted cases that
    ended resolved or updated."""
    now = now or utcnow()
    await refresh_cases(session, tenant, now)
    query = select(ReviewCase.status, func.count(), func.count(ReviewCase.contacted_at)).where(
        ReviewCase.tenant_id == tenant.id, ReviewCase.rating <= LOW_RATING
    )
    conditions = []
    if since is not None:
        conditions.append(
            or_(
                ReviewCase.reviewed_at >= since,
                (ReviewCase.reviewed_at.is_(None)) & (ReviewCase.created_at >= since),
            )
        )
    rows = (await session.execute(query.where(*conditions).group_by(ReviewCase.status))).all()
    counts = {status: 0 for status in ("detected", "contacted", "resolved", "updated", "failed")}
    counts.update({"unmatched": 0, "ignored": 0})
    reached = recovered = 0
    for status, count, contacted in rows:
        counts[status] = counts.get(status, 0) + int(count)
        reached += int(contacted)
        if status in ("resolved", "updated"):
            recovered += int(contacted)
    total_reviews = int(
        await session.scalar(
            select(func.count())
            .select_from(ReviewCase)
            .where(ReviewCase.tenant_id == tenant.id, *conditions)
        )
        or 0
    )
    return {
        "since": since.isoformat() if since else None,
        "reviews": total_reviews,
        "low_reviews": sum(counts.values()),
        **counts,
        "contacted_total": reached,
        "recovered": recovered,
        "recovery_rate": round(recovered / reached, 4) if reached else None,
    }


__all__ = [
    "ImportReport",
    "ReviewImportError",
    "ReviewInput",
    "import_csv",
    "import_reviews",
    "input_secret",
    "parse_csv",
    "parse_webhook",
    "recovery_report",
    "refresh_all",
    "refresh_cases",
    "sign",
    "signature_ok",
]
