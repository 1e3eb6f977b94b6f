"""The revenue agent's tools: recommendations for the product in focus, and a payment link for
products of the catalogue. Prices, stock and discounts come from the catalogue and the tenant's
rules (capped by its maximum discount), never from the model; both tools only propose."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, Field, SerializeAsAny

from invekto.integrations.orders import MarketplaceUnavailable
from invekto.integrations.payments.iyzico import FAST_LINK_MAX_TRY
from invekto.revenue.payments import (
    PURPOSES,
    PaymentLinkOffer,
    RecommendationShown,
    money,
    new_reference,
)
from invekto.revenue.recommend import Pick, recommend
from invekto.revenue.rules import ProductView, Rule, discount_for, tier_rank
from invekto.revenue.shelf import MARKETPLACES
from invekto.tools.actions import Action

if TYPE_CHECKING:
    from invekto.tools.context import TurnContext

MAX_QUANTITY = 999


def product_json(product: ProductView) -> dict[str, Any]:
    return {
        "product_main_id": product.product_main_id,
        "title": product.title,
        "category": product.category,
        "price": str(product.price) if product.price is not None else None,
        "stock": product.stock,
        "url": product.url,
        "provider": product.provider,
        "margin_tier": product.margin_tier,
    }


def pick_json(pick: Pick, focus: ProductView) -> dict[str, Any]:
    data = product_json(pick.product) | {
        "source": pick.source,
        "rule_id": pick.rule_id,
        "rule": pick.rule_name,
        "discount_percent": pick.discount.percent,
        "needs_review": pick.discount.needs_review,
        "scarce": pick.scarce,
    }
    if pick.discount.percent and focus.price is not None and pick.product.price is not None:
        whole = money(focus.price) + money(pick.product.price)
        data["bundle_total"] = str(whole)
        data["bundle_price"] = str(money(whole * (100 - pick.discount.percent) / 100))
    return data


LOGGED = (
    "product_main_id",
    "title",
    "source",
    "rule_id",
    "price",
    "discount_percent",
    "margin_tier",
)
"""What a shown pick keeps in ``recommendations``."""


def logged(pick: dict[str, Any]) -> dict[str, Any]:
    return {key: pick[key] for key in LOGGED}


class RecommendResult(BaseModel):
    reason: str
    """picks | none (nothing in stock fits) | no_product (nothing in focus) | off"""
    focus: dict[str, Any] | None = None
    named: list[str] = Field(default_factory=list)
    need: bool = False
    """The picks fit a stated need (no product in focus): the products themselves."""
    """Every product the words named, best match first (a bundle question names two)."""
    from_history: bool = False
    """Nothing was named or in focus: the focus is the customer's last purchase."""
    picks: list[dict[str, Any]] = Field(default_factory=list)
    action: SerializeAsAny[Action] | None = None


async def _named(
    context: TurnContext, products: list[ProductView], product: str
) -> list[ProductView]:
    """The products ``product`` names: its id, else the best catalogue matches (distinct)."""
    by_id = next((p for p in products if p.product_main_id == product), None)
    if by_id is not None or not product.strip():
        return [by_id] if by_id is not None else []
    found = await context.ports.catalogue.search(product, infer_filters=False, limit=20)
    views = {p.product_main_id: p for p in products}
    named: list[ProductView] = []
    for row in found.products:
        view = views.get(row.product_main_id)
        if view is not None and view not in named:
            named.append(view)
    return named[:3]


@tool
async def recommend_products(
    runtime: ToolRuntime, product: str = "", history: bool = False, need: bool = False
) -> RecommendResult:
    """Products to offer with ``product`` (its id, or words naming it): the tenant's bundle,
    upsell and cross-sell rules and what its customers buy together; in stock only. With
    ``history``, when nothing is named: what goes with the customer's last purchase. With
    ``need`` ("yazlık bir elbise önerir misiniz"): the products the words describe, in stock,
    the higher margin first among them."""
    context: TurnContext = runtime.context
    settings = context.tenant.settings
    shelf = context.ports.shelf
    if shelf is None or not settings.revenue.recommendations:
        return RecommendResult(reason="off")
    products = await shelf.products()
    named = await _named(context, products, product)
    if need:
        fits = [p for p in named if p.stock > 0]
        if fits:
            return _need_picks(fits, settings)
    focus = named[0] if named else None
    if focus is None and history and context.customer_phone:
        with contextlib.suppress(MarketplaceUnavailable):
            await context.ports.orders.for_phone(context.customer_phone)  # the mirror, fresh
    bought = await shelf.bought(context.customer_phone)
    from_history = False
    if focus is None and not history:
        return RecommendResult(reason="no_product")
    rules: list[Rule] = await shelf.rules()
    if focus is None:
        # Nothing named or in focus: what goes with what they bought, the latest first (the
        # first of their purchases that something goes with).
        by_id = {p.product_main_id: p for p in products}
        candidates = [by_id[i] for i in bought if i in by_id]
        if not candidates:
            return RecommendResult(reason="no_product")
        from_history = True
        focus, picks = candidates[0], []
        for candidate in candidates[:5]:
            found = recommend(
                candidate,
                products,
                rules,
                settings,
                together=await shelf.together(candidate.product_main_id),
                bought=bought,
            )
            if found:
                focus, picks = candidate, found
                break
    else:
        picks = recommend(
            focus,
            products,
            rules,
            settings,
            together=await shelf.together(focus.product_main_id),
            bought=bought,
        )
    if not picks:
        return RecommendResult(
            reason="none",
            focus=product_json(focus),
            named=[p.product_main_id for p in named],
            from_history=from_history,
        )
    shown = [pick_json(p, focus) for p in picks]
    return RecommendResult(
        reason="picks",
        focus=product_json(focus),
        named=[p.product_main_id for p in named],
        from_history=from_history,
        picks=shown,
        action=RecommendationShown(
            for_product=focus.product_main_id,
            picks=[logged(item) for item in shown],
        ),
    )


def _need_picks(fits: list[ProductView], settings: Any) -> RecommendResult:
    """The products that fit a stated need, best match first; between the two best, when they
    match alike, the higher margin (the catalogue ranks them by the words, not by margin)."""
    low = settings.revenue.low_stock
    ranked = sorted(
        enumerate(fits), key=lambda pair: (pair[0] // 2, -tier_rank(pair[1].margin_tier))
    )
    shown = [
        product_json(p)
        | {
            "source": "need",
            "rule_id": None,
            "rule": None,
            "discount_percent": 0,
            "needs_review": False,
            "scarce": p.stock if 0 < p.stock <= low else None,
        }
        for _, p in ranked[:3]
    ]
    return RecommendResult(
        reason="picks",
        need=True,
        named=[p.product_main_id for p in fits],
        picks=shown,
        action=RecommendationShown(
            for_product=None,
            picks=[logged(item) for item in shown],
        ),
    )


def _language(runtime: ToolRuntime) -> str:
    """The conversation's language (the link's messages are written in it)."""
    state = runtime.state if isinstance(runtime.state, dict) else {}
    return str(state.get("language") or "tr")


class PaymentLinkResult(BaseModel):
    reason: str
    """ready | marketplace (paid on the marketplace: its product page) | no_provider |
    not_found | out_of_stock | no_price | over_provider_limit (iyzico's Fast Link cap)"""
    products: list[dict[str, Any]] = Field(default_factory=list)
    quantity: int = 1
    amount: str | None = None
    discount_percent: int = 0
    needs_review: bool = False
    valid_hours: int = 0
    provider: str | None = None
    action: SerializeAsAny[Action] | None = None


@tool
async def prepare_payment_link(
    runtime: ToolRuntime,
    product_main_ids: list[str],
    quantity: int = 1,
    purpose: str = "product",
) -> PaymentLinkResult:
    """A payment link for these catalogue products (a bundle: the first with the others at the
    rule's discount). Marketplace products are paid on the marketplace: their page instead."""
    context: TurnContext = runtime.context
    settings = context.tenant.settings
    shelf = context.ports.shelf
    if shelf is None:
        return PaymentLinkResult(reason="no_provider")
    quantity = max(1, min(int(quantity), MAX_QUANTITY))
    products = {p.product_main_id: p for p in await shelf.products()}
    chosen = [products[i] for i in dict.fromkeys(product_main_ids) if i in products]
    if not chosen:
        return PaymentLinkResult(reason="not_found")
    listed = [product_json(p) for p in chosen]
    if any(p.provider in MARKETPLACES for p in chosen):
        return PaymentLinkResult(reason="marketplace", products=listed, quantity=quantity)
    if any(p.stock < quantity for p in chosen):
        return PaymentLinkResult(reason="out_of_stock", products=listed, quantity=quantity)
    if any(p.price is None for p in chosen):
        return PaymentLinkResult(reason="no_price", products=listed, quantity=quantity)
    provider = await shelf.payment_provider(settings)
    if provider is None:
        return PaymentLinkResult(reason="no_provider", products=listed, quantity=quantity)
    percent, review_discount = 0, False
    if len(chosen) > 1:
        rules = await shelf.rules()
        bundle = next(
            (
                r
                for r in sorted(rules, key=lambda r: -r.spec.priority)
                if r.spec.kind == "bundle"
                and r.spec.trigger.matches(chosen[0])
                and all(r.spec.target.matches(p, chosen[0]) for p in chosen[1:])
            ),
            None,
        )
        if bundle is not None:
            discount = discount_for(bundle.spec.discount_percent, settings)
            percent, review_discount = discount.percent, discount.needs_review
    items = [
        {
            "product_main_id": p.product_main_id,
            "barcode": p.barcode,
            "title": p.title,
            "quantity": quantity,
            "unit_price": str(money(p.price)),
            "discount_percent": percent,
        }
        for p in chosen
    ]
    whole = sum((money(p.price) * quantity for p in chosen), Decimal(0))
    amount = money(whole * (100 - percent) / 100)
    revenue = settings.revenue
    if provider == "iyzico" and amount > FAST_LINK_MAX_TRY:
        # iyzico's Fast Link collects at most 750 TRY: a person sends a checkout form instead.
        return PaymentLinkResult(
            reason="over_provider_limit", products=listed, quantity=quantity, amount=str(amount)
        )
    needs_review = review_discount or amount > Decimal(str(revenue.link_auto_limit))
    description = " + ".join(p.title for p in chosen)
    if quantity > 1:
        description = f"{description} × {quantity}"
    return PaymentLinkResult(
        reason="ready",
        products=listed,
        quantity=quantity,
        amount=str(amount),
        discount_percent=percent,
        needs_review=needs_review,
        valid_hours=revenue.link_valid_hours,
        provider=provider,
        action=PaymentLinkOffer(
            reference=new_reference(),
            provider=provider,
            purpose=purpose if purpose in PURPOSES else "product",
            description=description[:200],
            items=items,
            amount=str(amount),
            language=_language(runtime),
            valid_hours=revenue.link_valid_hours,
            max_installment=revenue.max_installment,
        ),
    )


@tool
async def prepare_deposit_link(runtime: ToolRuntime) -> PaymentLinkResult:
    """A payment link for the clinic's deposit (``settings.clinic.deposit``, TRY) to hold the
    patient's next appointment; the amount is the clinic's setting, never the model's."""
    context: TurnContext = runtime.context
    settings = context.tenant.settings
    shelf = context.ports.shelf
    desk = context.ports.clinic
    amount = money(settings.clinic.deposit) if settings.clinic.deposit else None
    if amount is None or shelf is None or desk is None:
        return PaymentLinkResult(reason="no_price")
    upcoming = await desk.upcoming(context.customer_id, context.ports.clock())
    if not upcoming:
        return PaymentLinkResult(reason="no_appointment", amount=str(amount))
    provider = await shelf.payment_provider(settings)
    if provider is None:
        return PaymentLinkResult(reason="no_provider", amount=str(amount))
    if provider == "iyzico" and amount > FAST_LINK_MAX_TRY:
        return PaymentLinkResult(reason="over_provider_limit", amount=str(amount))
    revenue = settings.revenue
    appointment = upcoming[0]
    day = appointment.starts_at.astimezone(ZoneInfo(context.tenant.timezone))
    description = f"{context.tenant.name} kapora {day:%d.%m.%Y %H:%M}"[:200]
    return PaymentLinkResult(
        reason="ready",
        amount=str(amount),
        needs_review=amount > Decimal(str(revenue.link_auto_limit)),
        valid_hours=revenue.link_valid_hours,
        provider=provider,
        action=PaymentLinkOffer(
            reference=new_reference(),
            provider=provider,
            purpose="deposit",
            description=description,
            items=[{"appointment_id": str(appointment.id), "title": description}],
            amount=str(amount),
            language=_language(runtime),
            valid_hours=revenue.link_valid_hours,
            max_installment=1,
        ),
    )
