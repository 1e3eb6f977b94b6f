"""What the outbound flows read from outside: reviews, shop carts, and the reports on them.

Signed webhooks of ours (the seller's shop or tooling posts to them):

- ``POST /webhooks/reviews/{tenant_slug}``: one review object or ``{"reviews": [...]}``;
- ``POST /webhooks/carts/{tenant_slug}``: one cart event (``invekto.outbound.carts``).

Both carry ``X-Invekto-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` keyed with the
tenant's input secret (``GET /api/outbound/inputs`` shows it to owners and admins). An unknown
tenant and a bad signature both answer 401 (nothing tells which); a body over the cap 413; a
body that is not JSON 400; one that does not validate 422 with the reason. Nothing is stored
before the signature is checked.

Authenticated routes (``/api/outbound/...``): the review CSV upload (owners and admins: a low
review makes Invekto write to the customer), the review list and the recovery reports, the cart
report and the Click-to-WhatsApp attribution (every role that works the inbox).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.api.deps import ServicesDep, TenantContext, TenantSessionDep, require
from invekto.api.uploads import capped_body as _capped_body
from invekto.api.uploads import multipart_file as _multipart_file
from invekto.outbound import attribution, carts, reviews
from invekto.security import PERMISSIONS
from invekto.storage.models import Customer, ReviewCase, Tenant, utcnow

log = logging.getLogger(__name__)

router = APIRouter(tags=["outbound-inputs"])

VIEW = "outbound.view" if "outbound.view" in PERMISSIONS else "inbox.work"
MANAGE = "outbound.manage" if "outbound.manage" in PERMISSIONS else "team.manage"
SIGNATURE_HEADER = "X-Invekto-Signature"
MAX_REVIEW_WEBHOOK_BYTES = 1_000_000
MAX_CART_WEBHOOK_BYTES = 256_000
MAX_UPLOAD_BYTES = reviews.MAX_CSV_BYTES + 64 * 1024
"""The CSV plus the multipart envelope."""
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
REVIEW_STATUSES = ("detected", "contacted", "resolved", "updated", "failed", "unmatched", "ignored")


def _problem(code: int, reason: str) -> HTTPException:
    return HTTPException(code, reason)


async def _signed_tenant(
    services: ServicesDep, request: Request, slug: str, limit: int
) -> tuple[uuid.UUID, bytes]:
    """The tenant whose input secret signed the body, and the body; 401 otherwise."""
    body = await _capped_body(request, limit)
    refused = _problem(status.HTTP_401_UNAUTHORIZED, f"bad or missing {SIGNATURE_HEADER}")
    if not SLUG.fullmatch(slug):
        raise refused
    async with services.db.session() as session:
        tenant_id = await session.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        raise refused
    secret = reviews.input_secret(services.settings.resolved_secret_key(), tenant_id)
    if not reviews.signature_ok(secret, body, request.headers.get(SIGNATURE_HEADER)):
        log.warning("outbound input webhook for %s with a bad signature", slug)
        raise refused
    return tenant_id, body


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise _problem(status.HTTP_400_BAD_REQUEST, "body nested too deeply") from exc
    except ValueError as exc:
        raise _problem(status.HTTP_400_BAD_REQUEST, f"body is not JSON: {exc}") from exc


def _zone(tenant: Tenant) -> ZoneInfo:
    try:
        return ZoneInfo(tenant.timezone or "Europe/Istanbul")
    except (KeyError, ValueError):
        return ZoneInfo("Europe/Istanbul")


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False)[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)[:500]


async def _tenant_row(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    row = await session.get(Tenant, tenant_id)
    if row is None:
        raise _problem(status.HTTP_404_NOT_FOUND, "no such tenant")
    return row


# --- signed webhooks ---------------------------------------------------------------------------


@router.post("/webhooks/reviews/{tenant_slug}")
async def review_webhook(
    tenant_slug: str, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """Reviews pushed by the seller's tooling: ``{review_id, order_number?, rating, comment?,
    product?, date?, phone?, customer_name?}`` or ``{"reviews": [...]}`` (≤ 500). Answers the
    import report (``received, created, updated, unchanged, matched, unmatched, low, contacted,
    errors[{line, reason}]``, ``line`` = the review's position); 422 when none is usable."""
    tenant_id, body = await _signed_tenant(services, request, tenant_slug, MAX_REVIEW_WEBHOOK_BYTES)
    payload = _json(body)
    async with services.db.tenant_session(tenant_id) as session:
        tenant = await _tenant_row(session, tenant_id)
        try:
            items, errors = reviews.parse_webhook(payload, zone=_zone(tenant))
        except reviews.ReviewImportError as exc:
            raise _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        if not items:
            reason = "; ".join(f"#{e.line}: {e.reason}" for e in errors[:5]) or "no reviews"
            raise _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, reason)
        report = await reviews.import_reviews(
            session, tenant, items, source="webhook", errors=errors
        )
        await session.commit()
    return report.as_dict()


@router.post("/webhooks/carts/{tenant_slug}")
async def cart_webhook(tenant_slug: str, request: Request, services: ServicesDep) -> dict[str, Any]:
    """One cart event of the seller's shop (``cart.updated``, ``cart.abandoned``,
    ``order.created``; see ``invekto.outbound.carts``). Answers ``{cart_id, status, planned,
    cancelled, note}``."""
    tenant_id, body = await _signed_tenant(services, request, tenant_slug, MAX_CART_WEBHOOK_BYTES)
    payload = _json(body)
    if not isinstance(payload, dict):
        raise _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, "the body must be a JSON object")
    try:
        event = carts.CartEvent.model_validate(payload)
    except ValidationError as exc:
        raise _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, _validation_reason(exc)) from exc
    async with services.db.tenant_session(tenant_id) as session:
        tenant = await _tenant_row(session, tenant_id)
        try:
            result = await carts.handle_event(session, tenant, event)
        except ValueError as exc:
            await session.rollback()
            raise _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)[:500]) from exc
        await session.commit()
    return result


# --- the review CSV upload ---------------------------------------------------------------------


@router.post("/api/outbound/reviews/import")
async def import_reviews(
    request: Request, services: ServicesDep, tenant: TenantContext = require(MANAGE)
) -> dict[str, Any]:
    """Upload a review export (≤ 2 MB, ≤ 5,000 rows): ``multipart/form-data`` with a ``file``
    part, or the CSV itself as the body (``text/csv``). Columns (English or Turkish):
    review_id / Yorum No, order_number / Sipariş No, rating / Puan, comment / Yorum, product /
    Ürün, date / Tarih, phone / Telefon. Answers the import report; a bad row is listed with its
    line and reason and the good rows are kept. 413 over the size, 422 for a file that cannot
    be read (with the reason)."""
    body = await _capped_body(request, MAX_UPLOAD_BYTES)
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        data = _multipart_file(content_type, body)
    else:
        data = body
    if len(data) > reviews.MAX_CSV_BYTES:
        raise _problem(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the file is over {reviews.MAX_CSV_BYTES // (1024 * 1024)} MB",
        )
    # The database is touched only once the whole upload is in (a slow upload holds nothing).
    async with services.db.tenant_session(tenant.tenant_id) as session:
        owner = await _tenant_row(session, tenant.tenant_id)
        try:
            report = await reviews.import_csv(session, owner, data)
        except reviews.ReviewImportError as exc:
            await session.rollback()
            raise _problem(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        await session.commit()
    return report.as_dict()


# --- lists and reports -------------------------------------------------------------------------


@router.get("/api/outbound/reviews")
async def list_reviews(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    status_filter: Annotated[
        Literal["detected", "contacted", "resolved", "updated", "failed", "unmatched", "ignored"]
        | None,
        Query(alias="status"),
    ] = None,
    max_rating: Annotated[int | None, Query(ge=1, le=5)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    """The tenant's reviews, newest first: ``{"items": [...], "total": n}``; each item
    ``{id, source, external_id, order_number, customer_id, customer_name, rating, comment,
    product, reviewed_at, status, contacted_at, resolved_at, created_at}``."""
    owner = await _tenant_row(session, tenant.tenant_id)
    if await reviews.refresh_cases(session, owner):
        await session.commit()
    conditions = [ReviewCase.tenant_id == tenant.tenant_id]
    if status_filter:
        conditions.append(ReviewCase.status == status_filter)
    if max_rating:
        conditions.append(ReviewCase.rating <= max_rating)
    total = await session.scalar(select(func.count()).select_from(ReviewCase).where(*conditions))
    rows = (
        await session.execute(
            select(ReviewCase, Customer.name)
            .outerjoin(Customer, Customer.id == ReviewCase.customer_id)
            .where(*conditions)
            .order_by(
                ReviewCase.reviewed_at.desc().nulls_last(),
                ReviewCase.created_at.desc(),
                ReviewCase.id,
            )
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return {
        "items": [
            {
                "id": str(case.id),
                "source": case.source,
                "external_id": case.external_id,
                "order_number": case.order_number,
                "customer_id": str(case.customer_id) if case.customer_id else None,
                "customer_name": name,
                "rating": case.rating,
                "comment": case.comment,
                "product": case.product,
                "reviewed_at": case.reviewed_at,
                "status": case.status,
                "contacted_at": case.contacted_at,
                "resolved_at": case.resolved_at,
                "created_at": case.created_at,
            }
            for case, name in rows
        ],
        "total": int(total or 0),
    }


@router.get("/api/outbound/reviews/report")
async def review_report(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    since: dt.datetime | None = None,
) -> dict[str, Any]:
    """Low reviews (1–2 stars) since ``since`` by state (detected, contacted, resolved,
    updated, failed, unmatched, ignored) and the recovery rate (resolved or updated among the
    contacted)."""
    owner = await _tenant_row(session, tenant.tenant_id)
    found = await reviews.recovery_report(session, owner, _aware(since))
    await session.commit()
    return found


@router.get("/api/outbound/carts/report")
async def cart_report(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    since: dt.datetime | None = None,
) -> dict[str, Any]:
    """Carts left since ``since``: ``{abandoned, open, recovered, lost, reminded,
    recovered_after_reminder, recovery_rate, abandoned_value, recovered_value}``."""
    owner = await _tenant_row(session, tenant.tenant_id)
    found = await carts.recovery_report(session, owner, _aware(since))
    await session.commit()
    return found


@router.get("/api/outbound/attribution")
async def ad_attribution(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    days: Annotated[int, Query(ge=1, le=365)] = attribution.DEFAULT_DAYS,
) -> dict[str, Any]:
    """Click-to-WhatsApp ads: per ad id, the conversations it started, their leads, and the
    orders (within ``days`` of the first message) with their revenue."""
    owner = await _tenant_row(session, tenant.tenant_id)
    return await attribution.by_ad(
        session, owner, since=_aware(since), until=_aware(until), days=days
    )


@router.get("/api/outbound/inputs")
async def inputs(
    request: Request,
    services: ServicesDep,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    """Where and how the tenant's shop sends reviews and cart events: the two webhook URLs,
    the signing secret, the header and an example."""
    owner = await _tenant_row(session, tenant.tenant_id)
    settings = services.settings
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return {
        "reviews_url": f"{base}/webhooks/reviews/{owner.slug}",
        "carts_url": f"{base}/webhooks/carts/{owner.slug}",
        "secret": reviews.input_secret(services.settings.resolved_secret_key(), owner.id),
        "signature_header": SIGNATURE_HEADER,
        "signature": "sha256=<hex HMAC-SHA256 of the raw request body, keyed with the secret>",
        "csv_upload": "/api/outbound/reviews/import",
        "limits": {
            "csv_bytes": reviews.MAX_CSV_BYTES,
            "csv_rows": reviews.MAX_CSV_ROWS,
            "reviews_per_webhook": reviews.MAX_WEBHOOK_REVIEWS,
            "review_webhook_bytes": MAX_REVIEW_WEBHOOK_BYTES,
            "cart_webhook_bytes": MAX_CART_WEBHOOK_BYTES,
        },
        "generated_at": utcnow(),
    }


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value
