"""Stock tools: is a product in stock (in a size/colour), and what can an ordered item be
exchanged for.

Privacy: exchange options are given only for an order of the phone the customer writes from;
someone else's order number comes back as ``not_yours`` with nothing else, as in ``get_order``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.tools import tool
from langgraph.prebuilt import ToolRuntime
from pydantic import BaseModel, Field

from invekto.core.text import fold
from invekto.integrations.catalog import (
    canonical_color,
    color_matches,
    in_stock,
    size_key,
    size_matches,
    variant_order,
)
from invekto.integrations.orders import MarketplaceUnavailable

if TYPE_CHECKING:
    from invekto.storage.models import OrderCache, ProductCache
    from invekto.tools.context import TurnContext

MAX_PRODUCTS = 40


class ProductView(BaseModel):
    """What a customer may learn about one variant (barcode) of a product."""

    title: str
    product_main_id: str
    barcode: str
    color: str | None = None
    size: str | None = None
    in_stock: bool
    quantity: int = Field(description="units that can be sold now (0 when not on sale)")
    sale_price: str | None = Field(default=None, description='e.g. "449.99" (TRY)')
    product_url: str | None = None
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="the catalogue's own attributes (Materyal, Garanti Süresi...), not colour or "
        "size",
    )


VARIANT_ATTRIBUTES = frozenset({"renk", "beden", "numara", "yas", "web color"})
"""Attribute names that are the variant's colour or size (already ``color`` / ``size``)."""
MAX_ATTRIBUTES = 20


def catalogue_attributes(items: Any) -> dict[str, str]:
    """A Trendyol product's ``attributes`` list as name → value, without the colour and size."""
    found: dict[str, str] = {}
    if not isinstance(items, list):
        return found
    for item in items[:MAX_ATTRIBUTES]:
        if not isinstance(item, dict):
            continue
        name, value = item.get("attributeName"), item.get("attributeValue")
        if not isinstance(name, str) or not isinstance(value, str) or not value.strip():
            continue
        if fold(name) in VARIANT_ATTRIBUTES:
            continue
        found[name.strip()[:60]] = value.strip()[:120]
    return found


class StockResult(BaseModel):
    reason: Literal["ok", "not_found", "unavailable"]
    products: list[ProductView] = Field(
        default_factory=list, description="variants matching the product, size and colour asked"
    )
    alternatives: list[ProductView] = Field(
        default_factory=list,
        description="when none of ``products`` is in stock (or the product exists but not in "
        "the asked size/colour): the product's other variants, in stock first, then those of "
        "the asked colour, then of the asked size",
    )
    stale: bool = False


class ExchangeOptions(BaseModel):
    reason: Literal["ok", "not_found", "not_yours", "unavailable", "no_product"]
    current: ProductView | None = Field(default=None, description="the variant that was ordered")
    options: list[ProductView] = Field(
        default_factory=list, description="other variants of the same product, in stock first"
    )
    stale: bool = False


def product_view(row: ProductCache) -> ProductView:
    available = in_stock(row)
    return ProductView(
        title=row.title,
        product_main_id=row.product_main_id,
        barcode=row.barcode,
        color=row.color,
        size=row.size,
        in_stock=available,
        quantity=row.quantity if row.on_sale else 0,
        sale_price=f"{row.sale_price:.2f}" if row.sale_price is not None else None,
        product_url=row.product_url,
        attributes=catalogue_attributes(row.attributes),
    )


@tool
async def check_stock(
    product: str, runtime: ToolRuntime, size: str | None = None, color: str | None = None
) -> StockResult:
    """Check whether a product of the shop is in stock, optionally in a size ("M", "42",
    "7-8 Yaş") and/or colour ("siyah", "beyaz"). ``product`` is the customer's words for it
    ("keten gömlek", "spor ayakkabı"). Lists the matching variants with stock and price; when
    none of them is in stock, or the product exists but not in that size/colour, its other
    variants come as alternatives (in stock first, then the asked colour, then the asked
    size)."""
    context: TurnContext = runtime.context
    catalog = context.ports.catalogue
    try:
        found = await catalog.search(product, size=size, color=color)
        if any(in_stock(r) for r in found.products):
            return StockResult(
                reason="ok",
                products=[product_view(r) for r in found.products[:MAX_PRODUCTS]],
                stale=found.stale,
            )
        broader = await catalog.search(product, infer_filters=False)
    except MarketplaceUnavailable:
        return StockResult(reason="unavailable")
    listed = {r.barcode for r in found.products}
    wanted_color, wanted_size = canonical_color(color), size_key(size)
    alternatives = sorted(
        (r for r in broader.products if r.barcode not in listed),
        key=lambda r: (  # in stock first, then the colour asked, then the size asked
            not in_stock(r),
            wanted_color is not None and canonical_color(r.color) != wanted_color,
            wanted_size is not None and not size_matches(size, r.size),
            variant_order(r),
        ),
    )
    return StockResult(
        reason="ok" if found.products else "not_found",
        products=[product_view(r) for r in found.products[:MAX_PRODUCTS]],
        alternatives=[product_view(r) for r in alternatives[:MAX_PRODUCTS]],
        stale=found.stale or broader.stale,
    )


@dataclass(frozen=True, slots=True)
class _Candidate:
    current: ProductCache
    others: list[ProductCache]
    matching: list[ProductCache]


@tool
async def exchange_options(
    order_number: str, runtime: ToolRuntime, size: str | None = None, color: str | None = None
) -> ExchangeOptions:
    """For a size/colour exchange: the variant the customer ordered in ``order_number`` and the
    other variants of the same product with their stock, limited to the asked ``size`` and/or
    ``color`` when given. Only for the customer's own orders."""
    context: TurnContext = runtime.context
    directory = context.ports.orders
    try:
        lookup = await directory.by_number(order_number.strip())
    except MarketplaceUnavailable:
        return ExchangeOptions(reason="unavailable")
    if not lookup.orders:
        return ExchangeOptions(reason="not_found", stale=lookup.stale)
    if any(row.customer_phone != context.customer_phone for row in lookup.orders):
        return ExchangeOptions(reason="not_yours")
    catalog = context.ports.catalogue
    candidates: list[_Candidate] = []
    try:
        for line in _order_lines(lookup.orders):
            ordered = (await catalog.for_order_line(line)).products
            if not ordered:
                continue
            current = ordered[0]
            variants = (await catalog.variants(current.product_main_id)).products
            others = [v for v in variants if v.barcode != current.barcode]
            matching = [
                v for v in others if size_matches(size, v.size) and color_matches(color, v.color)
            ]
            candidates.append(_Candidate(current, others, matching))
        stale = lookup.stale or await catalog.refresh()
    except MarketplaceUnavailable:
        return ExchangeOptions(reason="unavailable", stale=lookup.stale)
    if not candidates:
        return ExchangeOptions(reason="no_product", stale=stale)
    asked = bool(size or color)
    chosen = next((c for c in candidates if c.matching), candidates[0]) if asked else candidates[0]
    options = chosen.matching if asked else chosen.others
    return ExchangeOptions(
        reason="ok",
        current=product_view(chosen.current),
        options=[product_view(v) for v in _closest_first(options, chosen.current)],
        stale=stale,
    )


def _order_lines(orders: list[OrderCache]) -> list[Mapping[str, Any]]:
    """Every line of the order's packages, as Trendyol sent it (with the barcode) when the raw
    package is kept, else as cached."""
    lines: list[Mapping[str, Any]] = []
    for row in orders:
        raw_lines = (row.raw or {}).get("lines") or []
        lines.extend(raw_lines if raw_lines else row.lines)
    return lines


def _closest_first(options: list[ProductCache], current: ProductCache) -> list[ProductCache]:
    """In stock first; then the same colour, then the same size as the ordered variant."""
    colour, size = canonical_color(current.color), size_key(current.size)
    return sorted(
        options,
        key=lambda v: (
            not in_stock(v),
            canonical_color(v.color) != colour,
            size_key(v.size) != size,
            variant_order(v),
        ),
    )
