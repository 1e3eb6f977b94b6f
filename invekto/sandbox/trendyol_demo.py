"""Deterministic demo order packages of the demo shop, in the exact Trendyol orders JSON shape.

Dates are relative to ``today`` (Europe/Istanbul). Seller ``DEMO_SHOP.trendyol_seller_id``:

- Ayşe Yılmaz (905321112233, written ``"05321112233"``):
  - 10654400001 Shipped, Yurtiçi Kargo 7330029145197 with a kargotakip.trendyol.com link,
    "Kadın Keten Gömlek Beyaz M" ×1 (M, Beyaz), ordered 3 days ago, delivery tomorrow..day after.
  - 10654400002 Delivered 5 days ago, Aras Kargo 3480009876543, no Trendyol link (the Aras page
    is the fallback), "Erkek Spor Ayakkabı 42" ×1, ordered 8 days ago.
- Mehmet Demir (905339998877, written ``"+90 533 999 88 77"``): 10654400003 created today,
  status Created, Yurtiçi Kargo chosen but no tracking number or link, "Bebek Tulumu 6-9 Ay" ×2.
- 905551234567 has no orders.
- Zeynep Kaya (905301234567, written ``"5301234567"``), two orders in transit:
  - 10654400004 Shipped, Trendyol Express 7340012345678 with a Trendyol link,
    "Çocuk Şişme Mont Lacivert 7-8 Yaş" ×1, ordered 4 days ago.
  - 10654400005 Shipped, Yurtiçi Kargo 7250098765432, no Trendyol link (the Yurtiçi page is the
    fallback), "Hakiki Deri Erkek Cüzdan Kahverengi" ×1, ordered 2 days ago.
- Can Öztürk (905427654321, written ``"0542 765 43 21"``): 10654400006 Cancelled 5 days ago,
  "Kablosuz Bluetooth Kulaklık Siyah" ×1, ordered 6 days ago, never shipped.
- Elif Şahin (905061112244, written ``"0 (506) 111 22 44"``): 10654400007 Delivered 21 days ago by
  Aras Kargo 3480001122334, two lines "Çiçekli Yazlık Elbise S" ×1 and "Hasır Kemer Bej" ×1,
  ordered 25 days ago (only a query reaching back over two weeks finds it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from invekto.sandbox.demo import DEMO_SHOP

ISTANBUL = ZoneInfo("Europe/Istanbul")
GMT3_OFFSET = timedelta(hours=3)
"""Trendyol writes ``orderDate`` as Istanbul wall-clock time encoded as if it were UTC."""


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    customer_id: int
    first_name: str
    last_name: str
    phone: str
    city: str
    district: str
    street: str


@dataclass(frozen=True, slots=True)
class DemoLine:
    line_id: int
    product_name: str
    quantity: int
    unit_price: str
    merchant_sku: str
    barcode: str
    product_code: int
    size: str | None
    color: str | None
    discount: str = "0"


@dataclass(frozen=True, slots=True)
class DemoOrder:
    package_id: int
    order_number: str
    customer: DemoCustomer
    lines: tuple[DemoLine, ...]
    history: tuple[tuple[str, datetime], ...]
    """(status, when) from Created to the current status."""
    cargo_provider: str | None = None
    tracking_number: int | None = None
    trendyol_link: bool = False
    delivery_window: tuple[datetime, datetime] | None = None


# fmt: off
AYSE = DemoCustomer(
    99100001, "Ayşe", "Yılmaz", "05321112233", "İstanbul", "Kadıköy",
    "Caferağa Mah. Moda Cad. No:12 D:5",
)
MEHMET = DemoCustomer(
    99100002, "Mehmet", "Demir", "+90 533 999 88 77", "Ankara", "Çankaya",
    "Kızılay Mah. Atatürk Blv. No:88 D:14",
)
ZEYNEP = DemoCustomer(
    99100003, "Zeynep", "Kaya", "5301234567", "İzmir", "Karşıyaka",
    "Bostanlı Mah. Cemal Gürsel Cad. No:301 D:7",
)
CAN = DemoCustomer(
    99100004, "Can", "Öztürk", "0542 765 43 21", "Bursa", "Nilüfer",
    "Ataevler Mah. İzmir Yolu Cad. No:45 D:2",
)
ELIF = DemoCustomer(
    99100005, "Elif", "Şahin", "0 (506) 111 22 44", "Antalya", "Muratpaşa",
    "Konyaaltı Cad. Lara Sok. No:9 D:3",
)
# fmt: on


def demo_packages(today: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The demo shop's packages, keyed by seller id, with dates relative to ``today``."""
    now = datetime.now(ISTANBUL)
    day = today or now.date()

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
        moment = datetime.combine(day - timedelta(days=days_ago), time(hour, minute), ISTANBUL)
        return min(moment, now) if days_ago >= 0 else moment  # today's events: not yet future

    seller_id = DEMO_SHOP.trendyol_seller_id
    assert seller_id is not None
    return {seller_id: [package_json(order) for order in _orders(at)]}


def _orders(at: Callable[..., datetime]) -> list[DemoOrder]:
    """The demo orders; ``at(days_ago, hour, minute=0)`` is an Istanbul moment (<0: future)."""
    # fmt: off
    tomorrow_start, day_after_end = at(-1, 9), at(-2, 20)
    return [
        DemoOrder(
            3100000001, "10654400001", AYSE,
            (DemoLine(5600000011, "Kadın Keten Gömlek Beyaz M", 1, "449.99", "KG-BYZ-M",
                   "8681234500011", 712340011, "M", "Beyaz"),),
            (("Created", at(3, 14, 20)), ("Picking", at(3, 16, 5)), ("Invoiced", at(2, 10, 30)),
             ("Shipped", at(2, 17, 45))),
            cargo_provider="Yurtiçi Kargo", tracking_number=7330029145197, trendyol_link=True,
            delivery_window=(tomorrow_start, day_after_end),
        ),
        DemoOrder(
            3100000002, "10654400002", AYSE,
            (DemoLine(5600000021, "Erkek Spor Ayakkabı 42", 1, "1299.90", "ESA-SYH-42",
                   "8681234500028", 712340021, "42", "Siyah", discount="130.00"),),
            (("Created", at(8, 11, 2)), ("Picking", at(8, 13, 40)), ("Invoiced", at(7, 9, 15)),
             ("Shipped", at(7, 18, 0)), ("Delivered", at(5, 13, 25))),
            cargo_provider="Aras Kargo", tracking_number=3480009876543,
            delivery_window=(at(6, 9), at(5, 20)),
        ),
        DemoOrder(
            3100000003, "10654400003", MEHMET,
            (DemoLine(5600000031, "Bebek Tulumu 6-9 Ay", 2, "189.50", "BT-PMB-69",
                   "8681234500035", 712340031, "6-9 Ay", "Pembe"),),
            (("Created", at(0, 9, 12)),),
            cargo_provider="Yurtiçi Kargo", delivery_window=(at(-2, 9), at(-4, 20)),
        ),
        DemoOrder(
            3100000004, "10654400004", ZEYNEP,
            (DemoLine(5600000041, "Çocuk Şişme Mont Lacivert 7-8 Yaş", 1, "899.00", "CSM-LCV-78",
                   "8681234500042", 712340041, "7-8 Yaş", "Lacivert"),),
            (("Created", at(4, 20, 10)), ("Picking", at(3, 9, 30)), ("Invoiced", at(3, 11, 0)),
             ("Shipped", at(3, 16, 20))),
            cargo_provider="Trendyol Express", tracking_number=7340012345678, trendyol_link=True,
            delivery_window=(at(0, 9), at(-1, 20)),
        ),
        DemoOrder(
            3100000005, "10654400005", ZEYNEP,
            (DemoLine(5600000051, "Hakiki Deri Erkek Cüzdan Kahverengi", 1, "349.90", "HDC-KHV",
                   "8681234500059", 712340051, None, "Kahverengi"),),
            (("Created", at(2, 8, 45)), ("Picking", at(2, 10, 0)), ("Invoiced", at(1, 9, 40)),
             ("Shipped", at(1, 15, 10))),
            cargo_provider="Yurtiçi Kargo", tracking_number=7250098765432,
            delivery_window=(at(-1, 9), at(-3, 20)),
        ),
        DemoOrder(
            3100000006, "10654400006", CAN,
            (DemoLine(5600000061, "Kablosuz Bluetooth Kulaklık Siyah", 1, "749.00", "KBK-SYH",
                   "8681234500066", 712340061, None, "Siyah"),),
            (("Created", at(6, 21, 30)), ("Cancelled", at(5, 10, 5))),
            cargo_provider="Aras Kargo",
        ),
        DemoOrder(
            3100000007, "10654400007", ELIF,
            (DemoLine(5600000071, "Çiçekli Yazlık Elbise S", 1, "529.99", "CYE-CCK-S",
                   "8681234500073", 712340071, "S", "Çok Renkli"),
             DemoLine(5600000072, "Hasır Kemer Bej", 1, "119.90", "HSK-BEJ",
                   "8681234500080", 712340072, None, "Bej")),
            (("Created", at(25, 12, 0)), ("Picking", at(25, 15, 30)), ("Invoiced", at(24, 10, 0)),
             ("Shipped", at(24, 17, 30)), ("Delivered", at(21, 11, 50))),
            cargo_provider="Aras Kargo", tracking_number=3480001122334,
            delivery_window=(at(22, 9), at(21, 20)),
        ),
    ]
    # fmt: on


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def gmt3_ms(moment: datetime) -> int:
    """``orderDate`` encoding: the Istanbul wall-clock time written as UTC epoch ms."""
    wall = moment.astimezone(ISTANBUL).replace(tzinfo=UTC)
    return _ms(wall)


def _money(value: float) -> float:
    return round(value, 2)


def _line_json(line: DemoLine) -> dict[str, Any]:
    unit, discount = float(line.unit_price), float(line.discount)
    return {
        "id": line.line_id,
        "productName": line.product_name,
        "quantity": line.quantity,
        "merchantSku": line.merchant_sku,
        "sku": line.barcode,
        "barcode": line.barcode,
        "price": _money(unit - discount / line.quantity),
        "amount": _money(unit * line.quantity),
        "discount": _money(discount),
        "productSize": line.size,
        "productColor": line.color,
        "productCode": line.product_code,
        "productOrigin": "TR",
        "vatBaseAmount": 20,
        "orderLineItemStatusName": None,
        "currencyCode": "TRY",
    }


def _address(customer: DemoCustomer, address_id: int) -> dict[str, Any]:
    full = f"{customer.street} {customer.district}/{customer.city}"
    return {
        "id": address_id,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "fullName": f"{customer.first_name} {customer.last_name}",
        "company": "",
        "address1": customer.street,
        "address2": "",
        "city": customer.city,
        "district": customer.district,
        "postalCode": "",
        "countryCode": "TR",
        "fullAddress": full,
        "phone": customer.phone,
    }


def _tracking_token(order: DemoOrder) -> str:
    return hashlib.sha256(f"invekto-demo-{order.package_id}".encode()).hexdigest()[:32]


def package_json(order: DemoOrder) -> dict[str, Any]:
    """One ``content[]`` item as the real orders endpoint returns it."""
    lines = [_line_json(line) for line in order.lines]
    gross = _money(sum(line["amount"] for line in lines))
    discount = _money(sum(line["discount"] for line in lines))
    status, last_change = order.history[-1]
    created = order.history[0][1]
    shipped = dict(order.history).get("Shipped")
    start, end = order.delivery_window or (None, None)
    return {
        "id": order.package_id,
        "orderNumber": order.order_number,
        "status": status,
        "shipmentPackageStatus": status,
        "customerFirstName": order.customer.first_name,
        "customerLastName": order.customer.last_name,
        "customerEmail": f"pf+{order.customer.customer_id}@trendyolmail.com",
        "customerId": order.customer.customer_id,
        "cargoProviderName": order.cargo_provider,
        "cargoTrackingNumber": order.tracking_number,
        "cargoTrackingLink": (
            f"https://kargotakip.trendyol.com/?token={_tracking_token(order)}"
            if order.trendyol_link
            else None
        ),
        "cargoSenderNumber": str(order.tracking_number)[:12] if order.tracking_number else None,
        "orderDate": gmt3_ms(created),
        "lastModifiedDate": _ms(last_change),
        "originShipmentDate": _ms(shipped) if shipped else None,
        "estimatedDeliveryStartDate": _ms(start) if start else None,
        "estimatedDeliveryEndDate": _ms(end) if end else None,
        "agreedDeliveryDate": _ms(created + timedelta(days=2)),
        "agreedDeliveryDateExtendible": False,
        "extendedAgreedDeliveryDate": None,
        "grossAmount": gross,
        "totalDiscount": discount,
        "totalPrice": _money(gross - discount),
        "currencyCode": "TRY",
        "shipmentAddress": _address(order.customer, order.package_id + 70000000),
        "invoiceAddress": _address(order.customer, order.package_id + 80000000),
        "lines": lines,
        "packageHistories": [
            {"createdDate": _ms(when), "status": history_status}
            for history_status, when in order.history
        ],
        "deliveryType": "normal",
        "deliveryAddressType": "Shipment",
        "fastDelivery": False,
        "commercial": False,
        "micro": False,
        "isCod": False,
        "createdBy": "order-creation",
        "originPackageIds": None,
        "taxNumber": None,
        "tcIdentityNumber": None,
    }
