"""OWASP API Security Top 10 (2023): API6 to API10.

API6 Unrestricted Access to Sensitive Business Flows (hoarding, replayed checkouts, self-service
status moves); API7 Server Side Request Forgery (image URLs are stored, never fetched); API8
Security Misconfiguration, with the injection tests too, since the 2023 list has no injection
category of its own (it was API8:2019); API9 Improper Inventory Management (every served route is
documented, no shadow route answers); API10 Unsafe Consumption of APIs (Cognito and its key set
failing are translated, never passed through or let pass).
"""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Any

import pytest

from chalicelib.storage.models import Product
from tests import owasp
from tests.faults import failing
from tests.owasp import checkout, path_shape, served_routes
from tests.support.cognito import PASSWORD
from tests.tokens import resign

world = owasp.world  # the product, order and cart every attack below aims at


# --- API6:2023 Unrestricted Access to Sensitive Business Flows -----------------------------------


def test_api6_a_cart_reserves_no_stock_so_it_cannot_hoard_it(api, world, other_shopper):
    api.put(f"/cart/items/{world.product_id}", {"quantity": 9}, user=other_shopper)

    assert api.get(f"/products/{world.product_id}").json["stock"] == 9
    assert api.post("/orders", checkout(world.product_id, 9), user=world.shopper).status == 201


def test_api6_replaying_a_checkout_never_buys_twice(api, world):
    body, key = checkout(world.product_id, 3), {"Idempotency-Key": "buy-once"}

    answers = [api.post("/orders", body, user=world.shopper, headers=key) for _ in range(5)]

    assert {a.json["orderId"] for a in answers} == {answers[0].json["orderId"]}
    assert api.get(f"/products/{world.product_id}").json["stock"] == 9 - 3


def test_api6_a_shopper_cannot_move_their_order_forward_themselves(api, world):
    answer = api.patch(
        f"/admin/orders/{world.order_id}", {"status": "DELIVERED"}, user=world.shopper
    )
    assert answer.error() == (403, "ForbiddenError")


# --- API7:2023 Server Side Request Forgery -------------------------------------------------------


@contextlib.contextmanager
def no_outbound_connections():
    """Record every TCP connection the code opens, other than to this machine."""
    opened: list[Any] = []
    original = socket.socket.connect

    def connect(self, address):
        if not str(address[0]).startswith("127."):
            opened.append(address)
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield opened
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:8000/admin/orders",
        "http://[::1]/x.png",
        "https://internal.corp.example/x.png",
    ],
)
def test_api7_ssrf_an_image_url_is_stored_and_never_fetched(api, world, url):
    with no_outbound_connections() as opened:
        created = api.post(
            "/products",
            {"name": "x", "priceCents": 1, "category": "x", "imageUrl": url},
            user=world.admin,
        )
        api.patch(f"/products/{world.product_id}", {"imageUrl": url}, user=world.admin)
        api.get(f"/products/{world.product_id}")

    assert created.status == 201
    assert created.json["imageUrl"] == url
    assert opened == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "gopher://127.0.0.1:6379/_FLUSHALL", "//evil/x"],
)
def test_api7_ssrf_an_image_url_must_be_http_or_https(api, world, url):
    answer = api.patch(f"/products/{world.product_id}", {"imageUrl": url}, user=world.admin)
    assert answer.error() == (400, "BadRequestError")


# --- API8:2023 Security Misconfiguration (and injection, API8:2019) ------------------------------


def test_api8_misconfiguration_cors_names_the_storefront_and_never_reflects_an_origin(api):
    answer = api.get("/products", headers={"Origin": "https://evil.example"})

    allowed = answer.headers.get("Access-Control-Allow-Origin")
    assert allowed == os.environ.get("CORS_ORIGIN", allowed)
    assert allowed not in ("*", "https://evil.example")
    assert "Access-Control-Allow-Credentials" not in answer.headers


@pytest.mark.parametrize(
    ("method", "url", "headers", "status"),
    [
        (
            "GET",
            "/no-such-route",
            {},
            403,
        ),  # as API Gateway answers: "Missing Authentication Token"
        ("PUT", "/products", {}, 405),
        ("POST", "/auth/login", {"Content-Type": "text/plain"}, 415),
        ("POST", "/auth/login", {"Content-Type": "application/xml"}, 415),
    ],
)
def test_api8_misconfiguration_routing_errors_are_short_json(api, method, url, headers, status):
    answer = api.request(method, url, raw='{"email": "a@b.co"}', headers=headers)

    assert answer.status == status
    assert isinstance(answer.json, dict)
    assert "Traceback" not in answer.raw.decode()


def test_api8_misconfiguration_the_app_is_not_in_debug_mode(chalice_app):
    assert chalice_app.debug is False


INJECTIONS = [
    "' OR '1'='1' --",
    "'; DROP TABLE products; --",
    '{"$gt": ""}',
    '{"$where": "sleep(5000)"}',
    "<script>alert(document.cookie)</script>",
    "${jndi:ldap://127.0.0.1:1389/a}",
    "../../etc/passwd",
    "#n = :v",
    "attribute_not_exists(productId) OR :v = :v",
    "{{7*7}}${7*7}",
    "%s%s%n%x",
    "x\u0000y\u202ez",
]
CATEGORY_INJECTIONS = ["or-1-1--", "drop-table-products--", "--", "0x27-or-1"]


def _fit(value: str, maximum: int) -> str:
    return value[:maximum]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_api8_injection_product_strings_are_stored_verbatim(api, world, payload):
    body = {"name": payload, "description": payload, "priceCents": 1, "category": "inj"}

    created = api.post("/products", body, user=world.admin)
    read = api.get(f"/products/{created.json['productId']}")

    assert created.status == 201
    assert (read.json["name"], read.json["description"]) == (payload, payload)
    assert Product.count() == 2  # nothing else was touched


@pytest.mark.parametrize("category", CATEGORY_INJECTIONS)
def test_api8_injection_a_category_is_data_even_when_it_looks_like_code(api, world, category):
    created = api.post(
        "/products", {"name": "x", "priceCents": 1, "category": category}, user=world.admin
    )

    listed = api.get(f"/products?category={category}").json["items"]

    assert [p["productId"] for p in listed] == [created.json["productId"]]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_api8_injection_profile_strings_are_stored_verbatim(api, world, payload):
    address = {
        "line1": _fit(payload, 200),
        "line2": _fit(payload, 200),
        "city": _fit(payload, 100),
        "postalCode": _fit(payload, 20),
        "country": "US",
    }

    answer = api.patch("/me", {"name": payload, "address": address}, user=world.shopper)
    read = api.get("/me", user=world.shopper).json

    assert answer.status == 200, answer.json
    assert (read["name"], read["address"]) == (payload, address)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_api8_injection_shipping_addresses_are_stored_verbatim(api, world, payload):
    address = {
        "line1": payload,
        "line2": payload,
        "city": _fit(payload, 100),
        "postalCode": _fit(payload, 20),
        "country": "US",
    }
    # The key is a header too: printable ASCII payloads go in it verbatim.
    key = {"Idempotency-Key": payload if payload.isascii() and payload.isprintable() else "k"}

    placed = api.post(
        "/orders",
        checkout(world.product_id, shippingAddress=address),
        user=world.shopper,
        headers=key,
    )
    read = api.get(f"/orders/{placed.json['orderId']}", user=world.shopper).json

    assert placed.status == 201, placed.json
    assert read["shippingAddress"] == address


@pytest.mark.parametrize("payload", INJECTIONS)
def test_api8_injection_in_ids_queries_and_cursors_is_a_4xx_never_a_500(api, world, payload):
    from urllib.parse import quote

    before = world.state()
    quoted = quote(payload, safe="")
    answers = [
        api.get(f"/products/{quoted}"),
        api.get(f"/orders/{quoted}", user=world.shopper),
        api.put(f"/cart/items/{quoted}", {"quantity": 1}, user=world.shopper),
        api.delete(f"/cart/items/{quoted}", user=world.shopper),
        api.get(f"/products?category={quoted}"),
        api.get(f"/products?cursor={quoted}"),
        api.get(f"/admin/orders?status={quoted}", user=world.admin),
        api.post(f"/products/{quoted}/stock", {"delta": 1}, user=world.admin),
    ]

    assert [a.status for a in answers if a.status >= 500] == []
    assert all(a.status in (200, 400, 404) for a in answers), [a.status for a in answers]
    assert world.state() == before


def test_api8_injection_a_lone_surrogate_in_a_string_is_a_400(api, world):
    answer = api.request("PATCH", "/me", raw='{"name": "a\\ud800b"}', user=world.shopper)
    assert answer.error() == (400, "BadRequestError")


# --- API9:2023 Improper Inventory Management -----------------------------------------------------


def test_api9_inventory_every_served_route_is_documented_with_its_access_level(chalice_app):
    from app import PROTECTED

    protected = {(path_shape(path), method) for path, method in PROTECTED}
    for route in served_routes(chalice_app):
        documented_protected = route.operation.auth != "none"
        assert documented_protected == ((path_shape(route.path), route.method) in protected), route


@pytest.mark.parametrize(
    "path", ["/v0/products", "/api/products", "/admin", "/admin/products", "/debug", "/.env"]
)
def test_api9_inventory_no_shadow_or_old_route_answers(api, admin, path):
    answer = api.get(path, user=admin)
    assert answer.status in (403, 404)
    assert "items" not in (answer.json or {})


# --- API10:2023 Unsafe Consumption of APIs -------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("TooManyRequestsException", (429, "TooManyRequestsError")),
        ("InternalErrorException", (503, "ServiceUnavailableError")),
    ],
)
def test_api10_cognito_failures_are_translated_not_passed_through(api, shopper, code, expected):
    with failing("InitiateAuth", code, service="cognito-idp"):
        answer = api.post("/auth/login", {"email": shopper.email, "password": PASSWORD})

    assert answer.error() == expected
    assert code not in answer.json["Message"]


@contextlib.contextmanager
def refused(url: str):
    """Refuse every TCP connection to the host and port of a URL while the block runs."""
    from urllib.parse import urlsplit

    target = urlsplit(url)
    original = socket.socket.connect

    def connect(self, address):
        if (address[0], address[1]) == (target.hostname, target.port):
            raise ConnectionRefusedError(f"injected: {url} is down")
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]


def test_api10_a_rotated_key_while_the_key_set_is_unreachable_is_a_503_never_a_pass(
    api, shopper, moto_session
):
    """A token naming a key not yet cached makes the app fetch the key set again; that fails."""
    from chalicelib.web import local_auth

    # A fresh key client, as in a new container: PyJWT skips refetching for a while after a fetch.
    local_auth._jwks_client.cache_clear()
    rotated = resign(shopper.id_token, kid="rotated-key")

    with refused(moto_session.jwks_url):
        answer = api.get("/me", headers={"Authorization": f"Bearer {rotated}"})

    assert answer.error() == (503, "ServiceUnavailableError")
    assert api.get("/me", user=shopper).status == 200
