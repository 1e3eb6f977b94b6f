"""Recommendations: what to offer with the product a customer is looking at.

Pure: it gets the tenant's offered products (one :class:`ProductView` per model), its rules, the
"bought together" counts and what the customer already bought, and returns the picks, best first:

- the tenant's rules whose trigger holds for the product in focus (higher priority first);
- products bought together with it in the tenant's own orders (after every rule);
- never a product out of stock, the product itself, or one the customer already bought;
- between equal fits, the higher margin tier, then the better stocked;
- "son N adet" only when the stock says N (``scarce``), at or under ``settings.revenue.low_stock``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from invekto.core.tenant_settings import TenantSettings
from invekto.revenue.rules import Discount, ProductView, Rule, discount_for, tier_rank

MAX_PICKS = 3
TOGETHER_MIN_ORDERS = 2
"""Pairs seen in fewer orders are chance, not a pattern."""


@dataclass(frozen=True, slots=True)
class Pick:
    product: ProductView
    source: str
    """bundle | upsell | cross_sell | together"""
    rule_id: str | None = None
    rule_name: str | None = None
    discount: Discount = field(default_factory=lambda: Discount(0, False))
    fit: int = 0
    scarce: int | None = None
    """The stock, when it is low enough to say so."""


def recommend(
    focus: ProductView | None,
    products: Sequence[ProductView],
    rules: Iterable[Rule],
    settings: TenantSettings,
    *,
    together: Mapping[str, int] | None = None,
    bought: Iterable[str] = (),
    limit: int = MAX_PICKS,
) -> list[Pick]:
    """The picks for ``focus`` (None: nothing in focus, no picks)."""
    if focus is None or not settings.revenue.recommendations:
        return []
    owned = set(bought) | {focus.product_main_id}
    offered = [p for p in products if p.stock > 0 and p.product_main_id not in owned]
    found: dict[str, Pick] = {}
    ordered_rules = sorted(
        (r for r in rules if r.spec.enabled), key=lambda r: (-r.spec.priority, r.spec.name)
    )
    for rule in ordered_rules:
        spec = rule.spec
        if not spec.trigger.matches(focus):
            continue
        for product in offered:
            if product.product_main_id in found or not spec.target.matches(product, focus):
                continue
            found[product.product_main_id] = Pick(
                product=product,
                source=spec.kind,
                rule_id=rule.id,
                rule_name=spec.name,
                discount=discount_for(spec.discount_percent, settings)
                if spec.kind == "bundle"
                else Discount(0, False),
                fit=1000 + spec.priority,
            )
    for product in offered:
        count = (together or {}).get(product.product_main_id, 0)
        if count >= TOGETHER_MIN_ORDERS and product.product_main_id not in found:
            found[product.product_main_id] = Pick(
                product=product, source="together", fit=min(count, 999)
            )
    low = settings.revenue.low_stock
    ranked = sorted(
        found.values(),
        key=lambda p: (
            -p.fit,
            -tier_rank(p.product.margin_tier),
            -p.product.stock,
            p.product.title,
        ),
    )
    return [
        Pick(
            product=p.product,
            source=p.source,
            rule_id=p.rule_id,
            rule_name=p.rule_name,
            discount=p.discount,
            fit=p.fit,
            scarce=p.product.stock if 0 < p.product.stock <= low else None,
        )
        for p in ranked[:limit]
    ]


def upgrade_for(
    focus: ProductView, products: Sequence[ProductView], rules: Iterable[Rule]
) -> list[ProductView]:
    """Higher-tier products the tenant's upsell rules offer instead of ``focus`` ("bundan daha
    iyisi var mı"), in stock, best tier first."""
    picks = []
    for rule in rules:
        spec = rule.spec
        if spec.enabled and spec.kind == "upsell" and spec.trigger.matches(focus):
            picks += [
                p
                for p in products
                if p.stock > 0 and spec.target.matches(p, focus) and p not in picks
            ]
    return sorted(picks, key=lambda p: (-tier_rank(p.margin_tier), -p.stock, p.title))
