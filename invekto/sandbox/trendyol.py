"""Stand-in of the Trendyol seller API (orders and products endpoints) with demo data and fault
injection."""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import hashlib
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from invekto.sandbox.demo import DEMO_SHOP
from invekto.sandbox.trendyol_catalog import demo_products
from invekto.sandbox.trendyol_demo import GMT3_OFFSET, demo_packages

MAX_RANGE_MS = 14 * 24 * 3600 * 1000
DEFAULT_RANGE_MS = 7 * 24 * 3600 * 1000
MAX_PAGE_SIZE = 200
_REQUIRED_PACKAGE_KEYS = ("id", "orderNumber", "status", "orderDate", "lastModifiedDate")
_REQUIRED_PRODUCT_KEYS = ("barcode", "title", "productMainId", "stockCode", "quantity")


# --- the in-memory store --------------------------------------------------------------------------


@dataclass(slots=True)
class Fault:
    """What the next ``remaining`` matching requests get instead of (or before) a normal answer."""

    seller_id: str | None
    status: int | None
    delay_s: float
    body: str | None
    remaining: int


class TrendyolSandbox:
    """Sellers, their packages and products, pending faults. Thread-safe: tests poke it from
    outside."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sellers: dict[str, tuple[str, str]] | None = None
        self._packages: dict[str, list[dict[str, Any]]] = {}
        self._products: dict[str, list[dict[str, Any]]] = {}
        self._faults: list[Fault] = []

    def reset(self) -> None:
        """Back to the demo sellers, packages (dated from today) and catalogue, no faults."""
        with self._lock:
            self._load_demo()

    def add_seller(self, seller_id: str, api_key: str, api_secret: str) -> None:
        with self._lock:
            self._ensure_loaded()
            assert self._sellers is not None
            self._sellers[seller_id] = (api_key, api_secret)
            self._packages.setdefault(seller_id, [])
            self._products.setdefault(seller_id, [])

    def for_tenant(self, slug: str) -> tuple[str, str, str]:
        """Sandbox credentials of a business that signed up: a seller of its own (the same
        for the same slug), stocked with a copy of the demo shop's orders and catalogue, so a
        new business can connect Trendyol and ask the demo customers' cargo questions.
        Returns ``(seller_id, api_key, api_secret)``."""
        digest = hashlib.sha256(slug.encode()).hexdigest()
        seller_id = str(9_000_000 + int(digest[:8], 16) % 1_000_000)
        api_key, api_secret = f"sandbox-{digest[:12]}-key", f"sandbox-{digest[12:28]}-secret"
        demo = DEMO_SHOP.trendyol_seller_id
        with self._lock:
            self._ensure_loaded()
            assert self._sellers is not None and demo is not None
            if seller_id not in self._sellers:
                self._sellers[seller_id] = (api_key, api_secret)
                self._packages[seller_id] = copy.deepcopy(self._packages.get(demo, []))
                self._products[seller_id] = copy.deepcopy(self._products.get(demo, []))
        return seller_id, api_key, api_secret

    def add_package(self, seller_id: str, package: dict[str, Any]) -> None:
        """Add (or replace, same ``id``) a package in the real JSON shape."""
        missing = [key for key in _REQUIRED_PACKAGE_KEYS if key not in package]
        if missing:
            raise ValueError(f"package lacks {', '.join(missing)}")
        with self._lock:
            self._ensure_loaded()
            packages = self._packages.setdefault(seller_id, [])
            packages[:] = [p for p in packages if p["id"] != package["id"]]
            packages.append(copy.deepcopy(package))

    def add_product(self, seller_id: str, product: dict[str, Any]) -> None:
        """Add (or replace, same ``barcode``) a product in the real filterProducts JSON shape."""
        missing = [key for key in _REQUIRED_PRODUCT_KEYS if key not in product]
        if missing:
            raise ValueError(f"product lacks {', '.join(missing)}")
        with self._lock:
            self._ensure_loaded()
            products = self._products.setdefault(seller_id, [])
            for index, existing in enumerate(products):
                if existing["barcode"] == product["barcode"]:
                    products[index] = copy.deepcopy(product)
                    return
            products.append(copy.deepcopy(product))

    def update_product(self, seller_id: str, barcode: str, **changes: Any) -> None:
        """Change fields of one product, e.g. ``update_product(s, b, quantity=0, onSale=False)``."""
        with self._lock:
            self._ensure_loaded()
            for product in self._products.get(seller_id, []):
                if product["barcode"] == barcode:
                    product.update(copy.deepcopy(changes))
                    return
        raise KeyError(barcode)

    def remove_product(self, seller_id: str, barcode: str) -> None:
        with self._lock:
            self._ensure_loaded()
            products = self._products.get(seller_id, [])
            products[:] = [p for p in products if p["barcode"] != barcode]

    def inject(
        self,
        seller_id: str | None = None,
        *,
        status: int | None = None,
        delay_s: float = 0.0,
        times: int = 1,
        body: str | None = None,
    ) -> None:
        """The next ``times`` requests (orders or products; of ``seller_id``, or any) sleep, then
        answer
        ``status`` and/or the raw ``body``; with neither, they proceed normally after the sleep."""
        with self._lock:
            self._faults.append(Fault(seller_id, status, delay_s, body, times))

    def pending_faults(self) -> int:
        """Faults injected that no request has taken yet (0: each one is being served)."""
        with self._lock:
            return len(self._faults)

    def take_fault(self, seller_id: str) -> Fault | None:
        """Consume one pending fault that applies to ``seller_id``."""
        with self._lock:
            for fault in self._faults:
                if fault.seller_id in (None, seller_id):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def credentials(self, seller_id: str) -> tuple[str, str] | None:
        with self._lock:
            self._ensure_loaded()
            assert self._sellers is not None
            return self._sellers.get(seller_id)

    def packages(self, seller_id: str) -> list[dict[str, Any]]:
        with self._lock:
            self._ensure_loaded()
            return copy.deepcopy(self._packages.get(seller_id, []))

    def products(self, seller_id: str) -> list[dict[str, Any]]:
        with self._lock:
            self._ensure_loaded()
            return copy.deepcopy(self._products.get(seller_id, []))

    def _ensure_loaded(self) -> None:
        if self._sellers is None:
            self._load_demo()

    def _load_demo(self) -> None:
        seller_id = DEMO_SHOP.trendyol_seller_id
        api_key, api_secret = DEMO_SHOP.trendyol_api_key, DEMO_SHOP.trendyol_api_secret
        assert seller_id and api_key and api_secret
        self._sellers = {seller_id: (api_key, api_secret)}
        self._packages = demo_packages()
        self._products = demo_products()
        self._faults = []


SANDBOX_TRENDYOL = TrendyolSandbox()

router = APIRouter(tags=["sandbox-trendyol"])


# --- the orders endpoint --------------------------------------------------------------------------


def _error(status: int, exception: str, key: str, message: str) -> JSONResponse:
    """Trendyol's error envelope."""
    body = {
        "timestamp": int(time.time() * 1000),
        "exception": exception,
        "errors": [{"key": key, "message": message, "errorCode": None, "args": []}],
    }
    return JSONResponse(body, status_code=status)


def _fault_response(fault: Fault) -> Response:
    status = fault.status or 200
    if fault.body is not None:
        return Response(fault.body, status_code=status, media_type="application/json")
    if status == 429:
        return _error(429, "TooManyRequestsException", "too.many.requests", "Too many requests")
    return _error(status, "ServiceException", "sandbox.injected", f"Injected status {status}")


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _access_denied(seller_id: str, request: Request) -> JSONResponse | None:
    """403 without a ``"{sellerId} - {IntegratorName}"`` User-Agent, 404 for an unknown seller,
    401 on wrong credentials; None when the caller may proceed."""
    user_agent = request.headers.get("user-agent", "")
    if not re.fullmatch(rf"{re.escape(seller_id)} - [A-Za-z0-9]{{1,30}}", user_agent):
        return _error(
            403,
            "AccessDeniedException",
            "user.agent.required",
            f"User-Agent header must be '{seller_id} - SelfIntegration' or "
            f"'{seller_id} - {{IntegratorName}}'",
        )
    expected = SANDBOX_TRENDYOL.credentials(seller_id)
    if expected is None:
        return _error(404, "NotFoundException", "seller.not.found", f"Seller {seller_id} not found")
    given = _basic_credentials(request.headers.get("authorization"))
    if given is None or not all(
        secrets.compare_digest(a.encode(), b.encode()) for a, b in zip(given, expected, strict=True)
    ):
        return _error(
            401,
            "ClientApiAuthenticationException",
            "ClientApiAuthenticationException",
            "Unauthorized: wrong API key or API secret",
        )
    return None


def _date_range(
    start_ms: int | None, end_ms: int | None, *, by_id: bool
) -> tuple[int, int] | JSONResponse | None:
    """The filter range in ms; None when there is none; a 400 when it is longer than 2 weeks."""
    if start_ms is None and end_ms is None and by_id:
        return None
    end_ms = end_ms if end_ms is not None else int(time.time() * 1000)
    start_ms = start_ms if start_ms is not None else end_ms - DEFAULT_RANGE_MS
    if start_ms > end_ms:
        return _error(
            400,
            "ClientApiBadRequestException",
            "invalid.date.range",
            "startDate endDate'ten sonra olamaz / startDate must not be after endDate",
        )
    if end_ms - start_ms > MAX_RANGE_MS:
        return _error(
            400,
            "ClientApiBadRequestException",
            "date.range.too.long",
            "startDate ile endDate arası en fazla 2 hafta (14 gün) olabilir / "
            "the range between startDate and endDate can be at most 2 weeks (14 days)",
        )
    return start_ms, end_ms


def _sort_key_ms(package: dict[str, Any], order_by_field: str) -> int:
    """The package's creation or last-change instant (true epoch ms) for filtering and sorting."""
    if order_by_field == "CreatedDate":
        return int(package["orderDate"] - GMT3_OFFSET.total_seconds() * 1000)
    return int(package["lastModifiedDate"])


def _csv(value: str | None) -> set[str] | None:
    return {part.strip().casefold() for part in value.split(",") if part.strip()} if value else None


@router.get("/integration/order/sellers/{seller_id}/orders")
async def get_order_packages(
    seller_id: str,
    request: Request,
    status: str | None = None,
    start_date: Annotated[int | None, Query(alias="startDate")] = None,
    end_date: Annotated[int | None, Query(alias="endDate")] = None,
    order_number: Annotated[str | None, Query(alias="orderNumber")] = None,
    shipment_package_ids: Annotated[str | None, Query(alias="shipmentPackageIds")] = None,
    page: Annotated[int, Query(ge=0)] = 0,
    size: Annotated[int, Query(ge=1)] = 50,
    order_by_field: Annotated[str, Query(alias="orderByField")] = "PackageLastModifiedDate",
    order_by_direction: Annotated[str, Query(alias="orderByDirection")] = "DESC",
) -> Response:
    """``GET /integration/order/sellers/{sellerId}/orders``: the paged shipment packages."""
    fault = SANDBOX_TRENDYOL.take_fault(seller_id)
    if fault is not None:
        await asyncio.sleep(fault.delay_s)
        if fault.status is not None or fault.body is not None:
            return _fault_response(fault)
    denied = _access_denied(seller_id, request)
    if denied is not None:
        return denied
    date_range = _date_range(start_date, end_date, by_id=bool(order_number or shipment_package_ids))
    if isinstance(date_range, JSONResponse):
        return date_range
    statuses, package_ids = _csv(status), _csv(shipment_package_ids)
    matches = [
        p
        for p in SANDBOX_TRENDYOL.packages(seller_id)
        if (statuses is None or str(p["status"]).casefold() in statuses)
        and (order_number is None or p["orderNumber"] == order_number)
        and (package_ids is None or str(p["id"]) in package_ids)
        and (
            date_range is None or date_range[0] <= _sort_key_ms(p, order_by_field) <= date_range[1]
        )
    ]
    matches.sort(
        key=lambda p: _sort_key_ms(p, order_by_field), reverse=order_by_direction.upper() == "DESC"
    )
    return JSONResponse(_page_envelope(matches, page=page, size=min(size, MAX_PAGE_SIZE)))


# --- the products endpoint (filterProducts) -------------------------------------------------------


@router.get("/integration/product/sellers/{seller_id}/products")
async def get_products(
    seller_id: str,
    request: Request,
    approved: bool | None = None,
    barcode: str | None = None,
    stock_code: Annotated[str | None, Query(alias="stockCode")] = None,
    product_main_id: Annotated[str | None, Query(alias="productMainId")] = None,
    on_sale: Annotated[bool | None, Query(alias="onSale")] = None,
    archived: bool | None = None,
    page: Annotated[int, Query(ge=0)] = 0,
    size: Annotated[int, Query(ge=1)] = 50,
) -> Response:
    """``GET /integration/product/sellers/{sellerId}/products``: the paged catalogue, one item
    per barcode, in catalogue order."""
    fault = SANDBOX_TRENDYOL.take_fault(seller_id)
    if fault is not None:
        await asyncio.sleep(fault.delay_s)
        if fault.status is not None or fault.body is not None:
            return _fault_response(fault)
    denied = _access_denied(seller_id, request)
    if denied is not None:
        return denied
    filters: list[tuple[str, object]] = [
        ("approved", approved),
        ("barcode", barcode),
        ("stockCode", stock_code),
        ("productMainId", product_main_id),
        ("onSale", on_sale),
        ("archived", archived),
    ]
    matches = [
        p
        for p in SANDBOX_TRENDYOL.products(seller_id)
        if all(value is None or p.get(key) == value for key, value in filters)
    ]
    return JSONResponse(_page_envelope(matches, page=page, size=min(size, MAX_PAGE_SIZE)))


def _page_envelope(items: list[dict[str, Any]], *, page: int, size: int) -> dict[str, Any]:
    """Trendyol's paging envelope around one page of ``items``."""
    return {
        "page": page,
        "size": size,
        "totalPages": math.ceil(len(items) / size),
        "totalElements": len(items),
        "content": items[page * size : (page + 1) * size],
    }


# --- control endpoints for tests driving a separate process ---------------------------------------


class FaultIn(BaseModel):
    seller_id: str | None = None
    status: int | None = None
    delay_s: float = Field(default=0.0, ge=0.0)
    times: int = Field(default=1, ge=1)
    body: str | None = None


class PackageIn(BaseModel):
    seller_id: str
    package: dict[str, Any]


class ProductIn(BaseModel):
    seller_id: str
    product: dict[str, Any]


class SellerIn(BaseModel):
    seller_id: str
    api_key: str
    api_secret: str


@router.post("/_control/reset")
async def control_reset() -> dict[str, bool]:
    SANDBOX_TRENDYOL.reset()
    return {"ok": True}


@router.post("/_control/inject")
async def control_inject(fault: FaultIn) -> dict[str, bool]:
    SANDBOX_TRENDYOL.inject(
        fault.seller_id,
        status=fault.status,
        delay_s=fault.delay_s,
        times=fault.times,
        body=fault.body,
    )
    return {"ok": True}


@router.post("/_control/packages")
async def control_add_package(item: PackageIn) -> Response:
    try:
        SANDBOX_TRENDYOL.add_package(item.seller_id, item.package)
    except ValueError as error:
        return JSONResponse({"ok": False, "detail": str(error)}, status_code=422)
    return JSONResponse({"ok": True})


@router.post("/_control/products")
async def control_add_product(item: ProductIn) -> Response:
    try:
        SANDBOX_TRENDYOL.add_product(item.seller_id, item.product)
    except ValueError as error:
        return JSONResponse({"ok": False, "detail": str(error)}, status_code=422)
    return JSONResponse({"ok": True})


@router.post("/_control/sellers")
async def control_add_seller(seller: SellerIn) -> dict[str, bool]:
    SANDBOX_TRENDYOL.add_seller(seller.seller_id, seller.api_key, seller.api_secret)
    return {"ok": True}
