"""The storefront for everyone: every view against axe-core, a phone's screen, a keyboard alone.

- Every view, as a guest, a shopper and an admin, at a phone's size (375 x 812), in the light and
  the dark colour scheme, passes axe-core's WCAG 2.2 AA rules (no serious or critical violation)
  and never scrolls sideways, at 375 px nor at 320 px. A new page is one line in VIEWS below.
- On a phone, the catalog, cart, checkout and order pages show their primary action in the first
  screen, and nothing is wider than the screen.
- A shopper buys with the keyboard alone: focus is always visible and never trapped.

Screenshots of every view land in `.artifacts/screenshots/` (views-*, phone-*, keyboard-*).
What axe cannot check is checked by hand: docs/accessibility.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from harness.stack import RunningStack
from tests.stack.browser import FULFILLED_MS, PASSWORD, PHONE, Session, session

pytestmark = [pytest.mark.stack, pytest.mark.browser]

NARROWEST = {"width": 320, "height": 640}

# Every view of the storefront, as (who, name, route). {product}, {variants} (a product with
# options) and {order} are filled in from the scene below. A new page adds one line here and is
# checked like the rest.
VIEWS: tuple[tuple[str, str, str], ...] = (
    ("guest", "catalog", "/"),
    ("guest", "product", "/products/{product}"),
    ("guest", "product-variants", "/products/{variants}"),
    ("guest", "search", "/search?q=kit"),
    ("guest", "register", "/register"),
    ("guest", "confirm", "/confirm?email=someone%40example.com"),
    ("guest", "login", "/login"),
    ("shopper", "catalog", "/"),
    ("shopper", "catalog-category", "/?category={category}"),
    ("shopper", "catalog-variants", "/?category=clothing"),
    ("shopper", "search-filtered", "/search?q=kit&category=audio&sort=price_desc"),
    ("shopper", "product", "/products/{product}"),
    ("shopper", "cart", "/cart"),
    ("shopper", "checkout", "/checkout"),
    ("shopper", "orders", "/orders"),
    ("shopper", "order", "/orders/{order}"),
    ("shopper", "profile", "/profile"),
    ("shopper", "notifications", "/notifications"),
    ("shopper", "returns", "/returns"),
    ("shopper", "order-return", "/orders/{order}/return"),
    ("shopper", "forbidden", "/admin/orders"),
    ("shopper", "not-found", "/no-such-page"),
    ("admin", "catalog", "/"),
    ("admin", "cart-empty", "/cart"),
    ("admin", "admin-products", "/admin/products"),
    ("admin", "admin-product-new", "/admin/products/new"),
    ("admin", "admin-product-edit", "/admin/products/{product}"),
    ("admin", "admin-product-variants", "/admin/products/{variants}"),
    ("admin", "admin-orders", "/admin/orders?status=CONFIRMED"),
    ("admin", "admin-orders-fulfilled", "/admin/orders"),
    ("admin", "admin-sales", "/admin/sales"),
    ("admin", "admin-promotions", "/admin/promotions"),
    ("admin", "admin-shipping", "/admin/shipping"),
    ("admin", "order", "/orders/{order}"),
    ("admin", "admin-returns", "/admin/returns"),
    ("admin", "admin-returns-refunded", "/admin/returns?status=REFUNDED"),
)


@dataclass(frozen=True)
class Scene:
    """A fresh shopper with two products in the cart and one order placed (with a variant's line),
    set up over the API."""

    email: str
    product: str
    category: str
    order: str
    variants: str

    def route(self, template: str) -> str:
        """A route of VIEWS with the scene's ids in it."""
        return template.format(
            product=self.product, category=self.category, order=self.order, variants=self.variants
        )


def _api(stack: RunningStack, method: str, path: str, headers: dict[str, str], **kw: Any) -> Any:
    answer = requests.request(method, f"{stack.api_url}{path}", headers=headers, timeout=10, **kw)
    assert answer.status_code < 300, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json() if answer.content else None


def _products(stack: RunningStack) -> list[dict[str, Any]]:
    """The demo catalog's products with plenty in stock, most first."""
    answer = requests.get(f"{stack.api_url}/products", params={"limit": 100}, timeout=10)
    products = [
        p
        for p in answer.json()["items"]
        if p["imageUrl"] and p["stock"] >= 5 and not p["options"]  # a bare product can be bought
    ]
    return sorted(products, key=lambda p: (-p["stock"], p["productId"]))


def new_shopper(stack: RunningStack, *, address: dict[str, str] | None = None) -> Any:
    """Register a shopper (the local stack confirms at once); answer (email, auth headers)."""
    email = f"a11y-{uuid.uuid4().hex[:12]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Alex Access"}
    _api(stack, "POST", "/auth/register", {}, json=body)
    headers = stack.bearer(email, PASSWORD)
    if address:
        _api(stack, "PATCH", "/me", headers, json={"address": address})
    return email, headers


def fill_cart(stack: RunningStack, headers: dict[str, str], count: int = 2) -> list[dict[str, Any]]:
    """Put one each of `count` well-stocked products into the cart."""
    products = _products(stack)[:count]
    for product in products:
        _api(stack, "PUT", f"/cart/items/{product['productId']}", headers, json={"quantity": 1})
    return products


def place_order(stack: RunningStack, headers: dict[str, str], address: dict[str, str]) -> str:
    """Check out the cart with tok_visa; answer the order id."""
    body = {"shippingAddress": address, "paymentToken": "tok_visa"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    return str(_api(stack, "POST", "/orders", {**headers, **key}, json=body)["orderId"])


def set_scene(stack: RunningStack) -> Scene:
    """A shopper who has ordered once and has two products in the cart again."""
    from tests.support.data import ADDRESS

    email, headers = new_shopper(stack, address=ADDRESS)
    fill_cart(stack, headers)
    tee = add_a_variant(stack, headers)
    order = place_order(stack, headers, ADDRESS)
    product = fill_cart(stack, headers)[0]
    return Scene(email, product["productId"], product["category"], order, tee)


def add_a_variant(stack: RunningStack, headers: dict[str, str]) -> str:
    """Put one of the demo tee's best-stocked variant into the cart; answer the tee's id."""
    listed = _api(stack, "GET", "/products?category=clothing", {})["items"]
    tee = next(p for p in listed if p["options"])
    detail = _api(stack, "GET", f"/products/{tee['productId']}", {})
    variant = max(detail["variants"], key=lambda v: v["stock"])
    _api(stack, "PUT", f"/cart/items/{variant['variantId']}", headers, json={"quantity": 1})
    return str(tee["productId"])


def log_in(user: Session, email: str, password: str) -> None:
    """Log in with the login form."""
    user.visit("/login")
    user.testid("login-email").fill(email)
    user.testid("login-password").fill(password)
    user.testid("login-submit").click()
    user.title("Catalog")


def check_views(user: Session, who: str, scene: Scene) -> None:
    """Each view of VIEWS for `who`: settled, screenshot, no sideways scroll, axe, both schemes."""
    for role, name, template in VIEWS:
        if role != who:
            continue
        user.visit(scene.route(template))
        user.screenshot(f"views-{who}-{name}")
        user.check(f"{who} {name}")
        # WCAG 1.4.10 reflow: 320 CSS px (1280 px at 400 % zoom) needs no sideways scroll either.
        user.page.set_viewport_size(NARROWEST)
        user.no_sideways_scroll(f"{who} {name} at 320 px")
        user.page.set_viewport_size(PHONE)


def test_every_view_meets_wcag_22_aa_for_guests_shoppers_and_admins_in_both_schemes(
    browser: Any, stack: RunningStack
) -> None:
    scene = set_scene(stack)

    with session(browser, stack, "guest-then-shopper", viewport=PHONE) as user:
        user.go("/")
        user.settled()
        check_views(user, "guest", scene)
        log_in(user, scene.email, PASSWORD)
        check_views(user, "shopper", scene)
        user.assert_clean()

    with session(browser, stack, "admin", viewport=PHONE) as admin:
        admin.go("/")
        admin.settled()
        log_in(admin, stack.admin.email, stack.admin.password)
        check_views(admin, "admin", scene)
        admin.assert_clean()


# ---------------------------------------------------------------------------------------------
# A phone's first screen


def first_screen_problem(user: Session, testid: str) -> str | None:
    """Why the element is not wholly in the first screen and uncovered, or None when it is."""
    user.page.evaluate("window.scrollTo(0, 0)")
    problem: str | None = user.page.evaluate(
        """(testid) => {
            const el = document.querySelector(`[data-testid="${testid}"]`);
            if (!el) return `${testid} is missing`;
            const r = el.getBoundingClientRect();
            const [w, h] = [document.documentElement.clientWidth, window.innerHeight];
            if (r.width === 0 || r.top < 0 || r.left < 0 || r.bottom > h || r.right > w) {
                const at = [r.left, r.top, r.width, r.height].map(Math.round);
                return `${testid} is at ${at}, outside the first ${w}x${h} screen`;
            }
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            if (hit && el.contains(hit)) return null;
            return `${testid} is covered by ${hit && hit.outerHTML.slice(0, 80)}`;
        }""",
        testid,
    )
    return problem


def on_a_phone(user: Session, name: str, primary: str) -> None:
    """The view fits the phone's width and shows its primary action in the first screen."""
    problem = first_screen_problem(user, primary)
    if problem:
        user.watch.problems.append(f"phone {name}: {problem}")
    user.screenshot(f"phone-{name}", full_page=False)


def test_on_a_phone_the_primary_action_of_each_buying_step_is_in_the_first_screen(
    browser: Any, stack: RunningStack
) -> None:
    from playwright.sync_api import expect

    from devstack.seed import DEMO_ADDRESS

    demo = stack.shopper
    headers = stack.bearer(demo.email, demo.password)
    _api(stack, "DELETE", "/cart", headers)
    fill_cart(stack, headers)

    with session(browser, stack, "phone", viewport=PHONE) as user:
        user.go("/login")
        user.settled()
        log_in(user, demo.email, demo.password)
        expect(user.testid("cart-count")).to_have_text("2")
        on_a_phone(user, "catalog", "add-to-cart")

        # The header folds into a menu; Escape folds it again and gives focus back to its button.
        toggle = user.testid("nav-toggle")
        expect(user.testid("nav-orders")).to_be_hidden()
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(user.testid("nav-orders")).to_be_visible()
        user.screenshot("phone-menu", full_page=False)
        user.check("phone menu (open)")
        user.page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(toggle).to_be_focused()
        # Not a trap either: tabbing past the menu's last link leaves it, and it folds.
        toggle.click()
        tab_out_of(user, "#site-nav")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        # A tap beside the open menu (on the page's margin) folds it as well.
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        user.page.mouse.click(4, PHONE["height"] - 10)
        expect(toggle).to_have_attribute("aria-expanded", "false")

        user.testid("nav-cart").click()
        user.title("Your cart")
        on_a_phone(user, "cart", "checkout-link")

        # The demo shopper's address fills in the checkout.
        user.testid("checkout-link").click()
        user.title("Checkout")
        expect(user.testid("shipping-line1")).to_have_value(DEMO_ADDRESS["line1"])
        expect(user.testid("shipping-country")).to_have_value(DEMO_ADDRESS["country"])
        on_a_phone(user, "checkout", "checkout-submit")

        user.testid("checkout-submit").click()
        expect(user.testid("order-detail")).to_be_visible()
        on_a_phone(user, "order", "order-status")
        # The status is announced as it changes (a polite live region).
        announcement = user.testid("order-status-announcement")
        expect(announcement).to_have_attribute("role", "status")
        expect(announcement).to_have_text("Order status: Shipped.", timeout=FULFILLED_MS)
        on_a_phone(user, "order-shipped", "order-status")
        user.assert_clean()


# ---------------------------------------------------------------------------------------------
# The keyboard alone

_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {testid: null, problem: "focus is lost (on the body)"};
    const testid = el.dataset.testid || null;
    const style = getComputedStyle(el);
    const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    const name = testid || el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
    if (!el.matches(":focus-visible") || !ring) {
        return {testid, problem: `no visible focus on ${name}`};
    }
    if (!hit || !(el === hit || el.contains(hit) || hit.contains(el))) {
        return {testid, problem: `${name} has focus but is covered by ${hit && hit.tagName}`};
    }
    return {testid, problem: null};
}"""


def tab_to(user: Session, testid: str, *, backwards: bool = False, limit: int = 120) -> None:
    """Press Tab (or Shift+Tab) until `testid` has focus; every stop must show its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        user.page.keyboard.press(key)
        focus = user.page.evaluate(_FOCUS)
        if focus["problem"]:
            user.watch.problems.append(f"keyboard: {focus['problem']}")
        if focus["testid"] == testid:
            return
    raise AssertionError(f"{testid} was not reached in {limit} presses of {key}")


def tab_out_of(user: Session, selector: str, limit: int = 20) -> None:
    """Press Tab until the focus leaves `selector`: the keyboard is never trapped in it."""
    for _ in range(limit):
        user.page.keyboard.press("Tab")
        if not user.page.evaluate(
            "(s) => document.querySelector(s).contains(document.activeElement)", selector
        ):
            return
    raise AssertionError(f"the focus stayed in {selector} for {limit} presses of Tab")


def type_into(user: Session, testid: str, text: str) -> None:
    """Tab to a field and type into it, as a keyboard user does."""
    tab_to(user, testid)
    user.page.keyboard.type(text)


def test_a_shopper_buys_with_the_keyboard_alone(browser: Any, stack: RunningStack) -> None:
    from playwright.sync_api import expect

    from tests.support.data import ADDRESS

    email, _ = new_shopper(stack)
    with session(browser, stack, "keyboard") as user:
        user.go("/login")
        user.settled()
        type_into(user, "login-email", email)
        type_into(user, "login-password", PASSWORD)
        user.page.keyboard.press("Enter")
        user.title("Catalog")
        expect(user.testid("page-title")).to_be_focused()

        tab_to(user, "add-to-cart")
        user.page.keyboard.press("Enter")
        expect(user.testid("cart-count")).to_have_text("1")
        expect(user.testid("add-to-cart").first).to_be_focused()
        # The change is spoken: the message region is a polite live region.
        expect(user.testid("messages")).to_have_attribute("role", "status")
        expect(user.testid("message").first).to_contain_text("to your cart")

        tab_to(user, "nav-cart", backwards=True)
        user.page.keyboard.press("Enter")
        user.title("Your cart")
        tab_to(user, "checkout-link")
        user.page.keyboard.press("Enter")

        user.title("Checkout")
        type_into(user, "shipping-line1", ADDRESS["line1"])
        type_into(user, "shipping-city", ADDRESS["city"])
        type_into(user, "shipping-postal-code", ADDRESS["postalCode"])
        type_into(user, "shipping-country", ADDRESS["country"])
        tab_to(user, "checkout-submit")
        user.screenshot("keyboard-checkout", full_page=False)
        user.page.keyboard.press("Enter")

        expect(user.testid("order-detail")).to_be_visible()
        expect(user.testid("order-item")).to_have_count(1)
        user.assert_clean()
