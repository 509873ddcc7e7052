"""The storefront in a real browser: headless Chromium against the running local stack.

Two journeys, each in its own browser context (its own localStorage, so its own session):

- a new shopper registers, adds two products to the cart, checks out with `tok_visa` and watches
  the order page poll its way to FULFILLED; then opens My orders and the profile;
- the stack's admin logs in, creates a product (with an image, through the presigned upload),
  finds it in the catalog and marks a FULFILLED order delivered.

Every page of the journeys is saved as a screenshot at desktop and phone widths into
`.artifacts/screenshots/` (override with ARTIFACTS_DIR). Console errors, uncaught page errors,
failed requests, any 4xx or 5xx answer and a page wider than the window fail the test.

The browser is Debian's Chromium (`chromium` on PATH, or CHROMIUM_PATH), driven by Playwright's
Python package; Playwright's own browser download is never used. Without Chromium or Playwright
the test fails in CI (CI or SHOP_REQUIRE_BROWSER set) and is skipped, loudly, elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import struct
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
import requests

from tests.conftest import ADDRESS
from tests.stack.conftest import ROOT, RunningStack

pytestmark = [pytest.mark.stack, pytest.mark.browser]

ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / ".artifacts"))
SCREENSHOTS = ARTIFACTS / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's timeouts (ms). The pipeline takes a few seconds from checkout to FULFILLED.
STEP_MS = 10_000
FULFILLED_MS = 30_000
PASSWORD = "Browser-Passw0rd!"


def _required() -> bool:
    """CI must run this test; elsewhere a missing browser is only a (loud) skip."""
    flags = (os.environ.get("CI", ""), os.environ.get("SHOP_REQUIRE_BROWSER", ""))
    return any(flag.strip().lower() not in ("", "0", "false", "no") for flag in flags)


def _unavailable(reason: str) -> NoReturn:
    if _required():
        pytest.fail(f"the browser test cannot run: {reason}", pytrace=False)
    pytest.skip(
        f"BROWSER TEST NOT RUN: {reason}. In CI (CI or SHOP_REQUIRE_BROWSER set) this fails."
    )


def _chromium() -> str:
    """Debian's Chromium: CHROMIUM_PATH, or `chromium` / `chromium-browser` on PATH."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not os.access(configured, os.X_OK):
            _unavailable(f"CHROMIUM_PATH={configured} is not an executable")
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    _unavailable("no Chromium on PATH: install Debian's package (apt-get install chromium)")


# ---------------------------------------------------------------------------------------------
# The browser and what it reports


@dataclass
class Watch:
    """What a page reports that a user would call broken. The journeys expect no 4xx at all."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        text = message.text
        # Chromium logs every 4xx/5xx answer as a console error; _response reports those.
        if text.startswith("Failed to load resource: the server responded with a status of"):
            return
        self.problems.append(f"console error: {text} ({message.location.get('url', '')})")

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        # The browser's own cancel: a fetch the app aborts when the user navigates away, or (as
        # Chromium reports it) the image PUT to S3, whose empty answer body the app never reads.
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"request failed: {request.method} {request.url}: {failure}")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            request = response.request
            self.problems.append(f"HTTP {response.status} {request.method} {request.url}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing (pip install -r requirements-dev.txt)")
    with sync_playwright() as playwright:
        # launch() gives every run a fresh temporary profile (user-data-dir) and removes it after.
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module", autouse=True)
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@dataclass
class Session:
    """One browser context (one user) on the storefront."""

    page: Any
    watch: Watch
    stack: RunningStack = field(repr=False)
    name: str = "user"

    def go(self, route: str) -> None:
        """Open a hash route as a user would: with the address bar (a full page load)."""
        self.page.goto(f"{self.stack.web_url}/#{route}")

    def testid(self, testid: str, **data: str) -> Any:
        """`[data-testid=...]`, narrowed by data attributes: testid("order-row", order_id=...)."""
        attributes = (f'[data-{key.replace("_", "-")}="{value}"]' for key, value in data.items())
        return self.page.locator(f'[data-testid="{testid}"]' + "".join(attributes))

    def title(self, text: str | re.Pattern[str]) -> None:
        from playwright.sync_api import expect

        expect(self.testid("page-title").first).to_have_text(text)
        expect(self.testid("loading")).to_have_count(0)

    def filter_catalog(self, category: str) -> None:
        """Show one category with the catalog's filter form."""
        self.testid("nav-catalog").click()
        self.testid("category-filter").fill(category)
        self.testid("category-filter-apply").click()
        self.title(f"Catalog: {category}")

    def snap(self, name: str, *, phone: bool = True) -> None:
        """Full-page screenshots at desktop width (and phone width), images loaded."""
        widths = {"desktop": DESKTOP, "phone": PHONE} if phone else {"desktop": DESKTOP}
        for label, size in widths.items():
            self.page.set_viewport_size(size)
            self._settle()
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
            # Content wider than the window means a sideways scroll: something does not wrap.
            wide = self.page.evaluate("document.documentElement.scrollWidth")
            if wide > size["width"]:
                self.watch.problems.append(
                    f"{name}: the page is {wide}px wide at {size['width']}px"
                )
        self.page.set_viewport_size(DESKTOP)

    def _settle(self) -> None:
        # Lazy images load once they scroll into view; make them all load, then wait for them.
        self.page.evaluate(
            """async () => {
                const images = [...document.images];
                images.forEach((img) => { img.loading = "eager"; });
                await Promise.all(images.map((img) => img.complete ? null :
                    new Promise((done) => { img.onload = img.onerror = done; })));
            }"""
        )

    def assert_clean(self) -> None:
        assert not self.watch.problems, f"{self.name}'s browser reported:\n" + "\n".join(
            self.watch.problems
        )


@contextlib.contextmanager
def session(browser: Any, stack: RunningStack, name: str) -> Iterator[Session]:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    context = browser.new_context(viewport=DESKTOP, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(STEP_MS)
    page = context.new_page()
    watch = Watch()
    watch.attach(page)
    user = Session(page, watch, stack, name)
    try:
        yield user
    except Exception:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(SCREENSHOTS / f"FAILED-{name}.png"), full_page=True)
        print(f"--- {name}'s browser reported ---\n" + "\n".join(watch.problems))
        print("--- the stack's last lines ---\n" + stack.log()[-4000:])
        raise
    finally:
        context.close()


# ---------------------------------------------------------------------------------------------
# Helpers over the API (setting the scene, not what is under test)


def _two_pictured_products(stack: RunningStack) -> list[dict[str, Any]]:
    """Two of the demo catalog's products (they have pictures) with plenty in stock."""
    answer = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10)
    products = [p for p in answer.json()["items"] if p["imageUrl"] and p["stock"] >= 5]
    products.sort(key=lambda p: (-p["stock"], p["productId"]))
    assert len(products) >= 2, products
    return products[:2]


def _place_paid_order(stack: RunningStack) -> Callable[[], dict[str, Any]]:
    """The seeded shopper buys one of a product in stock; answers a wait for it to be FULFILLED."""
    headers = stack.bearer(stack.shopper.email, stack.shopper.password)
    products = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10).json()
    product = max(products["items"], key=lambda p: p["stock"])
    placed = requests.post(
        f"{stack.api_url}/orders",
        json={
            "items": [{"productId": product["productId"], "quantity": 1}],
            "shippingAddress": ADDRESS,
            "paymentToken": "tok_visa",
        },
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    assert placed.status_code == 201, placed.text
    url = f"{stack.api_url}/orders/{placed.json()['orderId']}"

    def fulfilled() -> dict[str, Any]:
        deadline = time.monotonic() + FULFILLED_MS / 1000
        while True:
            order: dict[str, Any] = requests.get(url, headers=headers, timeout=10).json()
            if order["status"] == "FULFILLED" or time.monotonic() > deadline:
                assert order["status"] == "FULFILLED", order
                return order
            time.sleep(0.2)

    return fulfilled


def _png(width: int = 96, height: int = 96) -> bytes:
    """A small diagonal-gradient PNG, for the image upload."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (40 + x, 90 + y, 200 - (x + y) // 2))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------------------------------------
# The journeys


def test_a_new_shopper_registers_buys_two_products_and_sees_the_order_fulfilled(
    browser: Any, stack: RunningStack
) -> None:
    from playwright.sync_api import expect

    email = f"browser-{uuid.uuid4().hex[:12]}@example.com"
    with session(browser, stack, "shopper") as shopper:
        # The catalog, as a guest.
        shopper.go("/")
        shopper.title("Catalog")
        expect(shopper.testid("product-card").first).to_be_visible()
        expect(shopper.testid("cart-count")).to_have_text("0")
        shopper.snap("catalog")

        # Register with a fresh e-mail: the local stack confirms at once and the app logs in.
        shopper.testid("nav-register").click()
        shopper.title("Create an account")
        shopper.testid("register-name").fill("Bea Browser")
        shopper.testid("register-email").fill(email)
        shopper.testid("register-password").fill(PASSWORD)
        shopper.snap("register", phone=False)
        shopper.testid("register-submit").click()
        shopper.title("Catalog")
        expect(shopper.testid("user-email")).to_have_text(email)
        expect(shopper.testid("message").first).to_contain_text("logged in")

        # Two products, each found through the category filter (other stack tests add products,
        # so these need not be on the first page): the first added from its card, the second
        # from its own page.
        first, second = _two_pictured_products(stack)
        first_id, second_id = first["productId"], second["productId"]
        shopper.filter_catalog(first["category"])
        shopper.testid("product-card", product_id=first_id).get_by_test_id("add-to-cart").click()
        expect(shopper.testid("cart-count")).to_have_text("1")
        expect(shopper.testid("message").first).to_contain_text("to your cart")

        shopper.filter_catalog(second["category"])
        card = shopper.testid("product-card", product_id=second_id)
        expect(card.get_by_test_id("product-image")).to_be_visible()
        card.get_by_test_id("product-link").click()
        expect(shopper.testid("product-detail", product_id=second_id)).to_be_visible()
        shopper.title(second["name"])
        expect(shopper.testid("product-image")).to_be_visible()
        shopper.snap("product")
        shopper.testid("add-to-cart").click()
        expect(shopper.testid("cart-count")).to_have_text("2")

        # The cart holds both, priced by the API.
        shopper.testid("nav-cart").click()
        shopper.title("Your cart")
        expect(shopper.testid("cart-item")).to_have_count(2)
        expect(shopper.testid("cart-item", product_id=first_id)).to_be_visible()
        expect(shopper.testid("cart-item", product_id=second_id)).to_be_visible()
        cart_cents = int(shopper.testid("cart-total").get_attribute("data-cents"))
        assert cart_cents > 0
        shopper.snap("cart")

        # Checkout with tok_visa.
        shopper.testid("checkout-link").click()
        shopper.title("Checkout")
        expect(shopper.testid("checkout-item")).to_have_count(2)
        assert int(shopper.testid("checkout-total").get_attribute("data-cents")) == cart_cents
        shopper.testid("shipping-line1").fill(ADDRESS["line1"])
        shopper.testid("shipping-city").fill(ADDRESS["city"])
        shopper.testid("shipping-postal-code").fill(ADDRESS["postalCode"])
        shopper.testid("shipping-country").fill(ADDRESS["country"])
        shopper.testid("payment-token").select_option("tok_visa")
        shopper.snap("checkout")
        shopper.testid("checkout-submit").click()

        # The order page polls until FULFILLED, with a tracking number.
        detail = shopper.testid("order-detail")
        expect(detail).to_be_visible()
        order_id = detail.get_attribute("data-order-id")
        assert order_id
        expect(shopper.testid("cart-count")).to_have_text("0")
        expect(shopper.testid("order-item")).to_have_count(2)
        assert int(shopper.testid("order-total").get_attribute("data-cents")) == cart_cents
        shopper.snap("order-placed", phone=False)
        expect(shopper.testid("order-status")).to_have_attribute(
            "data-status", "FULFILLED", timeout=FULFILLED_MS
        )
        expect(shopper.testid("order-status")).to_have_text("Shipped")
        expect(shopper.testid("order-polling")).to_have_count(0)
        expect(shopper.testid("order-tracking-number")).not_to_be_empty()
        expect(shopper.testid("order-history-entry")).to_have_count(3)
        shopper.snap("order-detail")

        # My orders lists it, shipped.
        shopper.testid("nav-orders").click()
        shopper.title("My orders")
        row = shopper.testid("order-row", order_id=order_id)
        expect(row).to_have_attribute("data-status", "FULFILLED")
        expect(shopper.testid("order-row")).to_have_count(1)
        shopper.snap("my-orders")

        # The profile.
        shopper.testid("nav-profile").click()
        shopper.title("Your profile")
        expect(shopper.testid("profile-email")).to_have_text(email)
        expect(shopper.testid("profile-name")).to_have_value("Bea Browser")
        shopper.snap("profile")

        shopper.assert_clean()


def test_the_admin_creates_a_product_and_marks_an_order_delivered(
    browser: Any, stack: RunningStack, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    fulfilled = _place_paid_order(stack)  # moves on while the admin works
    name = f"Browser Test Lamp {uuid.uuid4().hex[:6]}"
    image = tmp_path / "lamp.png"
    image.write_bytes(_png())

    with session(browser, stack, "admin") as admin:
        admin.go("/login")
        admin.title("Log in")
        admin.testid("login-email").fill(stack.admin.email)
        admin.testid("login-password").fill(stack.admin.password)
        admin.testid("login-submit").click()
        admin.title("Catalog")
        expect(admin.testid("nav-admin-products")).to_be_visible()

        # The product list, then a new product with an image.
        admin.testid("nav-admin-products").click()
        admin.title("Products")
        expect(admin.testid("admin-product-row").first).to_be_visible()
        admin.snap("admin-products")
        admin.testid("admin-product-new").click()
        admin.title("New product")
        admin.testid("product-form-name").fill(name)
        admin.testid("product-form-category").fill("lighting")
        admin.testid("product-form-description").fill("A warm desk lamp, made by a browser test.")
        admin.testid("product-form-price").fill("34.50")
        admin.testid("product-form-stock").fill("7")
        admin.testid("product-form-image").set_input_files(str(image))
        admin.snap("admin-product-new", phone=False)
        admin.testid("product-form-submit").click()

        admin.title(f"Edit: {name}")
        product_id = admin.testid("admin-product-id").inner_text()
        expect(admin.testid("message").first).to_contain_text("Created")
        expect(admin.testid("admin-stock-value")).to_have_attribute("data-stock", "7")
        expect(admin.testid("admin-price")).to_have_text("$34.50")
        expect(admin.testid("image-preview").get_by_test_id("product-image")).to_be_visible()
        admin.snap("admin-product-edit", phone=False)

        # Shoppers see it in the catalog, newest first, with its picture.
        admin.testid("nav-catalog").click()
        admin.title("Catalog")
        card = admin.testid("product-card", product_id=product_id)
        expect(card).to_be_visible()
        expect(card.get_by_test_id("product-name")).to_have_text(name)
        expect(card.get_by_test_id("product-price")).to_have_attribute("data-cents", "3450")
        expect(card.get_by_test_id("product-image")).to_be_visible()
        assert card.get_by_test_id("product-image").evaluate("img => img.naturalWidth") == 96

        # A FULFILLED order, marked delivered from All orders.
        order = fulfilled()
        admin.testid("nav-admin-orders").click()
        admin.title("All orders")
        expect(admin.testid("admin-order-status-filter")).to_have_value("FULFILLED")
        row = admin.testid("order-row", order_id=order["orderId"])
        expect(row).to_have_attribute("data-status", "FULFILLED")
        admin.snap("admin-orders")
        row.get_by_test_id("mark-delivered").click()
        expect(row).to_have_attribute("data-status", "DELIVERED")
        expect(row.get_by_test_id("order-row-status")).to_have_text("Delivered")
        expect(admin.testid("message").first).to_contain_text("delivered")
        admin.snap("admin-order-delivered", phone=False)

        # The API agrees.
        headers = stack.bearer(stack.admin.email, stack.admin.password)
        url = f"{stack.api_url}/orders/{order['orderId']}"
        assert requests.get(url, headers=headers, timeout=10).json()["status"] == "DELIVERED"

        admin.assert_clean()
