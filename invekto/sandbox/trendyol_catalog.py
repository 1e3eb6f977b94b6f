"""Deterministic demo catalogue of the demo shop, in the exact Trendyol filterProducts JSON shape.

Every product of the demo orders (``trendyol_demo.py``) is here with its variants; the ordered
variant keeps the order line's ``barcode``, ``merchantSku`` (= ``stockCode``) and ``productCode``,
so an order line maps to its product. Stock codes are ``{PREFIX}-{COLOUR}-{SIZE}`` (``KG-SYH-L``);
other barcodes are ``86812346GGVVC`` (group, variant, EAN-13 check digit). Quantities (★ = the
variant of a demo order):

- "Kadın Keten Gömlek" (``KG-2026``, Beden, 449.99 TL): Beyaz S 2, ★Beyaz M 3
  (8681234500011, KG-BYZ-M), Beyaz L 4, Beyaz XL 0; Siyah S 0, Siyah M 7, Siyah L 5, Siyah XL 1.
- "Erkek Spor Ayakkabı" (``ESA-2026``, Numara, 1299.90 TL): Siyah 40 3, 41 6, ★42 2
  (8681234500028, ESA-SYH-42), 43 5, 44 0; Beyaz 42 3, Beyaz 43 0.
- "Çiçekli Yazlık Elbise" (``CYE-2026``, Beden, 529.99 TL), Çok Renkli only: ★S 2
  (8681234500073, CYE-CCK-S), M 4, L 0.
- "Çocuk Şişme Mont" (``CSM-2026``, Yaş, 899.00 TL): Lacivert 5-6 Yaş 3, ★7-8 Yaş 2
  (8681234500042, CSM-LCV-78), 9-10 Yaş 0, 11-12 Yaş 4; Kırmızı 7-8 Yaş 6, 9-10 Yaş 2.
- "Hakiki Deri Erkek Cüzdan" (``HDC-2026``, no size, 349.90 TL): ★Kahverengi 12
  (8681234500059, HDC-KHV), Siyah 8, Lacivert 0.
- "Kablosuz Bluetooth Kulaklık" (``KBK-2026``, no size, 749.00 TL; the colour is only in
  ``variantAttributes`` "Renk", there is no ``color`` key): ★Siyah 0 (8681234500066, KBK-SYH),
  Beyaz 9.
- "Bebek Tulumu" (``BT-2026``, Yaş, 189.50 TL): Pembe 0-3 Ay 5, 3-6 Ay 0, ★6-9 Ay 8
  (8681234500035, BT-PMB-69), 9-12 Ay 3; Mavi 3-6 Ay 4, Mavi 6-9 Ay 0.
- "Hasır Kemer" (``HSK-2026``, no size, 119.90 TL): ★Bej 15 (8681234500080, HSK-BEJ), Siyah 6,
  Kahverengi 0.

For wholesale (B2B) questions:

- "Basic Pamuklu Tişört" (``BPT-2026``, Beden, 199.90 TL):
  Beyaz S 300, M 450, L 420, XL 250, XXL 120; Siyah S 280, M 400, L 380, XL 220, XXL 100;
  Lacivert S 150, M 240, L 200, XL 130, XXL 60; Gri S 90, M 160, L 140, XL 80, XXL 40;
  Kırmızı S 40, M 90, L 75, XL 30, XXL 0.
- "Oversize Kapüşonlu Sweatshirt" (``OKS-2026``, Beden, 399.90 TL): Siyah S 120, M 180, L 150,
  XL 60; Gri S 80, M 110, L 95, XL 0; Ekru S 35, M 50, L 40, XL 20.
- "Erkek Pamuklu Çorap 5'li Paket" (``EPC-2026``, Numara, 149.90 TL): Siyah 39-42 600,
  43-46 350; Beyaz 39-42 500, 43-46 0.

Not offered to customers:

- "Yazlık Hasır Şapka" (``HSP-2026``): Bej 5 in stock but ``onSale: false`` (withdrawn).
- "Kadın Keten Pantolon" (``KKP-2026``): Bej M 10, Bej L 8, ``approved: false`` (awaiting
  Trendyol's approval).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from invekto.core.text import fold
from invekto.sandbox.demo import DEMO_SHOP

BRAND = "Demo Butik"
BRAND_ID = 2738001
_CREATED_MS = 1_767_225_600_000
"""2026-01-01T00:00:00Z: the demo products are fixed in time (the catalogue is deterministic)."""
_DAY_MS = 86_400_000
_COLOR_ATTRIBUTE_ID = 47
_SIZE_ATTRIBUTE_IDS = {"Beden": 338, "Numara": 62, "Yaş": 293}
_COLOR_CODES = {
    "Beyaz": "BYZ",
    "Siyah": "SYH",
    "Pembe": "PMB",
    "Mavi": "MAV",
    "Lacivert": "LCV",
    "Kahverengi": "KHV",
    "Çok Renkli": "CCK",
    "Bej": "BEJ",
    "Kırmızı": "KRM",
    "Gri": "GRI",
    "Ekru": "EKR",
}


@dataclass(frozen=True, slots=True)
class DemoVariant:
    color: str
    size: str | None
    quantity: int
    barcode: str | None = None
    """Only for the ordered variants (the order line's barcode); others are generated."""
    product_code: int | None = None


@dataclass(frozen=True, slots=True)
class DemoProduct:
    group: int
    prefix: str
    title: str
    category: str
    category_id: int
    gender: str
    list_price: str
    sale_price: str
    vat_rate: int
    size_attribute: str | None
    """"Beden", "Numara" or "Yaş"; None for one-size products."""
    variants: tuple[DemoVariant, ...]
    attributes: tuple[tuple[str, str], ...] = ()
    color_in_variant_attributes: bool = False
    """Write the colour only as a "Renk" variant attribute (no ``color`` key), as some
    categories do."""
    on_sale: bool = True
    approved: bool = True

    @property
    def main_id(self) -> str:
        return f"{self.prefix}-2026"


def _grid(colors: dict[str, dict[str, int]]) -> tuple[DemoVariant, ...]:
    return tuple(
        DemoVariant(color, size, quantity)
        for color, sizes in colors.items()
        for size, quantity in sizes.items()
    )


# fmt: off
CATALOGUE: tuple[DemoProduct, ...] = (
    DemoProduct(
        1, "KG", "Kadın Keten Gömlek", "Gömlek", 1078, "Kadın", "549.99", "449.99", 10, "Beden",
        (
            DemoVariant("Beyaz", "S", 2),
            DemoVariant("Beyaz", "M", 3, "8681234500011", 712340011),
            DemoVariant("Beyaz", "L", 4),
            DemoVariant("Beyaz", "XL", 0),
            DemoVariant("Siyah", "S", 0),
            DemoVariant("Siyah", "M", 7),
            DemoVariant("Siyah", "L", 5),
            DemoVariant("Siyah", "XL", 1),
        ),
        (("Materyal", "Keten"), ("Kol Boyu", "Uzun Kol"), ("Kalıp", "Regular")),
    ),
    DemoProduct(
        2, "ESA", "Erkek Spor Ayakkabı", "Spor Ayakkabı", 1172, "Erkek", "1499.90", "1299.90",
        10, "Numara",
        (
            DemoVariant("Siyah", "40", 3),
            DemoVariant("Siyah", "41", 6),
            DemoVariant("Siyah", "42", 2, "8681234500028", 712340021),
            DemoVariant("Siyah", "43", 5),
            DemoVariant("Siyah", "44", 0),
            DemoVariant("Beyaz", "42", 3),
            DemoVariant("Beyaz", "43", 0),
        ),
        (("Materyal", "Tekstil"), ("Taban", "Eva")),
    ),
    DemoProduct(
        3, "CYE", "Çiçekli Yazlık Elbise", "Elbise", 56, "Kadın", "649.99", "529.99", 10, "Beden",
        (
            DemoVariant("Çok Renkli", "S", 2, "8681234500073", 712340071),
            DemoVariant("Çok Renkli", "M", 4),
            DemoVariant("Çok Renkli", "L", 0),
        ),
        (("Materyal", "Viskon"), ("Desen", "Çiçekli"), ("Boy", "Midi")),
    ),
    DemoProduct(
        4, "CSM", "Çocuk Şişme Mont", "Mont", 118, "Unisex", "1099.00", "899.00", 10, "Yaş",
        (
            DemoVariant("Lacivert", "5-6 Yaş", 3),
            DemoVariant("Lacivert", "7-8 Yaş", 2, "8681234500042", 712340041),
            DemoVariant("Lacivert", "9-10 Yaş", 0),
            DemoVariant("Lacivert", "11-12 Yaş", 4),
            DemoVariant("Kırmızı", "7-8 Yaş", 6),
            DemoVariant("Kırmızı", "9-10 Yaş", 2),
        ),
        (("Materyal", "Polyester"), ("Kapüşon", "Var")),
    ),
    DemoProduct(
        5, "HDC", "Hakiki Deri Erkek Cüzdan", "Cüzdan", 1032, "Erkek", "449.90", "349.90", 20,
        None,
        (
            DemoVariant("Kahverengi", None, 12, "8681234500059", 712340051),
            DemoVariant("Siyah", None, 8),
            DemoVariant("Lacivert", None, 0),
        ),
        (("Materyal", "Hakiki Deri"),),
    ),
    DemoProduct(
        6, "KBK", "Kablosuz Bluetooth Kulaklık", "Kulaklık", 1212, "Unisex", "899.00", "749.00",
        20, None,
        (
            DemoVariant("Siyah", None, 0, "8681234500066", 712340061),
            DemoVariant("Beyaz", None, 9),
        ),
        (("Bağlantı", "Bluetooth 5.3"), ("Garanti Süresi", "2 Yıl")),
        color_in_variant_attributes=True,
    ),
    DemoProduct(
        7, "BT", "Bebek Tulumu", "Tulum", 2046, "Kız Bebek", "229.90", "189.50", 10, "Yaş",
        (
            DemoVariant("Pembe", "0-3 Ay", 5),
            DemoVariant("Pembe", "3-6 Ay", 0),
            DemoVariant("Pembe", "6-9 Ay", 8, "8681234500035", 712340031),
            DemoVariant("Pembe", "9-12 Ay", 3),
            DemoVariant("Mavi", "3-6 Ay", 4),
            DemoVariant("Mavi", "6-9 Ay", 0),
        ),
        (("Materyal", "Pamuk"),),
    ),
    DemoProduct(
        8, "HSK", "Hasır Kemer", "Kemer", 1041, "Kadın", "149.90", "119.90", 20, None,
        (
            DemoVariant("Bej", None, 15, "8681234500080", 712340072),
            DemoVariant("Siyah", None, 6),
            DemoVariant("Kahverengi", None, 0),
        ),
        (("Materyal", "Hasır"),),
    ),
    DemoProduct(
        9, "BPT", "Basic Pamuklu Tişört", "Tişört", 73, "Unisex", "249.90", "199.90", 10, "Beden",
        _grid({
            "Beyaz": {"S": 300, "M": 450, "L": 420, "XL": 250, "XXL": 120},
            "Siyah": {"S": 280, "M": 400, "L": 380, "XL": 220, "XXL": 100},
            "Lacivert": {"S": 150, "M": 240, "L": 200, "XL": 130, "XXL": 60},
            "Gri": {"S": 90, "M": 160, "L": 140, "XL": 80, "XXL": 40},
            "Kırmızı": {"S": 40, "M": 90, "L": 75, "XL": 30, "XXL": 0},
        }),
        (("Materyal", "%100 Pamuk"), ("Yaka Tipi", "Bisiklet Yaka"), ("Kol Boyu", "Kısa Kol")),
    ),
    DemoProduct(
        10, "OKS", "Oversize Kapüşonlu Sweatshirt", "Sweatshirt", 1179, "Unisex", "499.90",
        "399.90", 10, "Beden",
        _grid({
            "Siyah": {"S": 120, "M": 180, "L": 150, "XL": 60},
            "Gri": {"S": 80, "M": 110, "L": 95, "XL": 0},
            "Ekru": {"S": 35, "M": 50, "L": 40, "XL": 20},
        }),
        (("Materyal", "Pamuk Polyester"), ("Kalıp", "Oversize")),
    ),
    DemoProduct(
        11, "EPC", "Erkek Pamuklu Çorap 5'li Paket", "Çorap", 1030, "Erkek", "179.90", "149.90",
        10, "Numara",
        _grid({
            "Siyah": {"39-42": 600, "43-46": 350},
            "Beyaz": {"39-42": 500, "43-46": 0},
        }),
        (("Materyal", "Pamuk"), ("Paket İçeriği", "5'li")),
    ),
    DemoProduct(
        12, "HSP", "Yazlık Hasır Şapka", "Şapka", 1048, "Kadın", "219.90", "179.90", 20, None,
        (DemoVariant("Bej", None, 5),),
        (("Materyal", "Hasır"),),
        on_sale=False,
    ),
    DemoProduct(
        13, "KKP", "Kadın Keten Pantolon", "Pantolon", 70, "Kadın", "599.99", "499.99", 10,
        "Beden",
        (DemoVariant("Bej", "M", 10), DemoVariant("Bej", "L", 8)),
        (("Materyal", "Keten"),),
        approved=False,
    ),
)
# fmt: on


def demo_products() -> dict[str, list[dict[str, Any]]]:
    """The demo shop's catalogue keyed by seller id: one ``content[]`` item per barcode."""
    seller_id = DEMO_SHOP.trendyol_seller_id
    assert seller_id is not None
    return {
        seller_id: [
            product_json(product, index, variant)
            for product in CATALOGUE
            for index, variant in enumerate(product.variants, start=1)
        ]
    }


def stock_code(product: DemoProduct, variant: DemoVariant) -> str:
    """``KG-BYZ-M``, ``CSM-LCV-78`` ("7-8 Yaş"), ``BT-PMB-69`` ("6-9 Ay"), ``HDC-KHV`` (no size)."""
    parts = [product.prefix, _COLOR_CODES[variant.color]]
    if variant.size:
        parts.append("".join(ch for ch in variant.size if ch.isdigit()) or variant.size.upper())
    return "-".join(parts)


def ean13(twelve_digits: str) -> str:
    """``twelve_digits`` with its EAN-13 check digit appended."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve_digits))
    return twelve_digits + str((10 - total % 10) % 10)


def barcode(product: DemoProduct, index: int, variant: DemoVariant) -> str:
    return variant.barcode or ean13(f"86812346{product.group:02d}{index:02d}")


def _product_code(product: DemoProduct, index: int, variant: DemoVariant) -> int:
    return variant.product_code or int(f"7124{product.group:02d}{index:03d}")


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in fold(text)).split())


def _attribute(attribute_id: int, name: str, value: str, value_id: int | None) -> dict[str, Any]:
    return {
        "attributeId": attribute_id,
        "attributeName": name,
        "attributeValueId": value_id,
        "attributeValue": value,
    }


def _value_id(value: str) -> int:
    return int(hashlib.sha256(value.encode()).hexdigest()[:6], 16)


def product_json(product: DemoProduct, index: int, variant: DemoVariant) -> dict[str, Any]:
    """One ``content[]`` item as the real filterProducts endpoint returns it."""
    code = barcode(product, index, variant)
    product_code = _product_code(product, index, variant)
    color_attribute = _attribute(
        _COLOR_ATTRIBUTE_ID, "Renk", variant.color, _value_id(variant.color)
    )
    attributes = [
        _attribute(1000 + n, name, value, _value_id(value))
        for n, (name, value) in enumerate(product.attributes, start=1)
    ]
    variant_attributes = []
    if product.size_attribute and variant.size:
        variant_attributes.append(
            _attribute(
                _SIZE_ATTRIBUTE_IDS[product.size_attribute],
                product.size_attribute,
                variant.size,
                _value_id(variant.size),
            )
        )
    if product.color_in_variant_attributes:
        variant_attributes.append(color_attribute)
    else:
        attributes.insert(0, color_attribute)
    created = _CREATED_MS + product.group * _DAY_MS
    slug = _slug(product.title)
    item: dict[str, Any] = {
        "id": hashlib.sha256(f"invekto-demo-product-{code}".encode()).hexdigest()[:32],
        "approved": product.approved,
        "archived": False,
        "rejected": False,
        "blacklisted": False,
        "locked": False,
        "onSale": product.on_sale,
        "hasActiveCampaign": False,
        "barcode": code,
        "stockCode": stock_code(product, variant),
        "productMainId": product.main_id,
        "productCode": product_code,
        "productContentId": product_code,
        "platformListingId": hashlib.sha256(code.encode()).hexdigest()[:24],
        "supplierId": int(DEMO_SHOP.trendyol_seller_id or 0),
        "title": product.title,
        "description": f"{product.title}. {BRAND} güvencesiyle.",
        "brand": BRAND,
        "brandId": BRAND_ID,
        "categoryName": product.category,
        "pimCategoryId": product.category_id,
        "gender": product.gender,
        "quantity": variant.quantity,
        "stockUnitType": "Adet",
        "dimensionalWeight": 1,
        "listPrice": float(product.list_price),
        "salePrice": float(product.sale_price),
        "vatRate": product.vat_rate,
        "images": [
            {"url": f"https://cdn.dsmcdn.com/demo-butik/{slug}-{_slug(variant.color)}-{n}.jpg"}
            for n in (1, 2)
        ],
        "attributes": attributes,
        "variantAttributes": variant_attributes,
        "productUrl": (
            f"https://www.trendyol.com/demo-butik/{slug}-p-{product_code}"
            f"?merchantId={DEMO_SHOP.trendyol_seller_id}"
        ),
        "createDateTime": created,
        "lastUpdateDate": created + 3_600_000,
    }
    if not product.color_in_variant_attributes:
        item["color"] = variant.color
    return item
