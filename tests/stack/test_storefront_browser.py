"""The storefront in a real browser: headless Chromium against the running local stack.

Two journeys, each in its own browser context (its own localStorage, so its own session):

- a new shopper registers, adds two products to the cart, checks out with `tok_visa` and watches
  the order page poll its way to FULFILLED; then opens My orders and the profile;
- the stack's admin logs in, creates a product (with an image, through the presigned upload),
  finds it in the catalog and marks a FULFILLED order delivered;
- variants picked and bought, variants added by the admin, and a guest finding a product by a
  misspelled search, filtering the results by a category facet and sorting them by price.

Every page of the journeys is saved as a screenshot at desktop and phone widths into
`.artifacts/screenshots/` (override with ARTIFACTS_DIR) and checked by axe-core (WCAG 2.2 AA, light
and dark). Console errors, uncaught page errors, failed requests, any 4xx or 5xx answer, a page
wider than the window and a serious or critical axe violation fail the test (see browser.py).
"""

from __future__ import annotations

import re
import struct
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.stack import RunningStack
from tests.stack.browser import FULFILLED_MS, PASSWORD, session
from tests.support.data import ADDRESS

pytestmark = [pytest.mark.stack, pytest.mark.browser]

# ---------------------------------------------------------------------------------------------
# Helpers over the API (setting the scene, not what is under test)


def _two_pictured_products(stack: RunningStack) -> list[dict[str, Any]]:
    """Two of the demo catalog's products (they have pictures) with plenty in stock."""
    answer = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10)
    products = [
        p
        for p in answer.json()["items"]
        if p["imageUrl"] and p["stock"] >= 5 and not p["options"]  # a bare product can be bought
    ]
    products.sort(key=lambda p: (-p["stock"], p["productId"]))
    assert len(products) >= 2, products
    return products[:2]


def _place_paid_order(stack: RunningStack) -> Callable[[], dict[str, Any]]:
    """The seeded shopper buys one of a product in stock; answers a wait for it to be FULFILLED."""
    headers = stack.bearer(stack.shopper.email, stack.shopper.password)
    products = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10).json()
    product = max((p for p in products["items"] if not p["options"]), key=lambda p: p["stock"])
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
        # PENDING, CONFIRMED, FULFILLING, FULFILLED: the booking step is in the history (0140).
        expect(shopper.testid("order-history-entry")).to_have_count(4)
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


def test_a_shopper_picks_a_size_and_colour_and_buys_that_variant(
    browser: Any, stack: RunningStack
) -> None:
    from playwright.sync_api import expect

    listed = requests.get(f"{stack.api_url}/products?category=clothing", timeout=10).json()
    tee = next(p for p in listed["items"] if p["name"] == "Organic Cotton Tee")
    detail = requests.get(f"{stack.api_url}/products/{tee['productId']}", timeout=10).json()
    wanted = next(v for v in detail["variants"] if v["options"] == {"Size": "M", "Colour": "Sand"})
    lowest = min(v["priceCents"] for v in detail["variants"])
    assert wanted["priceCents"] != lowest  # the page shows the variant's price, not the product's

    with session(browser, stack, "variants") as shopper:
        shopper.go("/login")
        shopper.title("Log in")
        shopper.testid("login-email").fill(stack.shopper.email)
        shopper.testid("login-password").fill(stack.shopper.password)
        shopper.testid("login-submit").click()
        shopper.title("Catalog")

        # The catalog's card: the lowest price "From", no bare "Add to cart", a link to choose.
        shopper.filter_catalog("clothing")
        card = shopper.testid("product-card", product_id=tee["productId"])
        expect(card.get_by_test_id("product-price")).to_have_attribute("data-cents", str(lowest))
        expect(card.get_by_test_id("product-price")).to_contain_text("From")
        expect(card.get_by_test_id("add-to-cart")).to_have_count(0)
        shopper.snap("catalog-variants")
        card.get_by_test_id("choose-options").click()

        shopper.title("Organic Cotton Tee")
        shopper.page.get_by_label("Size", exact=True).select_option("M")
        shopper.page.get_by_label("Colour", exact=True).select_option("Sand")
        expect(shopper.testid("product-detail-price")).to_have_attribute(
            "data-cents", str(wanted["priceCents"])
        )
        status = shopper.testid("variant-status")
        expect(status.get_by_test_id("product-stock")).to_have_attribute(
            "data-stock", str(wanted["stock"])
        )
        expect(status).to_contain_text(f"SKU {wanted['sku']}")
        shopper.snap("product-variants")
        shopper.testid("add-to-cart").click()
        expect(shopper.testid("message").first).to_contain_text("to your cart")

        shopper.testid("nav-cart").click()
        shopper.title("Your cart")
        line = shopper.testid("cart-item", variant_id=wanted["variantId"])
        expect(line.get_by_test_id("cart-item-options")).to_have_text("Size M · Colour Sand")
        expect(line.get_by_test_id("cart-item-sku")).to_have_text(wanted["sku"])
        shopper.snap("cart-variants")
        shopper.testid("checkout-link").click()
        shopper.title("Checkout")
        shopper.testid("payment-token").select_option("tok_visa")
        shopper.testid("checkout-submit").click()
        expect(shopper.testid("order-detail")).to_be_visible()
        item = shopper.testid("order-item")
        expect(item.get_by_test_id("order-item-options")).to_have_text("Size M · Colour Sand")
        expect(item.get_by_test_id("order-item-sku")).to_have_text(wanted["sku"])
        shopper.snap("order-variants")

        shopper.assert_clean()

    after = requests.get(f"{stack.api_url}/products/{tee['productId']}", timeout=10).json()
    stock = {v["variantId"]: v["stock"] for v in after["variants"]}
    assert stock[wanted["variantId"]] == wanted["stock"] - 1


def test_an_admin_adds_a_variant_and_sets_its_price_and_stock(
    browser: Any, stack: RunningStack
) -> None:
    from playwright.sync_api import expect

    listed = requests.get(f"{stack.api_url}/products?category=clothing", timeout=10).json()
    tee = next(p for p in listed["items"] if p["name"] == "Organic Cotton Tee")
    sku = f"TEE-BLK-XL-{uuid.uuid4().hex[:6]}"

    with session(browser, stack, "admin-variants") as admin:
        admin.go("/login")
        admin.title("Log in")
        admin.testid("login-email").fill(stack.admin.email)
        admin.testid("login-password").fill(stack.admin.password)
        admin.testid("login-submit").click()
        admin.title("Catalog")
        admin.go(f"/admin/products/{tee['productId']}")
        admin.title("Edit: Organic Cotton Tee")
        # A product with options has no price or stock of its own to edit: only its variants'.
        expect(admin.testid("product-form-price")).to_have_count(0)
        admin.testid("variant-sku").fill(sku)
        admin.testid("variant-options").fill("Size=XL, Colour=Black")
        admin.testid("variant-price").fill("29.00")
        admin.testid("variant-stock").fill("2")
        admin.testid("variant-add").click()
        expect(admin.testid("message").first).to_contain_text(f"Added {sku}")

        row = admin.testid("admin-variant").filter(has_text=sku)
        expect(row.get_by_test_id("admin-variant-options")).to_have_text("Size XL · Colour Black")
        row.get_by_test_id("variant-stock-delta").fill("3")
        row.get_by_role("button", name="Adjust").click()
        expect(row.get_by_test_id("admin-stock-value")).to_have_attribute("data-stock", "5")
        row.get_by_test_id("variant-price-input").fill("31.50")
        row.get_by_role("button", name="Save").click()
        expect(admin.testid("message").first).to_contain_text("$31.50")
        expect(row.get_by_test_id("variant-price-input")).to_have_value("31.50")
        admin.snap("admin-variants", phone=True)

        admin.assert_clean()

    detail = requests.get(f"{stack.api_url}/products/{tee['productId']}", timeout=10).json()
    added = next(v for v in detail["variants"] if v["sku"] == sku)
    assert (added["options"], added["priceCents"], added["stock"]) == (
        {"Size": "XL", "Colour": "Black"},
        3150,
        5,
    )


def test_a_shopper_finds_a_product_by_a_misspelled_search(
    browser: Any, stack: RunningStack
) -> None:
    from playwright.sync_api import expect

    with session(browser, stack, "search") as guest:
        guest.go("/")
        guest.title("Catalog")
        guest.testid("search-input").fill("wirless earbuds")
        guest.testid("search-submit").click()
        guest.title("Search: wirless earbuds")
        expect(guest.testid("product-name").first).to_have_text("Wireless Earbuds")
        expect(guest.testid("search-facet", category="audio")).to_have_text("audio (1)")
        guest.snap("search")

        # "kit" is a word prefix (Vinyl Cleaning Kit) and the kitchen category's: two facets.
        guest.testid("search-input").fill("kit")
        guest.testid("search-sort").select_option("price_desc")
        guest.testid("search-submit").click()
        guest.title("Search: kit")
        expect(guest.testid("search-facet", category="kitchen")).to_be_visible()
        cents = [
            int(c)
            for c in guest.page.locator("[data-testid=product-price]").evaluate_all(
                "els => els.map((e) => e.dataset.cents)"
            )
        ]
        assert len(cents) >= 4
        assert cents == sorted(cents, reverse=True)

        guest.testid("search-facet", category="audio").click()
        guest.title("Search: kit")
        expect(guest.testid("search-facet", category="audio")).to_have_attribute(
            "aria-pressed", "true"
        )
        expect(guest.testid("product-name")).to_have_text(["Vinyl Cleaning Kit"])
        guest.snap("search-filtered")

        guest.assert_clean()


def _today_report(stack: RunningStack, at_least_cents: int) -> dict[str, Any]:
    """The admin's sales report of the last 30 days, once today's revenue reaches a sum."""
    headers = stack.bearer(stack.admin.email, stack.admin.password)
    deadline = time.monotonic() + 5  # API.md: fresh within 5 s on the local stack
    while True:
        report: dict[str, Any] = requests.get(
            f"{stack.api_url}/admin/reports/sales", headers=headers, timeout=10
        ).json()
        if report["days"][-1]["revenueCents"] >= at_least_cents or time.monotonic() > deadline:
            return report
        time.sleep(0.2)


def test_the_admin_sees_the_day_s_revenue_in_the_sales_chart_and_its_table(
    browser: Any, stack: RunningStack
) -> None:
    from playwright.sync_api import expect

    order = _place_paid_order(stack)()
    report = _today_report(stack, order["totalCents"])
    today = report["days"][-1]
    assert today["revenueCents"] >= order["totalCents"], report
    shown = f"${today['revenueCents'] // 100:,}.{today['revenueCents'] % 100:02d}"

    with session(browser, stack, "sales") as admin:
        admin.go("/login")
        admin.title("Log in")
        admin.testid("login-email").fill(stack.admin.email)
        admin.testid("login-password").fill(stack.admin.password)
        admin.testid("login-submit").click()
        admin.title("Catalog")
        admin.testid("nav-admin-sales").click()
        admin.title("Sales")

        bar = admin.testid("sales-bar", key=today["date"])
        expect(bar).to_have_attribute("data-value", str(today["revenueCents"]))
        expect(bar.locator("title")).to_have_text(f"{today['date'][5:]}: {shown}")
        assert bar.evaluate("rect => rect.getBBox().height") > 0
        row = admin.testid("sales-day", date=today["date"])
        expect(row.get_by_test_id("sales-day-revenue")).to_have_text(shown)
        chart = admin.testid("sales-chart").locator("svg")
        expect(chart).to_have_attribute("role", "img")
        expect(admin.testid("sales-orders")).to_have_text(str(report["totals"]["orders"]))
        expect(admin.testid("sales-top-row").first).to_be_visible()
        admin.snap("admin-sales")
        admin.assert_clean()


def test_a_shopper_applies_a_code_and_ships_express_to_gb_with_vat_inside_the_total(
    browser: Any, stack: RunningStack
) -> None:
    """The seed's WELCOME10 code, its Europe zone's express method and GB's inclusive 20 % VAT."""
    from playwright.sync_api import expect

    headers = stack.bearer(stack.shopper.email, stack.shopper.password)
    requests.delete(f"{stack.api_url}/cart", headers=headers, timeout=10)
    listed = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10).json()
    # A product without options, cheap enough that express is not free (Europe: free over $300).
    product = min(
        (p for p in listed["items"] if p["stock"] >= 5 and p["priceCents"] < 20_000),
        key=lambda p: p["priceCents"],
    )
    gb = {**ADDRESS, "country": "GB"}

    with session(browser, stack, "promotion") as shopper:
        shopper.go("/login")
        shopper.title("Log in")
        shopper.testid("login-email").fill(stack.shopper.email)
        shopper.testid("login-password").fill(stack.shopper.password)
        shopper.testid("login-submit").click()
        shopper.title("Catalog")
        shopper.go(f"/products/{product['productId']}")
        shopper.title(product["name"])
        shopper.testid("add-to-cart").click()
        expect(shopper.testid("message").first).to_contain_text("to your cart")

        shopper.testid("nav-cart").click()
        shopper.title("Your cart")
        shopper.testid("promotion-input").fill("welcome10")
        shopper.testid("promotion-apply").click()
        expect(shopper.testid("promotion-code")).to_have_text("WELCOME10")
        discount = (product["priceCents"] * 10 + 50) // 100
        expect(shopper.testid("summary-discount")).to_have_attribute("data-cents", str(-discount))
        shopper.snap("cart-promotion")

        shopper.testid("checkout-link").click()
        shopper.title("Checkout")
        for testid, key in (("line1", "line1"), ("city", "city"), ("postal-code", "postalCode")):
            shopper.testid(f"shipping-{testid}").fill(str(gb[key]))
        shopper.testid("shipping-country").fill("GB")
        shopper.testid("shipping-country").press("Tab")
        express = shopper.page.locator("[data-testid=shipping-option][data-method-id=express]")
        expect(express).to_be_visible()
        express.check()
        quote = requests.post(
            f"{stack.api_url}/orders/quote",
            json={"shippingAddress": gb, "paymentToken": "tok_visa", "shippingMethod": "express"},
            headers=headers,
            timeout=10,
        ).json()
        assert quote["taxInclusive"] is True, quote
        assert quote["shippingCents"] == 2500, quote
        assert quote["totalCents"] == product["priceCents"] - discount + 2500
        expect(shopper.testid("checkout-total")).to_have_attribute(
            "data-cents", str(quote["totalCents"])
        )
        expect(shopper.testid("summary-tax")).to_contain_text("included")
        expect(shopper.testid("summary-tax")).to_have_attribute(
            "data-cents", str(quote["taxCents"])
        )
        shopper.snap("checkout-express-gb")
        shopper.testid("payment-token").select_option("tok_visa")
        shopper.testid("checkout-submit").click()
        expect(shopper.testid("order-detail")).to_be_visible()
        expect(shopper.testid("order-total")).to_have_attribute(
            "data-cents", str(quote["totalCents"])
        )
        expect(shopper.testid("order-tax")).to_contain_text("included")
        expect(shopper.testid("order-shipping")).to_have_attribute("data-cents", "2500")

    orders = requests.get(f"{stack.api_url}/orders", headers=headers, timeout=10).json()
    placed = orders["items"][0]
    assert (placed["promotionCode"], placed["shippingMethod"]) == ("WELCOME10", "express")
    assert placed["totalCents"] == quote["totalCents"]
    assert placed["taxCents"] == quote["taxCents"]
    assert placed["taxInclusive"] is True


def _log_in(user: Any, email: str, password: str) -> None:
    user.go("/login")
    user.title("Log in")
    user.testid("login-email").fill(email)
    user.testid("login-password").fill(password)
    user.testid("login-submit").click()
    user.title("Catalog")


def test_a_shopper_returns_one_item_and_sees_the_refund(browser: Any, stack: RunningStack) -> None:
    from playwright.sync_api import expect

    order = _place_paid_order(stack)()
    admin_headers = stack.bearer(stack.admin.email, stack.admin.password)
    delivered = requests.patch(
        f"{stack.api_url}/admin/orders/{order['orderId']}",
        json={"status": "DELIVERED"},
        headers=admin_headers,
        timeout=10,
    )
    assert delivered.status_code == 200, delivered.text
    paid = order["items"][0]["lineTotalCents"]

    with session(browser, stack, "shopper") as shopper:
        _log_in(shopper, stack.shopper.email, stack.shopper.password)
        shopper.go(f"/orders/{order['orderId']}")
        expect(shopper.testid("order-detail")).to_be_visible()
        expect(shopper.testid("order-refunded")).to_contain_text("Nothing")
        shopper.testid("order-return").click()
        shopper.title(re.compile("^Return items of order"))
        shopper.testid("return-quantity").first.select_option("1")
        shopper.testid("return-reason").fill("It is the wrong colour")
        shopper.snap("order-return")
        shopper.testid("return-submit").click()
        shopper.title("My returns")
        row = shopper.testid("return-row").first
        expect(row).to_have_attribute("data-status", "REQUESTED")
        return_id = row.get_attribute("data-return-id")
        shopper.snap("returns")

        with session(browser, stack, "admin") as admin:
            _log_in(admin, stack.admin.email, stack.admin.password)
            admin.testid("nav-admin-returns").click()
            admin.title("Returns")
            queued = admin.testid("return-row", return_id=str(return_id))
            expect(queued).to_have_attribute("data-status", "REQUESTED")
            admin.snap("admin-returns")
            queued.get_by_test_id("return-approve").click()
            expect(queued).to_have_attribute("data-status", "APPROVED")
            queued.get_by_test_id("return-receive").click()
            expect(queued).to_have_attribute("data-status", "RECEIVED")
            admin.assert_clean()

        # The workflow restocks and refunds; the shopper's list shows it on a reload.
        deadline = time.monotonic() + FULFILLED_MS / 1000
        shopper.go("/returns")
        while True:
            shopper.page.reload()
            shopper.title("My returns")
            mine = shopper.testid("return-row", return_id=str(return_id))
            if mine.get_attribute("data-status") == "REFUNDED" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        expect(mine).to_have_attribute("data-status", "REFUNDED")
        expect(mine.get_by_test_id("return-refund")).to_have_attribute("data-cents", str(paid))
        shopper.go(f"/orders/{order['orderId']}")
        expect(shopper.testid("order-refunded").locator("[data-cents]")).to_have_attribute(
            "data-cents", str(paid)
        )
        shopper.snap("order-refunded", phone=False)
        shopper.assert_clean()
