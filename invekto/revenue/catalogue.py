"""The seller's catalogue beyond the marketplace mirror: products of its own shop and the margin
tier of every product, imported from a CSV.

A row whose barcode is a marketplace product sets only its margin tier (price and stock come from
the marketplace's sync). Any other row is a product of the seller's own shop (``provider =
"own"``): created or updated whole. A row is imported whole or rejected with its line and
reason (a missing title, a price that is not a number, a barcode twice in the file); the good
rows are kept, all in the caller's one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invekto.core.csvrows import CsvError, RowError, read_csv
from invekto.revenue.shelf import set_margin_tier
from invekto.storage.models import ProductCache, utcnow

OWN = "own"
MAX_CSV_BYTES = 4 * 1024 * 1024
MAX_CSV_ROWS = 10_000
MAX_PRICE = Decimal("10000000")
MAX_STOCK = 10_000_000

ALIASES: dict[str, tuple[str, ...]] = {
    "barcode": ("barcode", "barkod", "ean", "gtin"),
    "product_main_id": (
        "productmainid",
        "modelcode",
        "modelkodu",
        "model",
        "urunkodu",
        "anaurunkodu",
        "productcode",
    ),
    "stock_code": ("stockcode", "sku", "stokkodu", "merchantsku", "saticistokkodu"),
    "title": ("title", "name", "productname", "urunadi", "urunismi", "baslik", "urun"),
    "category": ("category", "kategori", "categoryname", "kategoriadi"),
    "brand": ("brand", "marka"),
    "color": ("color", "colour", "renk"),
    "size": ("size", "beden", "numara"),
    "price": ("price", "saleprice", "fiyat", "satisfiyati", "indirimlifiyat"),
    "list_price": ("listprice", "listefiyati", "piyasasatisfiyati", "pssf"),
    "stock": ("stock", "quantity", "stok", "stokadedi", "adet", "miktar"),
    "margin_tier": ("margintier", "margin", "marj", "marjseviyesi", "karmarji", "kar"),
    "status": ("status", "durum", "satista", "active", "aktif"),
    "url": ("url", "link", "productlink", "urunlinki", "urunurl"),
}
TIER_WORDS = {
    "low": "low",
    "dusuk": "low",
    "düşük": "low",
    "medium": "medium",
    "orta": "medium",
    "mid": "medium",
    "high": "high",
    "yuksek": "high",
    "yüksek": "high",
}
ON_WORDS = {"active", "aktif", "on", "yes", "evet", "1", "true", "satista", "satışta"}
OFF_WORDS = {"passive", "pasif", "off", "no", "hayir", "hayır", "0", "false", "kapali", "kapalı"}


class CatalogueImportError(ValueError):
    """The file as a whole cannot be imported."""


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    tiers_set: int = 0
    rejected: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "tiers_set": self.tiers_set,
            "rejected": [error.as_dict() for error in self.rejected],
        }


def _tier(value: str) -> str:
    tier = TIER_WORDS.get(value.strip().lower())
    if tier is None:
        raise ValueError(
            f"margin tier {value!r} is not one of low, medium, high (düşük, orta, yüksek)"
        )
    return tier


def _price(value: str, name: str) -> Decimal:
    text = value.strip().replace("TL", "").replace("₺", "").strip()
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")  # 1.049,70
    else:
        text = text.replace(",", ".")
    try:
        price = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not price.is_finite() or price <= 0 or price > MAX_PRICE:
        raise ValueError(f"{name} must be above 0 and at most {MAX_PRICE}")
    if price != price.quantize(Decimal("0.01")):
        raise ValueError(f"{name} {value!r} has more than 2 decimals")
    return price


def _stock(value: str) -> int:
    try:
        stock = int(value.strip())
    except ValueError:
        raise ValueError(f"stock {value!r} is not a whole number") from None
    if not 0 <= stock <= MAX_STOCK:
        raise ValueError(f"stock must be between 0 and {MAX_STOCK}")
    return stock


def _status(value: str) -> bool:
    word = value.strip().lower()
    if word in ON_WORDS:
        return True
    if word in OFF_WORDS:
        return False
    raise ValueError(f"status {value!r} is not active or passive (aktif / pasif)")


def _own_product(values: dict[str, str]) -> dict[str, Any]:
    title = values.get("title", "")
    if not title:
        raise ValueError("title is required for a product of your own shop")
    if "price" not in values or not values["price"]:
        raise ValueError("price is required for a product of your own shop")
    row: dict[str, Any] = {
        "title": title[:500],
        "product_main_id": (values.get("product_main_id") or values["barcode"])[:100],
        "stock_code": (values.get("stock_code") or values["barcode"])[:100],
        "category": values.get("category", "")[:200],
        "brand": values.get("brand", "")[:200],
        "color": values.get("color") or None,
        "size": values.get("size") or None,
        "sale_price": _price(values["price"], "price"),
        "list_price": _price(values["list_price"], "list_price")
        if values.get("list_price")
        else None,
        "quantity": _stock(values["stock"]) if values.get("stock") else 0,
        "on_sale": _status(values["status"]) if values.get("status") else True,
    }
    url = values.get("url")
    if url:
        if not url.startswith(("https://", "http://")) or len(url) > 500:
            raise ValueError("url must be an http(s) address of at most 500 characters")
        row["product_url"] = url
    return row


async def import_csv(session: AsyncSession, tenant_id: uuid.UUID, data: bytes) -> ImportReport:
    """Import a catalogue CSV into the tenant's products (the caller commits)."""
    try:
        rows = read_csv(data, ALIASES, max_bytes=MAX_CSV_BYTES, max_rows=MAX_CSV_ROWS)
    except CsvError as exc:
        raise CatalogueImportError(str(exc)) from exc
    if "barcode" not in rows.present():
        raise CatalogueImportError(
            "no barcode column (expected barcode / barkod); headers were: "
            + ", ".join(h[:40] for h in rows.headers[:20])
        )
    existing = {
        row.barcode: row
        for row in await session.scalars(
            select(ProductCache).where(ProductCache.tenant_id == tenant_id)
        )
    }
    report = ImportReport()
    seen: dict[str, int] = {}
    tiers: dict[str, str] = {}
    try:
        for line, values in rows:
            barcode = values.get("barcode", "")[:64]
            if not barcode:
                report.rejected.append(RowError(line, "barcode is empty"))
                continue
            if barcode in seen:
                report.rejected.append(
                    RowError(line, f"barcode {barcode} repeats line {seen[barcode]}")
                )
                continue
            seen[barcode] = line
            current = existing.get(barcode)
            try:
                tier = _tier(values["margin_tier"]) if values.get("margin_tier") else None
                if current is not None and current.provider != OWN:
                    if tier is None:
                        raise ValueError(
                            f"{current.provider} product: only its margin tier can be set here "
                            "(price and stock come from the marketplace)"
                        )
                    tiers[current.product_main_id or barcode] = tier
                    report.tiers_set += 1
                    continue
                product = _own_product(values)
            except ValueError as exc:
                report.rejected.append(RowError(line, str(exc)[:300]))
                continue
            if tier is not None:
                tiers[product["product_main_id"]] = tier
            if current is None:
                session.add(
                    ProductCache(
                        tenant_id=tenant_id,
                        integration_account_id=None,
                        provider=OWN,
                        barcode=barcode,
                        raw={},
                        synced_at=utcnow(),
                        **product,
                    )
                )
                report.created += 1
            else:
                for key, value in product.items():
                    setattr(current, key, value)
                current.synced_at = utcnow()
                report.updated += 1
    except CsvError as exc:
        raise CatalogueImportError(str(exc)) from exc
    report.rows = rows.rows
    report.rejected = sorted([*rows.errors, *report.rejected], key=lambda e: e.line)
    await session.flush()
    for product_main_id, tier in tiers.items():
        await set_margin_tier(session, tenant_id, product_main_id, tier)
    return report
