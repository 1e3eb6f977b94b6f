"""The real TrendyolClient against the Trendyol sandbox served over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from invekto.integrations.trendyol import (
    MAX_RETRY_DELAY_S,
    TrendyolAuthError,
    TrendyolBadResponse,
    TrendyolClient,
    TrendyolNotFound,
    TrendyolRateLimited,
    TrendyolUnavailable,
    _retry_delay,
)
from invekto.sandbox.demo import AYSE_PHONE, DEMO_SHOP, MEHMET_PHONE, NO_ORDERS_PHONE
from invekto.sandbox.trendyol import SANDBOX_TRENDYOL, router
from invekto.sandbox.trendyol_demo import demo_packages
from tests.support.server import free_port, serve

ISTANBUL = ZoneInfo("Europe/Istanbul")
SELLER_ID = DEMO_SHOP.trendyol_seller_id or ""
ORDERS_PATH = f"/integration/order/sellers/{SELLER_ID}/orders"
DEMO_ORDER_NUMBERS = {f"1065440000{n}" for n in range(1, 8)}

ClientFactory = Callable[..., TrendyolClient]


class RecordingTransport(httpx.AsyncHTTPTransport):
    """A real HTTP transport that remembers every request it sent."""

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


@pytest.fixture(autouse=True)
def fresh_sandbox() -> Iterator[None]:
    SANDBOX_TRENDYOL.reset()
    yield
    SANDBOX_TRENDYOL.reset()


@pytest.fixture
async def make_client(sandbox_url: str) -> AsyncIterator[ClientFactory]:
    """Build demo-shop clients with fast retries; every one is closed after the test."""
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


def _last(days: int) -> dict[str, datetime]:
    end = datetime.now(UTC)
    return {"start": end - timedelta(days=days), "end": end}


def _istanbul_today() -> date:
    return datetime.now(ISTANBUL).date()


# --- listing --------------------------------------------------------------------------------------


async def test_last_30_days_split_into_windows_and_pages(make_client: ClientFactory) -> None:
    transport = RecordingTransport()
    packages = await make_client(transport=transport).get_orders(**_last(30), page_size=2)

    assert {p.order_number for p in packages} == DEMO_ORDER_NUMBERS
    assert len({p.id for p in packages}) == len(packages)
    changes = [p.last_modified_date for p in packages]
    assert changes == sorted(changes, reverse=True)  # type: ignore[type-var]
    queries = [parse_qs(urlsplit(str(r.url)).query) for r in transport.requests]
    windows = {(q["startDate"][0], q["endDate"][0]) for q in queries}
    assert len(windows) == 3
    assert all(int(end) - int(start) <= 14 * 86_400_000 for start, end in windows)
    assert {q["page"][0] for q in queries} >= {"0", "1"}
    assert all(q["orderByField"] == ["PackageLastModifiedDate"] for q in queries)
    assert all(q["orderByDirection"] == ["DESC"] for q in queries)


async def test_two_weeks_miss_the_older_order(make_client: ClientFactory) -> None:
    packages = await make_client().get_orders(**_last(14))
    assert "10654400007" not in {p.order_number for p in packages}
    assert "10654400002" in {p.order_number for p in packages}


async def test_status_filter(make_client: ClientFactory) -> None:
    packages = await make_client().get_orders(**_last(30), statuses=["Shipped"])
    assert {p.order_number for p in packages} == {"10654400001", "10654400004", "10654400005"}
    zeynep = [p for p in packages if p.customer_phone == "905301234567"]
    assert len(zeynep) == 2


async def test_without_dates_trendyol_default_week(make_client: ClientFactory) -> None:
    numbers = {p.order_number for p in await make_client().get_orders()}
    assert {"10654400001", "10654400003"} <= numbers
    assert "10654400007" not in numbers


async def test_invalid_arguments_are_rejected_before_any_call(make_client: ClientFactory) -> None:
    client = make_client()
    with pytest.raises(ValueError):
        await client.get_orders(page_size=0)
    with pytest.raises(ValueError):
        await client.get_orders(start=datetime(2026, 1, 1))  # naive
    now = datetime.now(UTC)
    with pytest.raises(ValueError):
        await client.get_orders(start=now, end=now - timedelta(days=1))
    with pytest.raises(ValueError):
        make_client(integrator_name="Not Alphanumeric!")


# --- one order ------------------------------------------------------------------------------------


async def test_order_by_number_has_every_fact(make_client: ClientFactory) -> None:
    [package] = await make_client().get_order("10654400001")
    today = _istanbul_today()

    assert package.id == "3100000001"
    assert package.status == "Shipped"
    assert package.customer_name == "Ayşe Yılmaz"
    assert package.customer_phone == AYSE_PHONE
    assert package.cargo_provider_name == "Yurtiçi Kargo"
    assert package.cargo_tracking_number == "7330029145197"
    assert package.raw["cargoTrackingNumber"] == 7330029145197
    assert package.tracking_url == package.cargo_tracking_link
    assert package.tracking_url.startswith("https://kargotakip.trendyol.com/?token=")
    assert package.order_date is not None and package.order_date.utcoffset() is not None
    assert package.order_date.astimezone(ISTANBUL).date() == today - timedelta(days=3)
    assert package.estimated_delivery_start is not None
    assert package.estimated_delivery_end is not None
    assert package.estimated_delivery_start.astimezone(ISTANBUL).date() == today + timedelta(1)
    assert package.estimated_delivery_end.astimezone(ISTANBUL).date() == today + timedelta(2)
    [line] = package.lines
    assert (line.product_name, line.quantity) == ("Kadın Keten Gömlek Beyaz M", 1)
    assert (line.product_size, line.product_color) == ("M", "Beyaz")
    assert package.shipment_address is not None
    assert package.shipment_address.city == "İstanbul"
    assert [h.status for h in package.package_histories][-1] == "Shipped"


async def test_order_date_keeps_istanbul_wall_clock(make_client: ClientFactory) -> None:
    """``orderDate`` is Istanbul wall-clock time written as UTC ms; the client undoes that."""
    [package] = await make_client().get_order("10654400002")
    created = package.package_histories[0].created_date
    assert package.order_date == created


async def test_unknown_order_is_empty(make_client: ClientFactory) -> None:
    assert await make_client().get_order("99999999999") == []


async def test_created_order_has_no_tracking(make_client: ClientFactory) -> None:
    [package] = await make_client().get_order("10654400003")
    assert package.status == "Created"
    assert package.customer_phone == MEHMET_PHONE
    assert package.cargo_tracking_number is None
    assert package.tracking_url is None
    assert package.order_date is not None
    assert package.order_date.astimezone(ISTANBUL).date() == _istanbul_today()
    assert package.lines[0].quantity == 2


async def test_carrier_links_when_trendyol_gives_none(make_client: ClientFactory) -> None:
    client = make_client()
    [aras] = await client.get_order("10654400002")
    [yurtici] = await client.get_order("10654400005")
    assert aras.tracking_url == (
        "https://kargotakip.araskargo.com.tr/mainpage.aspx?code=3480009876543"
    )
    assert yurtici.tracking_url == (
        "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=7250098765432"
    )


def test_demo_facts() -> None:
    packages = demo_packages(date(2026, 3, 10))[SELLER_ID]
    phones = {p["shipmentAddress"]["phone"] for p in packages}
    assert "05321112233" in phones
    assert NO_ORDERS_PHONE not in phones
    assert packages == demo_packages(date(2026, 3, 10))[SELLER_ID]  # deterministic


# --- failures -------------------------------------------------------------------------------------


async def test_bad_credentials(make_client: ClientFactory) -> None:
    client = make_client(api_secret="wrong")
    with pytest.raises(TrendyolAuthError) as caught:
        await client.get_orders()
    assert caught.value.status_code == 401
    check = await client.test_connection()
    assert (check.ok, check.reason) == (False, "invalid_credentials")
    assert check.detail and "API" in check.detail


async def test_unknown_seller(make_client: ClientFactory) -> None:
    client = make_client(seller_id="999999")
    with pytest.raises(TrendyolNotFound):
        await client.get_order("10654400001")
    assert (await client.test_connection()).reason == "not_found"


async def test_sandbox_requires_user_agent(sandbox_url: str) -> None:
    auth = (DEMO_SHOP.trendyol_api_key or "", DEMO_SHOP.trendyol_api_secret or "")
    async with httpx.AsyncClient(base_url=sandbox_url, auth=auth) as http:
        http.headers.pop("User-Agent")
        missing = await http.get(ORDERS_PATH)
        generic = await http.get(ORDERS_PATH, headers={"User-Agent": "python-httpx/0.28"})
        proper = await http.get(ORDERS_PATH, headers={"User-Agent": f"{SELLER_ID} - Invekto"})
    assert missing.status_code == 403
    assert generic.status_code == 403
    assert proper.status_code == 200
    assert "User-Agent" in missing.json()["errors"][0]["message"]


async def test_sandbox_401_body_and_range_limit(sandbox_url: str) -> None:
    headers = {"User-Agent": f"{SELLER_ID} - SelfIntegration"}
    auth = (DEMO_SHOP.trendyol_api_key or "", DEMO_SHOP.trendyol_api_secret or "")
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    month = {"startDate": now_ms - 30 * 86_400_000, "endDate": now_ms}
    async with httpx.AsyncClient(base_url=sandbox_url, headers=headers) as http:
        unauthorised = await http.get(ORDERS_PATH, auth=("x", "y"))
        too_long = await http.get(ORDERS_PATH, params=month, auth=auth)
    assert unauthorised.status_code == 401
    assert unauthorised.json()["exception"] == "ClientApiAuthenticationException"
    assert too_long.status_code == 400
    assert "2 hafta" in too_long.text


async def test_blocked_connection(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, status=403)
    check = await make_client().test_connection()
    assert (check.ok, check.reason) == (False, "blocked")


async def test_429_is_retried(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, status=429, times=2)
    assert len(await make_client().get_order("10654400001")) == 1


async def test_429_after_every_attempt(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.inject(status=429, times=3)
    with pytest.raises(TrendyolRateLimited) as caught:
        await make_client().get_order("10654400001")
    assert caught.value.status_code == 429


async def test_500_after_every_attempt(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, status=500, times=3)
    with pytest.raises(TrendyolUnavailable) as caught:
        await make_client().get_order("10654400001")
    assert caught.value.status_code == 500
    SANDBOX_TRENDYOL.inject(SELLER_ID, status=503, times=3)
    assert (await make_client().test_connection()).reason == "unavailable"


async def test_500_once_then_success(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, status=502)
    assert (await make_client().test_connection()).ok


async def test_timeout(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, delay_s=1.0, times=2)
    client = make_client(timeout_s=0.3, max_attempts=2)
    with pytest.raises(TrendyolUnavailable) as caught:
        await client.get_order("10654400001")
    assert caught.value.status_code is None


async def test_unreachable_host(make_client: ClientFactory) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{free_port()}", max_attempts=2)
    with pytest.raises(TrendyolUnavailable):
        await client.get_orders()
    assert (await client.test_connection()).reason == "unavailable"


@pytest.mark.parametrize("body", ["<html>Service Unavailable</html>", '{"unexpected": true}'])
async def test_unparseable_body(make_client: ClientFactory, body: str) -> None:
    SANDBOX_TRENDYOL.inject(SELLER_ID, body=body)
    with pytest.raises(TrendyolBadResponse) as caught:
        await make_client().get_order("10654400001")
    assert body in str(caught.value)
    SANDBOX_TRENDYOL.inject(SELLER_ID, body=body)
    assert (await make_client().test_connection()).reason == "bad_response"


async def test_fault_for_one_seller_spares_others(make_client: ClientFactory) -> None:
    SANDBOX_TRENDYOL.add_seller("5555", "other-key", "other-secret")
    SANDBOX_TRENDYOL.inject("5555", status=500, times=5)
    assert (await make_client().test_connection()).ok


def test_retry_delay() -> None:
    assert _retry_delay(0, None, backoff_s=0.5) == 0.5
    assert _retry_delay(2, None, backoff_s=0.5) == 2.0
    assert _retry_delay(0, "3", backoff_s=0.5) == 3.0
    assert _retry_delay(1, "Wed, 21 Oct 2026 07:28:00 GMT", backoff_s=0.5) == 1.0
    assert _retry_delay(0, "3600", backoff_s=0.5) == MAX_RETRY_DELAY_S


# --- control endpoints ----------------------------------------------------------------------------


async def test_control_endpoints_over_http(sandbox_url: str, make_client: ClientFactory) -> None:
    package = demo_packages()[SELLER_ID][0] | {"id": 4200000001, "orderNumber": "20000000001"}
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/_control") as control:
        seller = {"seller_id": "4242", "api_key": "k-4242", "api_secret": "s-4242"}
        assert (await control.post("/sellers", json=seller)).status_code == 200
        added = await control.post("/packages", json={"seller_id": "4242", "package": package})
        assert added.status_code == 200
        bad = await control.post("/packages", json={"seller_id": "4242", "package": {"id": 1}})
        assert bad.status_code == 422
        client = make_client(seller_id="4242", api_key="k-4242", api_secret="s-4242")
        [found] = await client.get_order("20000000001")
        assert found.id == "4200000001"

        fault = {"seller_id": "4242", "status": 500, "times": 3}
        assert (await control.post("/inject", json=fault)).status_code == 200
        assert (await client.test_connection()).reason == "unavailable"

        assert (await control.post("/reset")).status_code == 200
        assert (await client.test_connection()).reason == "not_found"
