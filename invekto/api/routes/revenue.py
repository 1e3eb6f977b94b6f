"""The revenue area: the catalogue (the marketplace mirror and the seller's own products, margin
tiers, a CSV import), offer rules, payment providers and links, and the revenue figures.

Reading is for every role that works the inbox (``revenue.view``); importing, editing rules and
tiers, and connecting a payment provider for owners and admins (``revenue.manage``). Every query
runs in the caller's tenant session (row-level security) and filters on the tenant too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import case, func, or_, select
from sqlalchemy.exc import IntegrityError

from invekto.api.deps import ServicesDep, TenantContext, TenantSessionDep, require
from invekto.api.uploads import capped_body, multipart_file
from invekto.core.tenant_settings import TenantSettings
from invekto.revenue import catalogue
from invekto.revenue.rules import MAX_RULES, Rule, RuleSpec, check_ceiling
from invekto.revenue.shelf import margin_tiers, models_of
from invekto.revenue.shelf import set_margin_tier as store_tier
from invekto.storage.models import (
    Cart,
    IntegrationAccount,
    Lead,
    OfferRule,
    PaymentLink,
    ProductCache,
    Recommendation,
    Tenant,
    utcnow,
)

router = APIRouter(prefix="/api/revenue", tags=["revenue"])
VIEW = "revenue.view"
MANAGE = "revenue.manage"
MAX_UPLOAD_BYTES = catalogue.MAX_CSV_BYTES + 64 * 1024


# --- products ----------------------------------------------------------------------------------


class ProductOut(BaseModel):
    product_main_id: str
    title: str
    category: str
    margin_tier: str
    price: Decimal | None
    stock: int
    provider: str
    url: str | None
    variants: int
    on_sale: bool
    """Some variant is offered (a product imported "pasif" is not)."""


@router.get("/products")
async def list_products(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    q: Annotated[str, Query(max_length=100)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    """Product models (variants summed), by title; ``q`` filters title, category, model code
    and barcode."""
    query = select(ProductCache).where(ProductCache.tenant_id == tenant.tenant_id)
    if q.strip():
        like = f"%{q.strip()}%"
        query = query.where(
            or_(
                ProductCache.title.ilike(like),
                ProductCache.category.ilike(like),
                ProductCache.product_main_id.ilike(like),
                ProductCache.barcode.ilike(like),
            )
        )
    rows = list(await session.scalars(query))
    variants: dict[str, int] = {}
    offered: dict[str, bool] = {}
    for row in rows:
        key = row.product_main_id or row.barcode
        variants[key] = variants.get(key, 0) + 1
        offered[key] = offered.get(key, False) or row.on_sale
    tiers = await margin_tiers(session, tenant.tenant_id)
    models = sorted(models_of(rows, tiers), key=lambda m: (m.title, m.product_main_id))
    return {
        "total": len(models),
        "products": [
            ProductOut(
                product_main_id=m.product_main_id,
                title=m.title,
                category=m.category,
                margin_tier=m.margin_tier,
                price=m.price,
                stock=m.stock,
                provider=m.provider,
                url=m.url,
                variants=variants.get(m.product_main_id, 1),
                on_sale=offered.get(m.product_main_id, True),
            ).model_dump(mode="json")
            for m in models[offset : offset + limit]
        ],
    }


@router.post("/products/import")
async def import_products(
    request: Request, services: ServicesDep, tenant: TenantContext = require(MANAGE)
) -> dict[str, Any]:
    """Upload a catalogue CSV (≤ 4 MB, ≤ 10,000 rows) as ``multipart/form-data`` (``file``) or
    as the body (``text/csv``). Columns (English or Turkish): barcode / barkod (required),
    model_code / model kodu, title / ürün adı, category / kategori, brand / marka, color / renk,
    size / beden, price / fiyat, list_price / liste fiyatı, stock / stok, margin_tier / marj
    (low, medium, high / düşük, orta, yüksek), status / durum (aktif, pasif), url. A marketplace
    product's row sets only its margin tier. Each row is imported whole or listed with its line
    and reason; the good rows are kept. 413 over the size; 422 for a file that cannot be read."""
    body = await capped_body(request, MAX_UPLOAD_BYTES)
    content_type = request.headers.get("content-type", "")
    data = (
        multipart_file(content_type, body)
        if content_type.lower().startswith("multipart/form-data")
        else body
    )
    async with services.db.tenant_session(tenant.tenant_id) as session:
        try:
            report = await catalogue.import_csv(session, tenant.tenant_id, data)
        except catalogue.CatalogueImportError as exc:
            await session.rollback()
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        await session.commit()
    return report.as_dict()


class TierIn(BaseModel):
    margin_tier: Literal["low", "medium", "high"]


@router.patch("/products/{product_main_id}")
async def change_margin_tier(
    product_main_id: Annotated[str, Field(max_length=100)],
    body: TierIn,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    """Set the margin tier of every variant of one product model."""
    rows = list(
        await session.scalars(
            select(ProductCache).where(
                ProductCache.tenant_id == tenant.tenant_id,
                or_(
                    ProductCache.product_main_id == product_main_id,
                    ProductCache.barcode == product_main_id,
                ),
            )
        )
    )
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such product")
    await store_tier(
        session, tenant.tenant_id, rows[0].product_main_id or product_main_id, body.margin_tier
    )
    await session.commit()
    return {
        "product_main_id": product_main_id,
        "margin_tier": body.margin_tier,
        "variants": len(rows),
    }


# --- rules -------------------------------------------------------------------------------------


def _rule_out(row: OfferRule) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "kind": row.kind,
        "priority": row.priority,
        "enabled": row.enabled,
        "trigger": row.trigger,
        "target": row.target,
        "discount_percent": row.discount_percent,
        "note": row.note,
        "updated_at": row.updated_at.isoformat() if row.updated_at else None,
    }


async def _settings(session: Any, tenant_id: uuid.UUID) -> TenantSettings:
    row = await session.get(Tenant, tenant_id)
    return TenantSettings.model_validate(row.settings or {}) if row else TenantSettings()


async def _checked(session: Any, tenant_id: uuid.UUID, spec: RuleSpec) -> None:
    problem = check_ceiling(spec, await _settings(session, tenant_id))
    if problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem)


@router.get("/rules")
async def list_rules(
    session: TenantSessionDep, tenant: TenantContext = require(VIEW)
) -> dict[str, Any]:
    """The tenant's rules, highest priority first, with its discount ceiling."""
    rows = await session.scalars(
        select(OfferRule)
        .where(OfferRule.tenant_id == tenant.tenant_id)
        .order_by(OfferRule.priority.desc(), OfferRule.name)
    )
    settings = await _settings(session, tenant.tenant_id)
    return {
        "rules": [_rule_out(row) for row in rows],
        "max_discount_percent": settings.discounts.max_percent or 0,
        "discount_auto_percent": settings.revenue.discount_auto_percent,
    }


@router.post("/rules", status_code=status.HTTP_201_CREATED)
async def create_rule(
    spec: RuleSpec, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> dict[str, Any]:
    """A new rule; 422 when its discount is over the tenant's maximum, 409 when the name is
    taken."""
    await _checked(session, tenant.tenant_id, spec)
    count = await session.scalar(
        select(func.count()).select_from(OfferRule).where(OfferRule.tenant_id == tenant.tenant_id)
    )
    if (count or 0) >= MAX_RULES:
        raise HTTPException(status.HTTP_409_CONFLICT, f"at most {MAX_RULES} rules")
    row = OfferRule(tenant_id=tenant.tenant_id, **spec.model_dump(mode="json"))
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, "a rule with this name exists") from None
    return _rule_out(row)


async def _owned(session: Any, model: Any, tenant_id: uuid.UUID, key: uuid.UUID, what: str) -> Any:
    """The tenant's row ``key`` of ``model``, locked for the change; 404 for anyone else's."""
    row = await session.scalar(
        select(model).where(model.tenant_id == tenant_id, model.id == key).with_for_update()
    )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what}")
    return row


async def _rule(session: Any, tenant_id: uuid.UUID, rule_id: uuid.UUID) -> OfferRule:
    return await _owned(session, OfferRule, tenant_id, rule_id, "rule")


@router.put("/rules/{offer_rule_id}")
async def replace_rule(
    offer_rule_id: uuid.UUID,
    spec: RuleSpec,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    await _checked(session, tenant.tenant_id, spec)
    row = await _rule(session, tenant.tenant_id, offer_rule_id)
    for key, value in spec.model_dump(mode="json").items():
        setattr(row, key, value)
    try:
        await session.commit()
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, "a rule with this name exists") from None
    return _rule_out(row)


class RuleSwitch(BaseModel):
    enabled: bool


@router.patch("/rules/{offer_rule_id}")
async def switch_rule(
    offer_rule_id: uuid.UUID,
    body: RuleSwitch,
    session: TenantSessionDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    """Switch a rule on or off. Off always works (a rule over a lowered maximum can be switched
    off); on checks the rule against the maximum again."""
    row = await _rule(session, tenant.tenant_id, offer_rule_id)
    if body.enabled and not row.enabled:
        rule = Rule.from_row(row)
        if rule is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "the rule no longer validates"
            )
        await _checked(session, tenant.tenant_id, rule.spec)
    row.enabled = body.enabled
    await session.commit()
    return _rule_out(row)


@router.delete("/rules/{offer_rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_rule(
    offer_rule_id: uuid.UUID, session: TenantSessionDep, tenant: TenantContext = require(MANAGE)
) -> Response:
    row = await _rule(session, tenant.tenant_id, offer_rule_id)
    await session.delete(row)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- payment providers and links ---------------------------------------------------------------


class PaytrAccount(BaseModel):
    merchant_id: str = Field(min_length=1, max_length=32, pattern=r"^\d+$")
    merchant_key: str = Field(min_length=8, max_length=200)
    merchant_salt: str = Field(min_length=8, max_length=200)


class IyzicoAccount(BaseModel):
    api_key: str = Field(min_length=8, max_length=200)
    secret_key: str = Field(min_length=8, max_length=200)


@router.put("/providers/paytr")
async def connect_paytr(
    body: PaytrAccount,
    session: TenantSessionDep,
    services: ServicesDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    """Connect (or replace) the tenant's PayTR merchant account; the key and salt are stored
    encrypted."""
    sealed = services.credentials.seal(
        {"merchant_key": body.merchant_key, "merchant_salt": body.merchant_salt}
    )
    return await _connect(session, tenant.tenant_id, "paytr", body.merchant_id, sealed)


@router.put("/providers/iyzico")
async def connect_iyzico(
    body: IyzicoAccount,
    session: TenantSessionDep,
    services: ServicesDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    """Connect (or replace) the tenant's iyzico merchant account (keys stored encrypted)."""
    sealed = services.credentials.seal({"api_key": body.api_key, "secret_key": body.secret_key})
    return await _connect(session, tenant.tenant_id, "iyzico", body.api_key[:12], sealed)


async def _connect(
    session: Any, tenant_id: uuid.UUID, provider: str, external_id: str, sealed: str
) -> dict[str, Any]:
    row = await session.scalar(
        select(IntegrationAccount).where(
            IntegrationAccount.tenant_id == tenant_id, IntegrationAccount.provider == provider
        )
    )
    if row is None:
        row = IntegrationAccount(tenant_id=tenant_id, provider=provider, external_id=external_id)
        session.add(row)
    row.external_id, row.credentials, row.status, row.last_error = (
        external_id,
        sealed,
        "connected",
        None,
    )
    await session.commit()
    return {"provider": provider, "external_id": external_id, "status": row.status}


LinkStatus = Literal["creating", "sent", "paid", "failed", "expired"]


@router.get("/links")
async def list_links(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    state: Annotated[LinkStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    """Payment links, newest first."""
    query = select(PaymentLink).where(PaymentLink.tenant_id == tenant.tenant_id)
    if state:
        query = query.where(PaymentLink.status == state)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        query.order_by(PaymentLink.created_at.desc()).offset(offset).limit(limit)
    )
    return {
        "total": total or 0,
        "links": [
            {
                "id": str(r.id),
                "reference": r.reference,
                "provider": r.provider,
                "purpose": r.purpose,
                "description": r.description,
                "amount": str(r.amount),
                "paid_amount": str(r.paid_amount) if r.paid_amount is not None else None,
                "currency": r.currency,
                "status": r.status,
                "url": r.url,
                "conversation_id": str(r.conversation_id) if r.conversation_id else None,
                "created_at": r.created_at.isoformat(),
                "expires_at": r.expires_at.isoformat(),
                "paid_at": r.paid_at.isoformat() if r.paid_at else None,
                "last_error": r.last_error,
            }
            for r in rows
        ],
    }


# --- figures -----------------------------------------------------------------------------------


@router.get("/summary")
async def revenue_summary(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> dict[str, Any]:
    """The revenue view: recommendations shown / accepted / declined (by source), payment links
    created in the window by status, the revenue paid in the window (per day in the tenant's
    time zone), leads by score, carts recovered."""
    since = utcnow() - dt.timedelta(days=days)
    tid = tenant.tenant_id
    recs = (
        await session.execute(
            select(Recommendation.source, Recommendation.status, func.count())
            .where(Recommendation.tenant_id == tid, Recommendation.created_at >= since)
            .group_by(Recommendation.source, Recommendation.status)
        )
    ).all()
    by_source: dict[str, dict[str, int]] = {}
    for source, state, count in recs:
        by_source.setdefault(source, {"shown": 0, "accepted": 0, "rejected": 0})
        by_source[source]["shown"] += count
        if state in ("accepted", "rejected"):
            by_source[source][state] += count
    shown = sum(s["shown"] for s in by_source.values())
    accepted = sum(s["accepted"] for s in by_source.values())
    links = (
        await session.execute(
            select(PaymentLink.status, func.count())
            .where(PaymentLink.tenant_id == tid, PaymentLink.created_at >= since)
            .group_by(PaymentLink.status)
        )
    ).all()
    revenue = await session.scalar(
        select(func.coalesce(func.sum(PaymentLink.paid_amount), 0)).where(
            PaymentLink.tenant_id == tid,
            PaymentLink.status == "paid",
            PaymentLink.paid_at >= since,
        )
    )
    bucket = case(
        (Lead.score.is_(None), "unscored"),
        (Lead.score >= 70, "hot"),
        (Lead.score >= 40, "warm"),
        else_="cold",
    )
    leads = (
        await session.execute(
            select(bucket, func.count())
            .where(Lead.tenant_id == tid, Lead.created_at >= since)
            .group_by(bucket)
        )
    ).all()
    carts = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Cart.total), 0)).where(
                Cart.tenant_id == tid, Cart.status == "recovered", Cart.recovered_at >= since
            )
        )
    ).one()
    zone = await session.scalar(select(Tenant.timezone).where(Tenant.id == tid))
    zone = zone or "Europe/Istanbul"
    day = func.date(func.timezone(zone, PaymentLink.paid_at))
    daily = (
        await session.execute(
            select(day, func.sum(PaymentLink.paid_amount))
            .where(
                PaymentLink.tenant_id == tid,
                PaymentLink.status == "paid",
                PaymentLink.paid_at >= since,
            )
            .group_by(day)
            .order_by(day)
        )
    ).all()
    link_counts = {state: count for state, count in links}
    return {
        "days": days,
        "from": since.isoformat(),
        "to": utcnow().isoformat(),
        "timezone": zone,
        "recommendations": {
            "shown": shown,
            "accepted": accepted,
            "rejected": sum(s["rejected"] for s in by_source.values()),
            "acceptance_rate": round(accepted / shown, 4) if shown else None,
            "by_source": by_source,
        },
        "payment_links": {
            "by_status": link_counts,
            "created": sum(link_counts.values()),
            "paid": link_counts.get("paid", 0),
            "revenue": str(Decimal(str(revenue or 0)).quantize(Decimal("0.01"))),
            "daily": [{"day": when.isoformat(), "revenue": str(total)} for when, total in daily],
        },
        "leads": {name: count for name, count in leads},
        "carts": {"recovered": carts[0], "recovered_total": str(carts[1])},
    }


# --- leads and proposals -----------------------------------------------------------------------


def _lead_out(lead: Lead) -> dict[str, Any]:
    return {
        "id": str(lead.id),
        "status": lead.status,
        "company": lead.company,
        "products": lead.products or [],
        "contact_email": lead.contact_email,
        "budget": lead.budget,
        "timing": lead.timing,
        "need": lead.need,
        "score": lead.score,
        "score_reasons": list(lead.score_reasons or []),
        "proposal": lead.proposal,
        "conversation_id": str(lead.conversation_id),
        "created_at": lead.created_at.isoformat() if lead.created_at else None,
        "updated_at": lead.updated_at.isoformat() if lead.updated_at else None,
    }


@router.get("/leads")
async def list_leads(
    session: TenantSessionDep,
    tenant: TenantContext = require(VIEW),
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """B2B leads, best score first, with the reasons of their score and their proposal."""
    rows = await session.scalars(
        select(Lead)
        .where(Lead.tenant_id == tenant.tenant_id)
        .order_by(Lead.score.desc().nulls_last(), Lead.created_at.desc())
        .limit(limit)
    )
    return {"leads": [_lead_out(row) for row in rows]}


class ProposalLineIn(BaseModel):
    product_main_id: str = Field(min_length=1, max_length=100)
    quantity: int = Field(ge=1, le=1_000_000)
    unit_price: Decimal | None = Field(
        None, gt=0, le=10_000_000, description="Default: the catalogue's price."
    )


class ProposalIn(BaseModel):
    lines: list[ProposalLineIn] | None = Field(
        None, max_length=50, description="Default: the lead's products at catalogue prices."
    )
    discount_percent: int = Field(0, ge=0, le=100)
    valid_days: int = Field(7, ge=1, le=90)
    terms: str = Field("", max_length=1000)


async def _lead(session: Any, tenant_id: uuid.UUID, lead_id: uuid.UUID) -> Lead:
    return await _owned(session, Lead, tenant_id, lead_id, "lead")


@router.post("/leads/{lead_id}/proposal")
async def draft_proposal(
    lead_id: uuid.UUID,
    body: ProposalIn,
    session: TenantSessionDep,
    services: ServicesDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    """Draft (or redraft) the lead's proposal: catalogue prices unless a person sets them, a
    discount within the tenant's maximum (422 above it)."""
    from invekto.integrations.catalog import Catalog
    from invekto.revenue.leads import ProposalLine
    from invekto.revenue.proposals import ProposalError, draft_lines, make_draft

    lead = await _lead(session, tenant.tenant_id, lead_id)
    if body.lines is None:
        lines = await draft_lines(Catalog(services, tenant.tenant_id), lead)
    else:
        ids = {line.product_main_id for line in body.lines}
        found = {
            m.product_main_id: m
            for m in models_of(
                await session.scalars(
                    select(ProductCache).where(
                        ProductCache.tenant_id == tenant.tenant_id,
                        ProductCache.product_main_id.in_(ids),
                    )
                ),
                {},
            )
        }
        unknown = sorted(ids - found.keys())
        if unknown:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"not in the catalogue: {', '.join(unknown)}"
            )
        lines = []
        for line in body.lines:
            product = found[line.product_main_id]
            price = line.unit_price if line.unit_price is not None else product.price
            if price is None:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    f"{line.product_main_id} has no catalogue price: give unit_price",
                )
            lines.append(
                ProposalLine(
                    product_main_id=product.product_main_id,
                    title=product.title,
                    quantity=line.quantity,
                    unit_price=Decimal(str(price)).quantize(Decimal("0.01")),
                )
            )
    try:
        proposal = make_draft(
            lines,
            await _settings(session, tenant.tenant_id),
            discount_percent=body.discount_percent,
            valid_days=body.valid_days,
            terms=body.terms.strip(),
            now=utcnow(),
        )
    except ProposalError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    proposal["drafted_by"] = str(tenant.user_id)
    lead.proposal, lead.updated_at = proposal, utcnow()
    await session.commit()
    return _lead_out(lead)


class SendIn(BaseModel):
    with_link: bool = Field(False, description="Also send a payment link for the total.")


@router.post("/leads/{lead_id}/proposal/send")
async def send_proposal(
    lead_id: uuid.UUID,
    body: SendIn,
    session: TenantSessionDep,
    services: ServicesDep,
    tenant: TenantContext = require(MANAGE),
) -> dict[str, Any]:
    """Approve and send the draft: the proposal to the customer, a payment link for its total
    when asked, and the T+24 h follow-up (the ``proposal_sent`` outbound event)."""
    from invekto.revenue.proposals import ProposalError, send
    from invekto.revenue.shelf import payment_provider_for

    lead = await _lead(session, tenant.tenant_id, lead_id)
    settings = await _settings(session, tenant.tenant_id)
    provider = await payment_provider_for(session, tenant.tenant_id, settings)
    try:
        result = await send(
            session,
            lead,
            user_id=tenant.user_id,
            with_link=body.with_link,
            app_settings=services.settings,
            payment_provider=provider,
        )
    except ProposalError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    await session.commit()
    return {"lead": _lead_out(lead), **result}
