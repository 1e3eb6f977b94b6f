"""Async client for the Trendyol seller (Partner) API: order packages, the product catalogue,
retries, typed errors."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Annotated, Any, Literal, Self
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from invekto.core.phones import normalize_tr_phone
from invekto.core.text import fold

ISTANBUL = ZoneInfo("Europe/Istanbul")
MAX_RANGE = timedelta(days=14)
"""Trendyol rejects order queries whose startDate..endDate spans more than two weeks."""
DEFAULT_RANGE = timedelta(days=7)
MAX_PAGE_SIZE = 200
MAX_RETRY_DELAY_S = 30.0
_INTEGRATOR_NAME = re.compile(r"[A-Za-z0-9]{1,30}")
_EXCERPT_CHARS = 200
_RETRIABLE_TRANSPORT_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
)


# --- errors ---------------------------------------------------------------------------------------


class TrendyolError(Exception):
    """Any failure talking to Trendyol; ``status_code`` is None when no HTTP answer came back."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TrendyolAuthError(TrendyolError):
    """401 (wrong API key/secret) or 403 (blocked: User-Agent missing, IP not allowed)."""


class TrendyolNotFound(TrendyolError):
    """404: wrong seller id or base URL."""


class TrendyolRateLimited(TrendyolError):
    """429 still answered after every retry."""


class TrendyolUnavailable(TrendyolError):
    """5xx, timeout or network failure after every retry."""


class TrendyolBadRequest(TrendyolError):
    """Another 4xx: Trendyol rejected the query itself (e.g. a date range over two weeks)."""


class TrendyolBadResponse(TrendyolError):
    """The body is not JSON or not the expected shape."""


# --- models ---------------------------------------------------------------------------------------


def _from_epoch_ms(value: Any) -> Any:
    """Epoch milliseconds (UTC) → aware datetime; anything else is left to pydantic."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return value


def _from_gmt3_epoch_ms(value: Any) -> Any:
    """Trendyol's ``orderDate``: Istanbul wall-clock time written as if it were UTC epoch ms."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC).replace(tzinfo=ISTANBUL)
    return value


def _id_to_str(value: Any) -> Any:
    """JSON numbers used as identifiers → their exact digits; blank strings → None."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return value.strip() or None
    return value


EpochMs = Annotated[datetime | None, BeforeValidator(_from_epoch_ms)]
Gmt3EpochMs = Annotated[datetime | None, BeforeValidator(_from_gmt3_epoch_ms)]
NumericId = Annotated[str | None, BeforeValidator(_id_to_str)]


class _TrendyolModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class TrendyolAddress(_TrendyolModel):
    """``shipmentAddress`` / ``invoiceAddress`` of a package."""

    first_name: str | None = None
    last_name: str | None = None
    city: str | None = None
    district: str | None = None
    full_address: str | None = None
    phone: str | None = None


class TrendyolLine(_TrendyolModel):
    """One ``lines[]`` item: a product in the package."""

    id: NumericId = None
    product_name: str = ""
    quantity: int = 1
    merchant_sku: str | None = None
    barcode: str | None = None
    price: Decimal | None = None
    product_size: str | None = None
    product_color: str | None = None


class TrendyolPackageHistory(_TrendyolModel):
    """One ``packageHistories[]`` item (``createdDate`` is plain UTC epoch ms)."""

    created_date: EpochMs = None
    status: str


class _RawTrendyolModel(_TrendyolModel):
    """A top-level Trendyol object that keeps the JSON it came from in ``raw``."""

    raw: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _keep_raw(cls, data: Any) -> Any:
        if isinstance(data, dict) and "raw" not in data:
            return {**data, "raw": data}
        return data


class TrendyolPackage(_RawTrendyolModel):
    """One shipment package (``content[]`` item) of the orders endpoint; ``raw`` keeps the JSON."""

    id: Annotated[str, BeforeValidator(_id_to_str)]
    """The shipmentPackageId; one order number can span several packages (splits, cancels)."""
    order_number: str
    status: str
    customer_first_name: str | None = None
    customer_last_name: str | None = None
    customer_email: str | None = None
    cargo_provider_name: str | None = None
    cargo_tracking_number: NumericId = None
    cargo_tracking_link: str | None = None
    order_date: Gmt3EpochMs = None
    last_modified_date: EpochMs = None
    estimated_delivery_start: EpochMs = Field(default=None, alias="estimatedDeliveryStartDate")
    estimated_delivery_end: EpochMs = Field(default=None, alias="estimatedDeliveryEndDate")
    total_price: Decimal | None = None
    currency_code: str = "TRY"
    shipment_address: TrendyolAddress | None = None
    invoice_address: TrendyolAddress | None = None
    lines: list[TrendyolLine] = Field(default_factory=list)
    package_histories: list[TrendyolPackageHistory] = Field(default_factory=list)

    @property
    def customer_phone(self) -> str | None:
        """The shipment (else invoice) address phone as ``90XXXXXXXXXX``, or None."""
        for address in (self.shipment_address, self.invoice_address):
            phone = normalize_tr_phone(address.phone) if address else None
            if phone:
                return phone
        return None

    @property
    def customer_name(self) -> str:
        return " ".join(p for p in (self.customer_first_name, self.customer_last_name) if p)

    @property
    def tracking_url(self) -> str | None:
        """Trendyol's own tracking link, else the carrier's page for the tracking number."""
        return self.cargo_tracking_link or carrier_tracking_url(
            self.cargo_provider_name, self.cargo_tracking_number
        )


class _PackagePage(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="ignore")

    total_pages: int
    content: list[TrendyolPackage]


class TrendyolImage(_TrendyolModel):
    """One ``images[]`` item of a product."""

    url: str


class TrendyolAttribute(_TrendyolModel):
    """One ``attributes[]`` / ``variantAttributes[]`` item (``attributeValue`` may be absent for
    free-text attributes that only carry an id)."""

    attribute_id: NumericId = None
    attribute_name: str = ""
    attribute_value_id: NumericId = None
    attribute_value: str | None = None


SIZE_ATTRIBUTE_NAMES = frozenset({"beden", "numara", "yas", "size"})
"""Folded ``variantAttributes`` names that carry the size of a variant."""
COLOR_ATTRIBUTE_NAMES = frozenset({"renk", "color", "colour"})


class TrendyolProduct(_RawTrendyolModel):
    """One ``content[]`` item of filterProducts: a sellable variant (one barcode).

    Variants of one model share ``product_main_id``; the size is in ``variantAttributes``
    ("Beden", "Numara", "Yaş" or "Size"), the colour in ``color`` or a "Renk" attribute.
    """

    id: NumericId = None
    barcode: Annotated[str, BeforeValidator(_id_to_str)]
    title: str = ""
    product_main_id: NumericId = None
    stock_code: NumericId = None
    product_code: NumericId = None
    brand: str | None = None
    category_name: str | None = None
    quantity: int = 0
    list_price: Decimal | None = None
    sale_price: Decimal | None = None
    vat_rate: Decimal | None = None
    approved: bool | None = None
    on_sale: bool | None = None
    archived: bool | None = None
    color: str | None = None
    product_url: str | None = None
    images: list[TrendyolImage] = Field(default_factory=list)
    attributes: list[TrendyolAttribute] = Field(default_factory=list)
    variant_attributes: list[TrendyolAttribute] = Field(default_factory=list)

    @property
    def size(self) -> str | None:
        """The variant's size ("M", "42", "7-8 Yaş"), or None for one-size products."""
        return _attribute(self.variant_attributes, SIZE_ATTRIBUTE_NAMES)

    @property
    def colour(self) -> str | None:
        """``color``, else a "Renk" variant attribute, else a "Renk" attribute."""
        if self.color and self.color.strip():
            return self.color.strip()
        return _attribute(self.variant_attributes, COLOR_ATTRIBUTE_NAMES) or _attribute(
            self.attributes, COLOR_ATTRIBUTE_NAMES
        )


def _attribute(attributes: list[TrendyolAttribute], names: frozenset[str]) -> str | None:
    for attribute in attributes:
        value = (attribute.attribute_value or "").strip()
        if value and fold(attribute.attribute_name) in names:
            return value
    return None


class _ProductPage(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="ignore")

    total_pages: int
    content: list[TrendyolProduct]


def carrier_tracking_url(provider_name: str | None, tracking_number: str | None) -> str | None:
    """The public tracking page of Yurtiçi or Aras Kargo (WIRE.md §6); None for other carriers."""
    if not provider_name or not tracking_number:
        return None
    name = provider_name.casefold().replace("ç", "c")
    code = quote(tracking_number, safe="")
    if "yurtici" in name:
        return f"https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={code}"
    if "aras" in name:
        return f"https://kargotakip.araskargo.com.tr/mainpage.aspx?code={code}"
    return None


# --- onboarding check -----------------------------------------------------------------------------

ConnectionFailure = Literal[
    "invalid_credentials", "blocked", "not_found", "rate_limited", "unavailable", "bad_response"
]

_FAILURE_TEXT: dict[ConnectionFailure, str] = {
    "invalid_credentials": "API Key veya API Secret hatalı. Trendyol satıcı panelinde "
    "Hesap Bilgilerim > Entegrasyon Bilgileri sayfasındaki değerleri kontrol edin.",
    "blocked": "Trendyol isteği engelledi (403). Entegrasyon adını (User-Agent) ve IP "
    "erişim iznini kontrol edin.",
    "not_found": "Trendyol bu satıcıyı bulamadı (404). Satıcı ID'sini ve API adresini "
    "kontrol edin.",
    "rate_limited": "Trendyol çok fazla istek geldiğini bildirdi (429). Birkaç dakika sonra "
    "tekrar deneyin.",
    "unavailable": "Trendyol'a şu anda ulaşılamıyor (zaman aşımı, bağlantı veya sunucu hatası). "
    "Biraz sonra tekrar deneyin.",
    "bad_response": "Trendyol'dan beklenmeyen bir yanıt geldi. API adresini kontrol edin.",
}


class ConnectionCheck(BaseModel):
    """Result of :meth:`TrendyolClient.test_connection`: a machine ``reason`` and Turkish text."""

    ok: bool
    reason: ConnectionFailure | None = None
    detail: str | None = None


def _failure_reason(error: TrendyolError) -> ConnectionFailure:
    if isinstance(error, TrendyolAuthError):
        return "invalid_credentials" if error.status_code == 401 else "blocked"
    if isinstance(error, TrendyolNotFound):
        return "not_found"
    if isinstance(error, TrendyolRateLimited):
        return "rate_limited"
    if isinstance(error, TrendyolUnavailable):
        return "unavailable"
    return "bad_response"


# --- client ---------------------------------------------------------------------------------------


class TrendyolClient:
    """One seller's connection to the Trendyol Partner API (``async with`` or :meth:`aclose`)."""

    def __init__(
        self,
        *,
        base_url: str,
        seller_id: str,
        api_key: str,
        api_secret: str,
        integrator_name: str = "SelfIntegration",
        timeout_s: float = 8.0,
        max_attempts: int = 3,
        backoff_s: float = 0.5,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not _INTEGRATOR_NAME.fullmatch(integrator_name):
            raise ValueError("integrator_name must be 1-30 letters or digits")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.seller_id = seller_id
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            auth=httpx.BasicAuth(api_key, api_secret),
            headers={
                "User-Agent": f"{seller_id} - {integrator_name}",
                "Accept": "application/json",
            },
            timeout=timeout_s,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def _orders_path(self) -> str:
        return f"/integration/order/sellers/{quote(self.seller_id, safe='')}/orders"

    async def get_orders(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        statuses: list[str] | None = None,
        order_number: str | None = None,
        page_size: int = 50,
    ) -> list[TrendyolPackage]:
        """Packages modified in ``start..end``, newest change first, deduplicated by package id.

        Ranges over two weeks are split into ≤14-day windows. Without any date Trendyol's own
        default (about the last week) applies; with only one, the other is ``end`` = now or
        ``start`` = ``end`` - 7 days. Datetimes must be timezone-aware.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        params: dict[str, str | int] = {
            "orderByField": "PackageLastModifiedDate",
            "orderByDirection": "DESC",
            "size": page_size,
        }
        if statuses:
            params["status"] = ",".join(statuses)
        if order_number:
            params["orderNumber"] = order_number
        date_ranges: list[dict[str, str | int]] = [{}]
        if start is not None or end is not None:
            date_ranges = [
                {"startDate": _epoch_ms(window_start), "endDate": _epoch_ms(window_end)}
                for window_start, window_end in _windows(start, end)
            ]
        packages: dict[str, TrendyolPackage] = {}
        for date_range in date_ranges:
            for package in await self._all_pages({**params, **date_range}):
                packages.setdefault(package.id, package)
        return sorted(packages.values(), key=_newest_change_first)

    async def get_order(self, order_number: str) -> list[TrendyolPackage]:
        """Every package of one order number; [] when Trendyol knows no such order."""
        packages = await self.get_orders(order_number=order_number)
        return [p for p in packages if p.order_number == order_number]

    async def test_connection(self) -> ConnectionCheck:
        """One small orders call to check the seller id, credentials and reachability."""
        try:
            await self._fetch_page({"page": 0, "size": 1})
        except TrendyolError as error:
            reason = _failure_reason(error)
            return ConnectionCheck(ok=False, reason=reason, detail=_FAILURE_TEXT[reason])
        return ConnectionCheck(ok=True, detail="Bağlantı başarılı: Trendyol mağazanıza erişildi.")

    async def _all_pages(self, params: dict[str, str | int]) -> list[TrendyolPackage]:
        packages: list[TrendyolPackage] = []
        page, total_pages = 0, 1
        while page < total_pages:
            result = await self._fetch_page({**params, "page": page})
            if not result.content:
                break
            packages.extend(result.content)
            page, total_pages = page + 1, result.total_pages
        return packages

    async def _fetch_page(self, params: dict[str, str | int]) -> _PackagePage:
        response = await self._get(self._orders_path, params=params)
        try:
            return _PackagePage.model_validate(response.json())
        except (ValueError, ValidationError) as error:  # JSONDecodeError is a ValueError
            raise TrendyolBadResponse(
                f"unexpected orders response: {_excerpt(response)}",
                status_code=response.status_code,
            ) from error

    @property
    def _products_path(self) -> str:
        return f"/integration/product/sellers/{quote(self.seller_id, safe='')}/products"

    async def products(
        self,
        *,
        barcode: str | None = None,
        stock_code: str | None = None,
        product_main_id: str | None = None,
        approved: bool | None = None,
        on_sale: bool | None = None,
        page_size: int = 100,
    ) -> list[TrendyolProduct]:
        """The seller's catalogue (filterProducts), every page, one item per barcode, in
        Trendyol's order. Filters left as None are not sent."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        params: dict[str, str | int] = {"size": page_size}
        for key, value in (
            ("barcode", barcode),
            ("stockCode", stock_code),
            ("productMainId", product_main_id),
        ):
            if value is not None:
                params[key] = value
        for key, flag in (("approved", approved), ("onSale", on_sale)):
            if flag is not None:
                params[key] = "true" if flag else "false"
        products: dict[str, TrendyolProduct] = {}
        page, total_pages = 0, 1
        while page < total_pages:
            result = await self._fetch_product_page({**params, "page": page})
            if not result.content:
                break
            for product in result.content:
                products.setdefault(product.barcode, product)
            page, total_pages = page + 1, result.total_pages
        return list(products.values())

    async def product(self, barcode: str) -> TrendyolProduct | None:
        """The variant with this barcode, or None when the seller has none."""
        found = await self.products(barcode=barcode, page_size=1)
        return next((p for p in found if p.barcode == barcode), None)

    async def _fetch_product_page(self, params: dict[str, str | int]) -> _ProductPage:
        response = await self._get(self._products_path, params=params)
        try:
            return _ProductPage.model_validate(response.json())
        except (ValueError, ValidationError) as error:  # JSONDecodeError is a ValueError
            raise TrendyolBadResponse(
                f"unexpected products response: {_excerpt(response)}",
                status_code=response.status_code,
            ) from error

    async def _get(self, path: str, *, params: dict[str, str | int]) -> httpx.Response:
        """Send with retries on 429, 5xx, timeouts and network errors; typed errors otherwise."""
        attempt = 0
        while True:
            last = attempt + 1 >= self._max_attempts
            try:
                response = await self._http.get(path, params=params)
            except _RETRIABLE_TRANSPORT_ERRORS as error:
                if last:
                    raise TrendyolUnavailable(f"Trendyol unreachable: {error!r}") from error
                retry_after = None
            except httpx.TransportError as error:
                raise TrendyolUnavailable(f"Trendyol unreachable: {error!r}") from error
            else:
                if last or not _retriable(response.status_code):
                    _raise_for_status(response)
                    return response
                retry_after = response.headers.get("Retry-After")
            await asyncio.sleep(_retry_delay(attempt, retry_after, backoff_s=self._backoff_s))
            attempt += 1


def _retriable(status_code: int) -> bool:
    return status_code == 429 or status_code >= 500


def _retry_delay(attempt: int, retry_after: str | None, *, backoff_s: float) -> float:
    """``Retry-After`` seconds when given, else ``backoff_s * 2**attempt``; capped."""
    delay = backoff_s * 2**attempt
    if retry_after is not None:
        try:
            delay = max(float(retry_after), 0.0)
        except ValueError:
            pass  # an HTTP-date: keep the exponential backoff
    return min(delay, MAX_RETRY_DELAY_S)


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    error_type: type[TrendyolError] = TrendyolBadResponse
    if status in (401, 403):
        error_type = TrendyolAuthError
    elif status == 404:
        error_type = TrendyolNotFound
    elif status == 429:
        error_type = TrendyolRateLimited
    elif status >= 500:
        error_type = TrendyolUnavailable
    elif status >= 400:
        error_type = TrendyolBadRequest
    raise error_type(f"Trendyol answered {status}: {_excerpt(response)}", status_code=status)


def _excerpt(response: httpx.Response) -> str:
    text = " ".join(response.text.split())
    if not text:
        return "(empty body)"
    return text if len(text) <= _EXCERPT_CHARS else text[:_EXCERPT_CHARS] + "…"


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _windows(start: datetime | None, end: datetime | None) -> list[tuple[datetime, datetime]]:
    """Split ``start..end`` into consecutive ranges of at most 14 days, newest first."""
    if any(moment is not None and moment.tzinfo is None for moment in (start, end)):
        raise ValueError("datetimes passed to Trendyol must be timezone-aware")
    end = end or datetime.now(UTC)
    start = start or end - DEFAULT_RANGE
    if start > end:
        raise ValueError("start must not be after end")
    windows = [(max(start, end - MAX_RANGE), end)]
    while windows[-1][0] > start:
        window_end = windows[-1][0]
        windows.append((max(start, window_end - MAX_RANGE), window_end))
    return windows


def _newest_change_first(package: TrendyolPackage) -> tuple[bool, float]:
    changed = package.last_modified_date or package.order_date
    return (changed is None, -changed.timestamp() if changed else 0.0)
