"""Browser tests: Debian's chromium, driven by Playwright (async: the stack's server runs in
this event loop), against the whole stack of ``tests/conftest.py`` serving the built web app.

They need ``frontend/dist`` (``make install``) and ``/usr/bin/chromium`` (``make test`` installs
it). Without either they are skipped, unless ``INVEKTO_E2E_REQUIRED=1`` (set by ``make test``),
where a missing piece fails instead of hiding the browser tests.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from invekto.api.webapp import BUILD_HINT, DIST
from invekto.sandbox.demo import DEMO_SHOP, DemoTenant
from invekto.stack import Stack

CHROMIUM = Path(os.environ.get("INVEKTO_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
REQUIRED = os.environ.get("INVEKTO_E2E_REQUIRED") == "1"


def _missing() -> str | None:
    if not (DIST / "index.html").is_file():
        return f"the web app is not built: {BUILD_HINT}"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing: make chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed: make install"
    return None


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[object]:
    missing = _missing()
    if missing:
        if REQUIRED:
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser, stack: Stack) -> AsyncIterator[object]:
    """A fresh browser context on the stack (1366x800, Turkish UI), failing on page errors."""
    context = await browser.new_context(
        base_url=stack.base_url, viewport={"width": 1366, "height": 800}, locale="tr-TR"
    )
    context.set_default_timeout(15_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    await context.close()
    assert not errors, f"errors in the page: {errors}"


async def log_in(page, demo: DemoTenant = DEMO_SHOP) -> None:
    await page.goto("/login")
    await page.get_by_label("E-posta").fill(demo.owner_email)
    await page.get_by_label("Şifre").fill(demo.owner_password)
    await page.get_by_role("button", name="Giriş", exact=True).click()
    await page.wait_for_url("**/inbox")


async def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path
