"""Offer rules: what a tenant offers with a product, and the discount ceiling over all of them.

Three kinds, each a trigger (the product the customer is looking at) and a target (what to
offer with it):

- ``bundle``: "Keten gömlek + hasır çanta → %10": the target products together with the trigger,
  at a discount;
- ``upsell``: "a low-tier product → the high tier of the same category";
- ``cross_sell``: "a main product → an accessory" (a category or named products).

A selector picks products by id (``product_main_id``), category or margin tier; every criterion
given must hold. Rules are tried by priority (higher first). However a rule is written, the
discount a customer sees is capped by the tenant's maximum (``settings.discounts.max_percent``),
and above ``settings.revenue.discount_auto_percent`` it waits for a person
(:func:`discount_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from invekto.core.tenant_settings import TenantSettings
from invekto.core.text import fold

Tier = Literal["low", "medium", "high"]
TIERS: tuple[str, ...] = ("low", "medium", "high")
KINDS = ("bundle", "upsell", "cross_sell")
MAX_IDS = 50
MAX_RULES = 200


def tier_rank(tier: str | None) -> int:
    return TIERS.index(tier) if tier in TIERS else 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _clean_list(values: list[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value[:200])
    return seen


class Selector(_Strict):
    products: list[str] = Field(default_factory=list, max_length=MAX_IDS)
    categories: list[str] = Field(default_factory=list, max_length=MAX_IDS)
    tiers: list[Tier] = Field(default_factory=list, max_length=3)

    _lists = field_validator("products", "categories")(_clean_list)

    def empty(self) -> bool:
        return not (self.products or self.categories or self.tiers)

    def matches(self, product: ProductView) -> bool:
        return (
            not self.empty()
            and (not self.products or product.product_main_id in self.products)
            and (not self.categories or _same(product.category, self.categories))
            and (not self.tiers or product.margin_tier in self.tiers)
        )


class Target(_Strict):
    products: list[str] = Field(default_factory=list, max_length=MAX_IDS)
    categories: list[str] = Field(default_factory=list, max_length=MAX_IDS)
    tier: Tier | None = None
    """Upsell: offer this tier."""
    same_category: bool = False
    """Only products of the trigger product's category (an upsell's default)."""

    _lists = field_validator("products", "categories")(_clean_list)

    def matches(self, product: ProductView, trigger: ProductView) -> bool:
        if product.product_main_id == trigger.product_main_id:
            return False
        if self.products and product.product_main_id not in self.products:
            return False
        if self.categories and not _same(product.category, self.categories):
            return False
        if self.tier and product.margin_tier != self.tier:
            return False
        return not self.same_category or fold(product.category) == fold(trigger.category)


class RuleSpec(_Strict):
    """A rule as the API and the seed write it."""

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["bundle", "upsell", "cross_sell"]
    priority: int = Field(100, ge=0, le=1000)
    enabled: bool = True
    trigger: Selector
    target: Target
    discount_percent: int = Field(0, ge=0, le=100)
    note: str = Field("", max_length=1000)

    @model_validator(mode="after")
    def _coherent(self) -> RuleSpec:
        if self.trigger.empty():
            raise ValueError("trigger: name products, categories or margin tiers")
        if self.kind == "upsell":
            if self.target.tier is None:
                raise ValueError("an upsell names the tier it offers (target.tier)")
            below = [t for t in self.trigger.tiers if tier_rank(t) >= tier_rank(self.target.tier)]
            if below:
                raise ValueError("an upsell offers a higher tier than its trigger's")
            if not (self.target.products or self.target.categories):
                object.__setattr__(self.target, "same_category", True)
        elif not (self.target.products or self.target.categories):
            raise ValueError(f"a {self.kind} names the products or categories it offers")
        if self.kind != "bundle" and self.discount_percent:
            raise ValueError("only a bundle gives a discount")
        return self


def check_ceiling(spec: RuleSpec, settings: TenantSettings) -> str | None:
    """Why a rule cannot be saved as written (its discount over the tenant's maximum)."""
    ceiling = settings.discounts.max_percent or 0
    if spec.discount_percent > ceiling:
        return (
            f"discount_percent {spec.discount_percent} is over the tenant's maximum discount "
            f"({ceiling}%, settings.discounts.max_percent)"
        )
    return None


@dataclass(frozen=True, slots=True)
class Discount:
    percent: int
    """What the customer may be offered: the rule's, capped by the tenant's maximum."""
    needs_review: bool
    """Above the auto-approve limit: a person accepts the reply first."""
    capped: bool = False


def discount_for(rule_percent: int, settings: TenantSettings) -> Discount:
    """The hard ceiling: never above ``discounts.max_percent`` (unset: no discount at all), and
    a person decides above ``revenue.discount_auto_percent``."""
    ceiling = settings.discounts.max_percent or 0
    percent = max(0, min(int(rule_percent), ceiling))
    auto = min(settings.revenue.discount_auto_percent, ceiling)
    return Discount(
        percent=percent, needs_review=percent > auto, capped=percent < max(0, rule_percent)
    )


@dataclass(frozen=True, slots=True)
class ProductView:
    """One product model as the recommender sees it (its in-stock variants summed)."""

    product_main_id: str
    title: str
    category: str
    margin_tier: str
    price: Any
    stock: int
    url: str | None
    provider: str
    barcode: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    spec: RuleSpec

    @classmethod
    def from_row(cls, row: Any) -> Rule | None:
        """A stored rule; one that no longer validates is skipped (logged by the caller)."""
        try:
            spec = RuleSpec.model_validate(
                {
                    "name": row.name,
                    "kind": row.kind,
                    "priority": row.priority,
                    "enabled": row.enabled,
                    "trigger": row.trigger,
                    "target": row.target,
                    "discount_percent": row.discount_percent,
                    "note": row.note,
                }
            )
        except ValueError:
            return None
        return cls(id=str(row.id), spec=spec)


def _same(category: str, wanted: list[str]) -> bool:
    folded = fold(category)
    return any(fold(c) == folded for c in wanted)
