"""A cart's promotion code, shipping options and tax (API.md: Cart, Promotions, Shipping)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.services import shop_config
from harness.aws_calls import count_aws_calls

UK_ZONE: dict[str, Any] = {
    "name": "United Kingdom",
    "countries": ["GB"],
    "methods": [
        {"methodId": "standard", "name": "Standard", "rateCents": 0, "currency": "USD"},
        {"methodId": "express", "name": "Express", "rateCents": 1500, "currency": "USD"},
    ],
}
US_ZONE: dict[str, Any] = {
    "name": "United States",
    "countries": ["US"],
    "methods": [
        {"methodId": "ground", "name": "Ground", "rateCents": 500, "currency": "USD",
         "freeOverCents": 5000},
    ],
}  # fmt: skip


@pytest.fixture(autouse=True)
def fresh_config():
    shop_config.forget()
    yield
    shop_config.forget()


@pytest.fixture
def shop(api, admin):
    """Zones for GB and US, 20 % VAT in GB (inclusive), 5 % in CA (exclusive), a few codes."""
    api.put("/admin/shipping/zones/uk", UK_ZONE, user=admin)
    api.put("/admin/shipping/zones/us", US_ZONE, user=admin)
    api.put("/admin/tax/rates/GB", {"rateBasisPoints": 2000, "inclusive": True}, user=admin)
    api.put("/admin/tax/rates/US", {"rateBasisPoints": 500, "inclusive": False}, user=admin)

    def code(**fields: Any) -> dict[str, Any]:
        answer = api.post("/admin/promotions", fields, user=admin)
        assert answer.status == 201, answer.json
        return answer.json  # type: ignore[no-any-return]

    return code


def _cart_of(api, user, product_factory, price=2000, quantity=2):
    product = product_factory(priceCents=price)
    api.put(f"/cart/items/{product['productId']}", {"quantity": quantity}, user=user)
    return product


def test_a_code_is_applied_case_insensitively_and_shown_on_the_cart(
    api, shopper, product_factory, shop
):
    shop(code="TEN-OFF", kind="percent", percentOff=10)
    _cart_of(api, shopper, product_factory)

    cart = api.put("/cart/promotion", {"code": "ten-off"}, user=shopper).json
    assert cart["promotion"] == {"code": "TEN-OFF", "discountCents": 400}
    assert (cart["subtotalCents"], cart["discountCents"], cart["totalCents"]) == (4000, 400, 3600)
    assert cart["promotionError"] is None

    again = api.get("/cart", user=shopper).json
    assert again["promotion"] == {"code": "TEN-OFF", "discountCents": 400}

    removed = api.delete("/cart/promotion", user=shopper).json
    assert (removed["promotion"], removed["discountCents"], removed["totalCents"]) == (
        None,
        0,
        4000,
    )


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"code": "NOPE-1", "kind": "percent", "percentOff": 5, "active": False}, 400,
         "not active"),
        ({"code": "NOPE-1", "kind": "percent", "percentOff": 5,
          "startsAt": "2099-01-01T00:00:00Z"}, 400, "not started"),
        ({"code": "NOPE-1", "kind": "percent", "percentOff": 5,
          "endsAt": "2020-01-01T00:00:00Z"}, 400, "ended"),
        ({"code": "NOPE-1", "kind": "fixed", "amountOffCents": 100, "currency": "EUR"}, 400,
         "another currency"),
        ({"code": "NOPE-1", "kind": "fixed", "amountOffCents": 100, "currency": "USD",
          "minSubtotalCents": 100_000}, 400, "larger subtotal"),
    ],
)  # fmt: skip
def test_a_code_that_cannot_apply_is_a_400_naming_the_rule_and_nothing_is_written(
    api, shopper, product_factory, shop, fields, status, words
):
    shop(**fields)
    _cart_of(api, shopper, product_factory)

    answer = api.put("/cart/promotion", {"code": "nope-1"}, user=shopper)

    assert answer.error() == (status, "BadRequestError")
    assert words in answer.json["Message"]
    assert api.get("/cart", user=shopper).json["promotion"] is None


def test_an_unknown_or_malformed_code_is_a_400(api, shopper, product_factory):
    _cart_of(api, shopper, product_factory)
    unknown = api.put("/cart/promotion", {"code": "GHOST"}, user=shopper)
    assert unknown.error() == (400, "BadRequestError")
    assert "unknown" in unknown.json["Message"]
    assert api.put("/cart/promotion", {"code": "a b"}, user=shopper).status == 400
    assert api.put("/cart/promotion", {"code": 5}, user=shopper).status == 400


def test_a_used_up_code_is_a_409(api, admin, shopper, product_factory, shop):
    shop(code="ONCE-ONLY", kind="percent", percentOff=5, maxRedemptions=1)
    _cart_of(api, shopper, product_factory)
    api.patch("/admin/promotions/ONCE-ONLY", {"maxRedemptions": 1}, user=admin)
    # Redeem it through a direct checkout by another route: here, lower the limit below 1 use.
    from chalicelib.storage.models import PricingEntry

    PricingEntry("PROMO#ONCE-ONLY", "PROMOTION").update(actions=[PricingEntry.redemptions.set(1)])

    answer = api.put("/cart/promotion", {"code": "once-only"}, user=shopper)

    assert answer.error() == (409, "ConflictError")
    assert "used up" in answer.json["Message"]


def test_get_cart_rechecks_the_code_and_shows_why_it_stopped_applying(
    api, admin, shopper, product_factory, shop
):
    shop(code="SOON-GONE", kind="percent", percentOff=10)
    _cart_of(api, shopper, product_factory)
    api.put("/cart/promotion", {"code": "SOON-GONE"}, user=shopper)

    api.patch("/admin/promotions/SOON-GONE", {"active": False}, user=admin)
    cart = api.get("/cart", user=shopper).json

    assert cart["promotion"] == {"code": "SOON-GONE", "discountCents": 0}
    assert "not active" in cart["promotionError"]
    assert (cart["discountCents"], cart["totalCents"]) == (0, 4000)


def test_shipping_options_and_totals_for_a_country(api, shopper, product_factory, shop):
    _cart_of(api, shopper, product_factory, price=2000, quantity=2)

    gb = api.get("/cart?country=GB", user=shopper).json
    assert gb["shippingOptions"] == [
        {"methodId": "standard", "name": "Standard", "rateCents": 0},
        {"methodId": "express", "name": "Express", "rateCents": 1500},
    ]
    # Inclusive VAT: 4000 * 2000 / 12000 = 666.67 -> 667, inside the total.
    assert (gb["shippingCents"], gb["taxCents"], gb["totalCents"]) == (0, 667, 4000)

    express = api.get("/cart?country=GB&shippingMethod=express", user=shopper).json
    assert (express["shippingCents"], express["taxCents"], express["totalCents"]) == (
        1500,
        917,
        5500,
    )

    us = api.get("/cart?country=US", user=shopper).json
    assert us["shippingOptions"] == [{"methodId": "ground", "name": "Ground", "rateCents": 500}]
    # Free over 5000? 4000 is below: 500 shipping; 5 % exclusive of 4500 = 225.
    assert (us["shippingCents"], us["taxCents"], us["totalCents"]) == (500, 225, 4725)

    nowhere = api.get("/cart?country=JP", user=shopper).json
    assert nowhere["shippingOptions"] == []
    assert (nowhere["shippingCents"], nowhere["taxCents"]) == (None, None)

    assert api.get("/cart?country=gb", user=shopper).status == 400
    assert api.get("/cart?country=GB&shippingMethod=pigeon", user=shopper).status == 400


def test_without_a_country_the_cart_uses_the_profile_address(api, shopper, product_factory, shop):
    _cart_of(api, shopper, product_factory)
    unknown = api.get("/cart", user=shopper).json
    assert (unknown["shippingCents"], unknown["taxCents"], unknown["shippingOptions"]) == (
        None,
        None,
        None,
    )
    address = {"line1": "1 Baker St", "city": "London", "postalCode": "NW1", "country": "GB"}
    api.patch("/me", {"address": address}, user=shopper)

    known = api.get("/cart", user=shopper).json
    assert (known["shippingCents"], known["taxCents"], known["totalCents"]) == (0, 667, 4000)


def test_with_no_zones_and_no_rates_shipping_and_tax_are_0_for_everyone(
    api, shopper, product_factory
):
    _cart_of(api, shopper, product_factory)
    cart = api.get("/cart", user=shopper).json
    assert (cart["shippingCents"], cart["taxCents"], cart["totalCents"]) == (0, 0, 4000)
    assert api.get("/cart?country=FR", user=shopper).json["shippingOptions"] == []


def test_a_cart_with_a_code_adds_one_read_and_the_configuration_none(
    api, shopper, product_factory, shop
):
    shop(code="TEN-OFF", kind="percent", percentOff=10)
    _cart_of(api, shopper, product_factory)
    api.get("/cart?country=GB", user=shopper)  # the configuration is cached from here on
    with count_aws_calls() as calls:
        api.get("/cart?country=GB", user=shopper)
    assert calls.service("dynamodb") == {"GetItem": 1, "BatchGetItem": 1}

    api.put("/cart/promotion", {"code": "TEN-OFF"}, user=shopper)
    with count_aws_calls() as calls:
        api.get("/cart?country=GB", user=shopper)
    assert calls.service("dynamodb") == {"GetItem": 1, "BatchGetItem": 2}


def test_a_shopper_without_a_cart_or_an_address_reads_an_empty_cart_once_zones_exist(
    api, shopper, shop
):
    answer = api.get("/cart", user=shopper)

    assert answer.status == 200, answer.json
    body = answer.json
    assert (body["items"], body["totalCents"], body["promotion"]) == ([], 0, None)
    assert (body["shippingCents"], body["taxCents"], body["shippingOptions"]) == (None, None, None)
