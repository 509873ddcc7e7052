"""OWASP API Security Top 10 (2023): API4 Unrestricted Resource Consumption.

Every list bounds its page size, every body its size, every string its length, orders and carts
their lines; oversized cursors, filters and keys, huge numbers and deep nesting are 4xx, not work.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.web import openapi
from tests import owasp
from tests.owasp import ADDRESS, checkout, served_routes

world = owasp.world  # the product, order and cart every attack below aims at


# --- API4:2023 Unrestricted Resource Consumption -------------------------------------------------


def _list_urls(app, world) -> list[tuple[str, Any]]:
    urls = []
    for route in served_routes(app):
        if "limit" in route.operation.parameters:
            query = "status=PENDING&" if "status" in route.operation.parameters else ""
            user = None if route.operation.auth == "none" else world.admin
            urls.append((f"{world.url(route)}?{query}", user))
    return urls


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1000000", "1e2", "0x10", "", " 5", "5.0"])
def test_api4_a_limit_outside_1_to_100_is_a_400_on_every_list(api, chalice_app, world, limit):
    urls = _list_urls(chalice_app, world)
    assert len(urls) >= 4
    for url, user in urls:
        assert api.get(f"{url}limit={limit}", user=user).error() == (400, "BadRequestError"), url


def test_api4_limits_of_1_and_100_are_served_on_every_list(api, chalice_app, world):
    for url, user in _list_urls(chalice_app, world):
        for limit in (1, 100):
            assert api.get(f"{url}limit={limit}", user=user).status == 200, url


def test_api4_a_body_over_64_kib_is_a_413_on_every_route_that_takes_one(api, chalice_app, world):
    big = json.dumps({"name": "x" * (64 * 1024)})
    routes = [r for r in served_routes(chalice_app) if r.operation.body is not None]
    before = world.state()

    for route in routes:
        user = None if route.operation.auth == "none" else world.admin
        answer = api.request(route.method, world.url(route), raw=big, user=user)
        assert answer.error() == (413, "RequestEntityTooLargeError"), (route.method, route.path)

    assert len(routes) >= 12
    assert world.state() == before


def _too_long_fields() -> list[tuple[str, str, int]]:
    """(request schema, field path, maxLength) of every bounded string a client sends."""
    found = []
    for name, schema in openapi.REQUEST_SCHEMAS.items():
        for field, prop in schema["properties"].items():
            if "maxLength" in prop:
                found.append((name, field, prop["maxLength"]))
            for inner in prop.get("anyOf", [prop]):
                for sub, sub_prop in inner.get("properties", {}).items():
                    if "maxLength" in sub_prop:
                        found.append((name, f"{field}.{sub}", sub_prop["maxLength"]))
    return found


@pytest.mark.parametrize(("schema", "field", "maximum"), _too_long_fields())
def test_api4_every_bounded_string_one_over_its_limit_is_a_400(
    api, chalice_app, world, schema, field, maximum
):
    route = next(r for r in served_routes(chalice_app) if r.operation.body == schema)
    body = world.body(route)
    if schema == "ProfilePatchRequest" and "." in field:
        body = {"address": dict(ADDRESS)}
    target, _, sub = field.partition(".")
    if sub:
        body = {**body, target: {**(body.get(target) or ADDRESS), sub: "9" * (maximum + 1)}}
    else:
        body = {**body, target: "a" * (maximum + 1)}
    user = None if route.operation.auth == "none" else world.admin
    before = world.state()

    answer = api.request(route.method, world.url(route), json_body=body, user=user)

    assert answer.error() == (400, "BadRequestError"), answer.json
    assert target in answer.json["Message"]
    assert world.state() == before


def test_api4_an_order_has_at_most_50_lines(api, world, product_factory):
    ids = [product_factory(stock=1)["productId"] for _ in range(51)]
    body = checkout(ids[0])
    body["items"] = [{"productId": pid, "quantity": 1} for pid in ids]

    assert api.post("/orders", body, user=world.shopper).error() == (400, "BadRequestError")
    body["items"] = body["items"][:50]
    assert api.post("/orders", body, user=world.shopper).status == 201


def test_api4_a_cart_holds_at_most_50_products(api, other_shopper, product_factory):
    ids = [product_factory(stock=1)["productId"] for _ in range(51)]
    for pid in ids[:50]:
        assert api.put(f"/cart/items/{pid}", {"quantity": 1}, user=other_shopper).status == 200

    answer = api.put(f"/cart/items/{ids[50]}", {"quantity": 1}, user=other_shopper)

    assert answer.error() == (400, "BadRequestError")
    assert len(api.get("/cart", user=other_shopper).json["items"]) == 50


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("/products?cursor=" + "A" * 2049, None),
        ("/products?category=" + "a" * 65, None),
        ("/orders", {"Idempotency-Key": "k" * 256}),
    ],
)
def test_api4_oversized_cursors_filters_and_keys_are_a_400(api, world, url, header):
    method = "POST" if url == "/orders" else "GET"
    body = checkout(world.product_id) if method == "POST" else None
    answer = api.request(method, url, json_body=body, user=world.shopper, headers=header)
    assert answer.error() == (400, "BadRequestError")


def test_api4_a_5000_digit_number_is_a_400_not_a_cpu_burn(api, world):
    raw = '{"quantity": ' + "9" * 5000 + "}"
    answer = api.request("PUT", f"/cart/items/{world.product_id}", raw=raw, user=world.shopper)
    assert answer.error() == (400, "BadRequestError")


@pytest.mark.parametrize("raw", ["[" * 20_000, '{"a":' * 10_000 + "1" + "}" * 10_000])
def test_api4_a_deeply_nested_body_is_a_400(api, raw):
    answer = api.request("POST", "/auth/login", raw=raw)
    assert answer.error() == (400, "BadRequestError")
