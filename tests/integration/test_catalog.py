"""The product catalogue: the Trendyol products client over HTTP, the products_cache mirror and
the stock tools (check_stock, exchange_options)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from langchain_core.tools import BaseTool
from langgraph.prebuilt import ToolRuntime
from sqlalchemy import func, select, update

from invekto.graphs.conversation.runner import ports_for, tenant_info
from invekto.integrations.catalog import (
    ERROR_KEY,
    SYNCED_AT_KEY,
    Catalog,
    canonical_color,
    size_key,
    size_matches,
)
from invekto.integrations.orders import MarketplaceUnavailable, OrderDirectory
from invekto.integrations.trendyol import (
    TrendyolAuthError,
    TrendyolBadResponse,
    TrendyolClient,
    TrendyolProduct,
    TrendyolRateLimited,
    TrendyolUnavailable,
)
from invekto.sandbox.demo import AYSE_PHONE, DEMO_CLINIC, DEMO_SHOP, MEHMET_PHONE
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL, router
from invekto.sandbox.trendyol_catalog import demo_products
from invekto.sandbox.trendyol_demo import demo_packages
from invekto.storage.models import IntegrationAccount, ProductCache, Tenant
from invekto.tools.context import TenantInfo, TurnContext
from invekto.tools.stock import ExchangeOptions, StockResult, check_stock, exchange_options
from tests.support.server import serve

SELLER_ID = DEMO_SHOP.trendyol_seller_id or ""
PRODUCTS_PATH = f"/integration/product/sellers/{SELLER_ID}/products"
ELIF_PHONE = "905061112244"
CATALOGUE = demo_products()[SELLER_ID]
BY_STOCK_CODE = {p["stockCode"]: p for p in CATALOGUE}
DOWN = {"status": 500, "times": 50}
"""Enough 500s for every attempt of every call in a test (the sandbox is reset after each)."""

ClientFactory = Callable[..., TrendyolClient]


def barcode(stock_code: str) -> str:
    return BY_STOCK_CODE[stock_code]["barcode"]


# --- the client over real HTTP --------------------------------------------------------------------


class RecordingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await super().handle_async_request(request)


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    app = FastAPI()
    app.include_router(router, prefix="/sandbox/trendyol")
    with serve(app) as url:
        yield f"{url}/sandbox/trendyol"


@pytest.fixture
async def make_client(sandbox_url: str) -> AsyncIterator[ClientFactory]:
    clients: list[TrendyolClient] = []

    def factory(**overrides: object) -> TrendyolClient:
        options: dict[str, object] = {
            "base_url": sandbox_url,
            "seller_id": SELLER_ID,
            "api_key": DEMO_SHOP.trendyol_api_key,
            "api_secret": DEMO_SHOP.trendyol_api_secret,
            "timeout_s": 2.0,
            "max_attempts": 3,
            "backoff_s": 0.01,
        }
        client = TrendyolClient(**{**options, **overrides})  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()


def _queries(transport: RecordingTransport) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(str(r.url)).query) for r in transport.requests]


async def test_every_page_of_the_catalogue(make_client: ClientFactory) -> None:
    transport = RecordingTransport()
    products = await make_client(transport=transport).products(page_size=7)

    assert [p.barcode for p in products] == [p["barcode"] for p in CATALOGUE]
    assert len({p.barcode for p in products}) == len(CATALOGUE) == 82
    queries = _queries(transport)
    assert [q["page"] for q in queries] == [[str(n)] for n in range(12)]
    assert all(q["size"] == ["7"] for q in queries)
    assert all(r.url.path.endswith(PRODUCTS_PATH) for r in transport.requests)


async def test_one_variant_has_every_field(make_client: ClientFactory) -> None:
    product = await make_client().product("8681234500011")

    assert product is not None
    assert product.title == "Kadın Keten Gömlek"
    assert (product.product_main_id, product.stock_code) == ("KG-2026", "KG-BYZ-M")
    assert product.product_code == "712340011"
    assert (product.brand, product.category_name) == ("Demo Butik", "Gömlek")
    assert product.quantity == 3
    assert (product.list_price, product.sale_price) == (Decimal("549.99"), Decimal("449.99"))
    assert product.vat_rate == 10
    assert product.approved is True and product.on_sale is True
    assert (product.colour, product.size) == ("Beyaz", "M")
    assert product.variant_attributes[0].attribute_name == "Beden"
    assert {a.attribute_name for a in product.attributes} >= {"Renk", "Materyal"}
    assert product.images and product.images[0].url.startswith("https://")
    assert product.product_url and product.product_url.startswith("https://www.trendyol.com/")
    assert product.raw["barcode"] == "8681234500011"
    assert await make_client().product("0000000000000") is None


async def test_colour_only_in_variant_attributes(make_client: ClientFactory) -> None:
    headphones = await make_client().product("8681234500066")
    assert headphones is not None
    assert headphones.color is None and "color" not in headphones.raw
    assert (headphones.colour, headphones.size, headphones.quantity) == ("Siyah", None, 0)


def test_size_and_colour_attributes_are_read_by_name() -> None:
    child = TrendyolProduct.model_validate(
        {
            "barcode": 1234567890123,
            "variantAttributes": [{"attributeName": "YAŞ", "attributeValue": "7-8 Yaş"}],
            "attributes": [{"attributeName": "Renk", "attributeValue": "Kırmızı"}],
        }
    )
    assert (child.barcode, child.size, child.colour) == ("1234567890123", "7-8 Yaş", "Kırmızı")
    english = TrendyolProduct.model_validate(
        {
            "barcode": "x",
            "color": "  ",
            "variantAttributes": [
                {"attributeName": "Size", "attributeValue": "XL"},
                {"attributeName": "Renk", "attributeValue": "Gri"},
            ],
        }
    )
    assert (english.size, english.colour) == ("XL", "Gri")


async def test_filters_are_sent_and_applied(make_client: ClientFactory) -> None:
    transport = RecordingTransport()
    client = make_client(transport=transport)

    shoes = await client.products(product_main_id="ESA-2026")
    [black_m] = await client.products(stock_code="KG-SYH-M")
    unapproved = await client.products(approved=False)
    withdrawn = await client.products(on_sale=False)

    assert len(shoes) == 7 and {p.product_main_id for p in shoes} == {"ESA-2026"}
    assert (black_m.colour, black_m.size, black_m.quantity) == ("Siyah", "M", 7)
    assert {p.product_main_id for p in unapproved} == {"KKP-2026"}
    assert {p.product_main_id for p in withdrawn} == {"HSP-2026"}
    queries = _queries(transport)
    assert queries[0]["productMainId"] == ["ESA-2026"]
    assert queries[1]["stockCode"] == ["KG-SYH-M"]
    assert queries[2]["approved"] == ["false"]
    assert queries[3]["onSale"] == ["false"]
    assert "approved" not in queries[0] and "barcode" not in queries[0]


async def test_every_order_line_maps_to_its_product(make_client: ClientFactory) -> None:
    client = make_client()
    lines = [line for p in demo_packages()[SELLER_ID] for line in p["lines"]]
    assert len(lines) == 8
    for line in lines:
        [product] = await client.products(barcode=line["barcode"])
        assert product.stock_code == line["merchantSku"]
        assert product.product_code == str(line["productCode"])
        assert (product.colour, product.size) == (line["productColor"], line["productSize"])
        assert line["productName"].startswith(product.title)
        assert product.sale_price == Decimal(str(line["price"] + line["discount"]))


async def test_products_failures(make_client: ClientFactory) -> None:
    with pytest.raises(TrendyolAuthError) as caught:
        await make_client(api_secret="wrong").products()
    assert caught.value.status_code == 401

    SANDBOX_TRENDYOL.inject(SELLER_ID, status=429, times=2)
    assert len(await make_client().products(product_main_id="KG-2026")) == 8

    SANDBOX_TRENDYOL.inject(SELLER_ID, status=429, times=3)
    with pytest.raises(TrendyolRateLimited):
        await make_client().products()

    SANDBOX_TRENDYOL.inject(SELLER_ID, status=500, times=3)
    with pytest.raises(TrendyolUnavailable) as unavailable:
        await make_client().products()
    assert unavailable.value.status_code == 500

    SANDBOX_TRENDYOL.inject(SELLER_ID, body='{"content": "nope"}')
    with pytest.raises(TrendyolBadResponse):
        await make_client().products()

    with pytest.raises(ValueError):
        await make_client().products(page_size=0)


async def test_products_timeout(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, delay_s=1.0, times=2)
    with pytest.raises(TrendyolUnavailable) as caught:
        await make_client(timeout_s=0.3, max_attempts=2).products()
    assert caught.value.status_code is None


async def test_products_sandbox_checks_the_user_agent(sandbox_url: str) -> None:
    auth = (DEMO_SHOP.trendyol_api_key or "", DEMO_SHOP.trendyol_api_secret or "")
    async with httpx.AsyncClient(base_url=sandbox_url, auth=auth) as http:
        generic = await http.get(PRODUCTS_PATH, headers={"User-Agent": "python-httpx/0.28"})
        proper = await http.get(PRODUCTS_PATH, headers={"User-Agent": f"{SELLER_ID} - Invekto"})
    assert generic.status_code == 403
    assert proper.status_code == 200
    body = proper.json()
    assert (body["page"], body["size"], body["totalElements"]) == (0, 50, 82)
    assert body["totalPages"] == 2 and len(body["content"]) == 50


async def test_products_control_endpoint(sandbox_url: str, make_client: ClientFactory) -> None:
    extra = BY_STOCK_CODE["KG-BYZ-L"] | {"barcode": "2000000000001", "stockCode": "KG-BYZ-XS"}
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/_control") as control:
        added = await control.post("/products", json={"seller_id": SELLER_ID, "product": extra})
        bad = await control.post("/products", json={"seller_id": SELLER_ID, "product": {}})
    assert added.status_code == 200 and bad.status_code == 422
    found = await make_client().product("2000000000001")
    assert found is not None and found.stock_code == "KG-BYZ-XS"


def test_demo_catalogue_facts() -> None:
    assert demo_products() == demo_products()  # deterministic

    def quantity(code: str) -> int:
        return BY_STOCK_CODE[code]["quantity"]

    assert [quantity(f"KG-BYZ-{s}") for s in "S M L XL".split()] == [2, 3, 4, 0]
    assert [quantity(f"KG-SYH-{s}") for s in "S M L XL".split()] == [0, 7, 5, 1]
    assert [quantity(f"ESA-SYH-{n}") for n in range(40, 45)] == [3, 6, 2, 5, 0]
    assert [quantity(f"CYE-CCK-{s}") for s in "S M L".split()] == [2, 4, 0]
    assert quantity("KBK-SYH") == 0 and quantity("KBK-BYZ") == 9
    assert quantity("BPT-BYZ-M") == 450 and quantity("BPT-KRM-XXL") == 0
    assert len({p["barcode"] for p in CATALOGUE}) == len({p["stockCode"] for p in CATALOGUE})


# --- the mirror -----------------------------------------------------------------------------------


async def _tenant_id(stack: Any, slug: str) -> uuid.UUID:
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        assert tenant is not None
        return tenant.id


@pytest.fixture
async def shop(stack: Any) -> uuid.UUID:
    return await _tenant_id(stack, DEMO_SHOP.slug)


@pytest.fixture
async def clinic(stack: Any) -> uuid.UUID:
    return await _tenant_id(stack, DEMO_CLINIC.slug)


async def _cursor(stack: Any, tenant_id: uuid.UUID) -> dict[str, Any]:
    async with stack.services.db.session() as session:
        account = await session.scalar(
            select(IntegrationAccount).where(IntegrationAccount.tenant_id == tenant_id)
        )
        assert account is not None
        return dict(account.sync_cursor)


async def _age_the_mirror(stack: Any, tenant_id: uuid.UUID) -> None:
    async with stack.services.db.session() as session:
        await session.execute(
            update(IntegrationAccount)
            .where(IntegrationAccount.tenant_id == tenant_id)
            .values(sync_cursor={SYNCED_AT_KEY: "2026-01-01T00:00:00+00:00"})
        )
        await session.commit()


def _variants(lookup: Any) -> list[tuple[str, str | None, str | None, int]]:
    return [(r.product_main_id, r.color, r.size, r.quantity) for r in lookup.products]


async def test_refresh_mirrors_the_whole_catalogue(stack: Any, shop: uuid.UUID) -> None:
    assert await Catalog(stack.services, shop).refresh() is False

    async with stack.services.db.session() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(ProductCache)
            .where(ProductCache.tenant_id == shop, ProductCache.provider == "trendyol")
        )
        shirt = await session.scalar(
            select(ProductCache).where(ProductCache.barcode == "8681234500011")
        )
    assert count == 82
    assert shirt is not None
    assert (shirt.title, shirt.product_main_id, shirt.stock_code) == (
        "Kadın Keten Gömlek",
        "KG-2026",
        "KG-BYZ-M",
    )
    assert (shirt.color, shirt.size, shirt.quantity, shirt.on_sale) == ("Beyaz", "M", 3, True)
    assert (shirt.category, shirt.brand) == ("Gömlek", "Demo Butik")
    assert shirt.sale_price == Decimal("449.99") and shirt.list_price == Decimal("549.99")
    assert shirt.raw["productCode"] == 712340011
    cursor = await _cursor(stack, shop)
    assert SYNCED_AT_KEY in cursor and ERROR_KEY not in cursor


async def test_fresh_mirror_is_reused_old_one_refreshed(stack: Any, shop: uuid.UUID) -> None:
    white_xl = barcode("KG-BYZ-XL")
    await Catalog(stack.services, shop).refresh()
    SANDBOX_TRENDYOL.update_product(SELLER_ID, white_xl, quantity=9)
    SANDBOX_TRENDYOL.remove_product(SELLER_ID, barcode("KG-SYH-XL"))

    fresh = await Catalog(stack.services, shop).search("gömlek", size="XL")
    assert _variants(fresh) == [("KG-2026", "Beyaz", "XL", 0), ("KG-2026", "Siyah", "XL", 1)]

    await _age_the_mirror(stack, shop)
    refreshed = await Catalog(stack.services, shop).search("gömlek", size="XL")
    assert _variants(refreshed) == [("KG-2026", "Beyaz", "XL", 9)]
    assert refreshed.stale is False


async def test_concurrent_lookups_share_one_refresh(
    stack: Any, shop: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0
    original = TrendyolClient.products

    async def counting(self: TrendyolClient, **kwargs: Any) -> list[TrendyolProduct]:
        nonlocal calls
        calls += 1
        return await original(self, **kwargs)

    monkeypatch.setattr(TrendyolClient, "products", counting)
    results = await asyncio.gather(
        *(Catalog(stack.services, shop).search("tişört") for _ in range(4))
    )
    assert calls == 1
    assert all(len(r.products) == 25 for r in results)


async def test_marketplace_down_uses_the_stale_mirror(stack: Any, shop: uuid.UUID) -> None:
    await Catalog(stack.services, shop).refresh()
    SANDBOX_TRENDYOL.inject(SELLER_ID, **DOWN)

    fresh = await Catalog(stack.services, shop).search("keten gömlek", size="M")
    assert fresh.stale is False  # fresh enough: Trendyol is not asked

    forced = Catalog(stack.services, shop, fresh=dt.timedelta(0))
    lookup = await forced.search("keten gömlek", size="M")
    assert lookup.stale is True
    assert _variants(lookup) == [("KG-2026", "Beyaz", "M", 3), ("KG-2026", "Siyah", "M", 7)]
    assert "TrendyolUnavailable" in (await _cursor(stack, shop))[ERROR_KEY]


async def test_marketplace_down_with_nothing_mirrored(stack: Any, shop: uuid.UUID) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, **DOWN)
    with pytest.raises(MarketplaceUnavailable):
        await Catalog(stack.services, shop).search("gömlek")


async def test_search_by_words_sizes_and_colours(stack: Any, shop: uuid.UUID) -> None:
    catalog = Catalog(stack.services, shop)

    async def found(text: str, **filters: str) -> list[tuple[str, str | None, str | None]]:
        lookup = await catalog.search(text, **filters)
        return [(r.product_main_id, r.color, r.size) for r in lookup.products]

    shirts = await found("keten gömlek")
    assert len(shirts) == 8 and {main for main, _, _ in shirts} == {"KG-2026"}
    assert shirts[:4] == [("KG-2026", "Beyaz", s) for s in ("S", "M", "L", "XL")]
    assert await found("gömleğin M bedeni var mı") == [
        ("KG-2026", "Beyaz", "M"),
        ("KG-2026", "Siyah", "M"),
    ]
    assert await found("siyah tişörtler") == [
        ("BPT-2026", "Siyah", s) for s in "S M L XL XXL".split()
    ]
    assert await found("tişört", color="black", size="xxl") == [("BPT-2026", "Siyah", "XXL")]
    assert await found("Spor ayakkabı 43 numara") == [
        ("ESA-2026", "Beyaz", "43"),
        ("ESA-2026", "Siyah", "43"),
    ]
    assert await found("çocuk montu", size="8") == [
        ("CSM-2026", "Kırmızı", "7-8 Yaş"),
        ("CSM-2026", "Lacivert", "7-8 Yaş"),
    ]
    assert await found("çorap", size="41", color="beyaz") == [("EPC-2026", "Beyaz", "39-42")]
    assert await found("kulaklık", color="siyah") == [("KBK-2026", "Siyah", None)]
    assert {main for main, _, _ in await found("erkek")} == {"ESA-2026", "HDC-2026", "EPC-2026"}
    assert await found("erkek cüzdan") == [
        ("HDC-2026", c, None) for c in ("Kahverengi", "Lacivert", "Siyah")
    ]
    assert await found("keten pantolon") == []  # awaiting approval: never offered
    assert await found("çamaşır makinesi") == []
    assert await found("var mı") == []


async def test_variants_and_order_lines(stack: Any, shop: uuid.UUID) -> None:
    catalog = Catalog(stack.services, shop)

    variants = await catalog.variants("KG-2026")
    assert [(r.color, r.size) for r in variants.products] == [
        (c, s) for c in ("Beyaz", "Siyah") for s in ("S", "M", "L", "XL")
    ]
    by_barcode = await catalog.for_order_line({"barcode": "8681234500028"})
    by_sku = await catalog.for_order_line({"merchant_sku": "HSK-BEJ", "product_name": "Kemer"})
    unknown = await catalog.for_order_line({"barcode": "1", "merchantSku": "NOPE"})
    assert [r.stock_code for r in by_barcode.products] == ["ESA-SYH-42"]
    assert [r.barcode for r in by_sku.products] == ["8681234500080"]
    assert unknown.products == []


def test_size_and_colour_normalisation() -> None:
    assert [size_key(s) for s in ("M beden", "xxl", "42 numara", "7-8 Yaş", "6-9 ay")] == [
        "m",
        "2xl",
        "42",
        "7-8",
        "6-9",
    ]
    assert size_matches("2XL", "XXL") and size_matches("8", "7-8 Yaş")
    assert not size_matches("M", "XL") and not size_matches("M", None)
    assert size_matches(None, None)
    assert [canonical_color(c) for c in ("Siyah", "black", "KIRMIZI", "Açık Mavi")] == [
        "siyah",
        "siyah",
        "kırmızı",
        "mavi",
    ]
    assert canonical_color("Çok Renkli") == "çok renkli" and canonical_color(" ") is None


async def test_tenant_isolation(stack: Any, shop: uuid.UUID, clinic: uuid.UUID) -> None:
    await Catalog(stack.services, shop).refresh()
    clinic_catalog = Catalog(stack.services, clinic)

    assert await clinic_catalog.refresh() is False  # no marketplace account, nothing to do
    assert (await clinic_catalog.search("keten gömlek")).products == []
    assert (await clinic_catalog.variants("KG-2026")).products == []
    assert (await clinic_catalog.for_order_line({"barcode": "8681234500011"})).products == []
    async with stack.services.db.tenant_session(clinic) as session:
        visible = await session.scalar(select(func.count()).select_from(ProductCache))
    async with stack.services.db.tenant_session(shop) as session:
        own = await session.scalar(select(func.count()).select_from(ProductCache))
    assert (visible, own) == (0, 82 + 3)  # the Trendyol mirror and the shop's own products

    result = await _call(stack, check_stock, DEMO_CLINIC.slug, AYSE_PHONE, product="gömlek")
    assert (result.reason, result.products, result.alternatives) == ("not_found", [], [])
    exchange = await _call(
        stack, exchange_options, DEMO_CLINIC.slug, AYSE_PHONE, order_number="10654400001"
    )
    assert exchange.reason == "not_found" and exchange.current is None


# --- the tools ------------------------------------------------------------------------------------


async def _tenant_info(stack: Any, slug: str) -> TenantInfo:
    async with stack.services.db.session() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
        assert tenant is not None
        return tenant_info(tenant)


async def _call(stack: Any, tool: BaseTool, slug: str, phone: str, **args: Any) -> Any:
    tenant = await _tenant_info(stack, slug)
    context = TurnContext(
        tenant=tenant,
        conversation_id=uuid.uuid4(),
        conversation_status="bot",
        customer_id=uuid.uuid4(),
        customer_phone=phone,
        customer_name="",
        channel_id=uuid.uuid4(),
        inbound_message_id=uuid.uuid4(),
        received_at=dt.datetime.now(dt.UTC),
        started_at=time.perf_counter(),
        ports=ports_for(stack.services, tenant),
    )
    runtime = ToolRuntime(
        state={},
        context=context,
        config={},
        stream_writer=lambda _: None,
        tool_call_id=f"{tool.name}-test",
        store=None,
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Pydantic serializer warnings", UserWarning)
        return await tool.ainvoke({**args, "runtime": runtime})


async def stock(stack: Any, **args: Any) -> StockResult:
    return await _call(stack, check_stock, DEMO_SHOP.slug, AYSE_PHONE, **args)


async def exchange(stack: Any, phone: str = AYSE_PHONE, **args: Any) -> ExchangeOptions:
    return await _call(stack, exchange_options, DEMO_SHOP.slug, phone, **args)


def _seen(views: list[Any]) -> list[tuple[str | None, str | None, bool, int]]:
    return [(v.color, v.size, v.in_stock, v.quantity) for v in views]


async def test_check_stock_in_a_size(stack: Any) -> None:
    result = await stock(stack, product="keten gömlek", size="M")

    assert result.reason == "ok" and result.stale is False
    assert _seen(result.products) == [("Beyaz", "M", True, 3), ("Siyah", "M", True, 7)]
    white = result.products[0]
    assert (white.title, white.product_main_id, white.barcode) == (
        "Kadın Keten Gömlek",
        "KG-2026",
        "8681234500011",
    )
    assert white.sale_price == "449.99"
    assert white.product_url and "trendyol.com" in white.product_url
    assert result.alternatives == []


async def test_check_stock_out_of_stock_and_missing_sizes(stack: Any) -> None:
    out = await stock(stack, product="spor ayakkabı", size="44")
    assert out.reason == "ok" and _seen(out.products) == [("Siyah", "44", False, 0)]
    assert _seen(out.alternatives)[:2] == [("Beyaz", "42", True, 3), ("Siyah", "40", True, 3)]
    assert len(out.alternatives) == 6 and not out.alternatives[-1].in_stock

    missing = await stock(stack, product="spor ayakkabı", size="45")
    assert missing.reason == "not_found" and missing.products == []
    available = [v.in_stock for v in missing.alternatives]
    assert len(available) == 7 and available == sorted(available, reverse=True)
    assert ("Siyah", "43", True, 5) in _seen(missing.alternatives)

    wholesale = await stock(stack, product="basic tişört", color="lacivert")
    assert sum(v.quantity for v in wholesale.products) == 780

    withdrawn = await stock(stack, product="hasır şapka")
    assert _seen(withdrawn.products) == [("Bej", None, False, 0)]
    assert withdrawn.alternatives == []

    nothing = await stock(stack, product="keten pantolon")
    assert (nothing.reason, nothing.products, nothing.alternatives) == ("not_found", [], [])


async def test_check_stock_unavailable_and_stale(stack: Any, shop: uuid.UUID) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, **DOWN)
    assert (await stock(stack, product="gömlek")).reason == "unavailable"

    SANDBOX_TRENDYOL.reset()
    assert (await stock(stack, product="gömlek")).stale is False
    await _age_the_mirror(stack, shop)
    SANDBOX_TRENDYOL.inject(SELLER_ID, **DOWN)
    stale = await stock(stack, product="gömlek", size="L", color="beyaz")
    assert (stale.reason, stale.stale) == ("ok", True)
    assert _seen(stale.products) == [("Beyaz", "L", True, 4)]


async def test_exchange_for_another_size(stack: Any) -> None:
    result = await exchange(stack, order_number="10654400001", size="L")

    assert result.reason == "ok"
    assert result.current is not None
    assert (result.current.barcode, result.current.color, result.current.size) == (
        "8681234500011",
        "Beyaz",
        "M",
    )
    assert _seen(result.options) == [("Beyaz", "L", True, 4), ("Siyah", "L", True, 5)]


async def test_exchange_options_without_and_with_a_colour(stack: Any) -> None:
    every = await exchange(stack, order_number=" 10654400001 ")
    assert len(every.options) == 7
    assert "8681234500011" not in {v.barcode for v in every.options}
    assert [v.in_stock for v in every.options] == [True] * 5 + [False] * 2

    black = await exchange(stack, order_number="10654400001", color="siyah")
    assert _seen(black.options) == [
        ("Siyah", "M", True, 7),  # the ordered size first
        ("Siyah", "L", True, 5),
        ("Siyah", "XL", True, 1),
        ("Siyah", "S", False, 0),
    ]

    sold_out = await exchange(stack, order_number="10654400001", size="XL", color="Beyaz")
    assert _seen(sold_out.options) == [("Beyaz", "XL", False, 0)]

    shoes = await exchange(stack, order_number="10654400002", size="43")
    assert shoes.current is not None and shoes.current.size == "42"
    assert _seen(shoes.options) == [("Siyah", "43", True, 5), ("Beyaz", "43", False, 0)]

    absent = await exchange(stack, order_number="10654400002", size="46")
    assert (absent.reason, absent.options) == ("ok", [])


async def test_exchange_picks_the_line_that_has_the_asked_variant(stack: Any) -> None:
    dress = await exchange(stack, ELIF_PHONE, order_number="10654400007", size="M")
    belt = await exchange(stack, ELIF_PHONE, order_number="10654400007", color="siyah")
    first = await exchange(stack, ELIF_PHONE, order_number="10654400007")

    assert dress.current is not None and dress.current.title == "Çiçekli Yazlık Elbise"
    assert _seen(dress.options) == [("Çok Renkli", "M", True, 4)]
    assert belt.current is not None and belt.current.title == "Hasır Kemer"
    assert _seen(belt.options) == [("Siyah", None, True, 6)]
    assert first.current is not None and first.current.title == "Çiçekli Yazlık Elbise"
    assert _seen(first.options) == [("Çok Renkli", "M", True, 4), ("Çok Renkli", "L", False, 0)]


async def test_exchange_someone_elses_order_reveals_nothing(stack: Any) -> None:
    result = await exchange(stack, MEHMET_PHONE, order_number="10654400001", size="L")

    assert result == ExchangeOptions(reason="not_yours")
    dumped = result.model_dump_json()
    for secret in ("Keten", "8681234500011", "Beyaz"):
        assert secret not in dumped


async def test_exchange_not_found_unavailable_and_no_product(stack: Any, shop: uuid.UUID) -> None:
    assert (await exchange(stack, order_number="99999999999")).reason == "not_found"

    SANDBOX_TRENDYOL.inject(SELLER_ID, **DOWN)
    assert (await exchange(stack, order_number="10654400001")).reason == "unavailable"

    SANDBOX_TRENDYOL.reset()
    await OrderDirectory(stack.services, shop).by_number("10654400001")  # order cached, fresh
    SANDBOX_TRENDYOL.inject(SELLER_ID, **DOWN)  # the catalogue was never mirrored
    assert (await exchange(stack, order_number="10654400001")).reason == "unavailable"

    SANDBOX_TRENDYOL.reset()
    package = demo_packages()[SELLER_ID][0]
    package["id"], package["orderNumber"] = 3100000099, "10654400099"
    package["lines"][0] |= {"barcode": "0000000000000", "merchantSku": "NOT-IN-CATALOGUE"}
    SANDBOX_TRENDYOL.add_package(SELLER_ID, package)
    unknown = await exchange(stack, order_number="10654400099")
    assert (unknown.reason, unknown.current, unknown.options) == ("no_product", None, [])
