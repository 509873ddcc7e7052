"""Checkout with promotions, shipping and tax: priced on the server, stored, redeemed once."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.services import shop_config
from harness.aws_calls import count_aws_calls

GB = {"line1": "1 Baker St", "city": "London", "postalCode": "NW1", "country": "GB"}
US = {"line1": "48 Harbor St", "city": "Portland", "postalCode": "04101", "country": "US"}
ZONES: dict[str, Any] = {
    "uk": {
        "name": "United Kingdom",
        "countries": ["GB"],
        "methods": [
            {"methodId": "standard", "name": "Standard", "rateCents": 0, "currency": "USD"},
            {"methodId": "express", "name": "Express", "rateCents": 1500, "currency": "USD"},
        ],
    },
    "us": {
        "name": "United States",
        "countries": ["US"],
        "methods": [{"methodId": "ground", "name": "Ground", "rateCents": 0, "currency": "USD"}],
    },
}


@pytest.fixture(autouse=True)
def fresh_config():
    shop_config.forget()
    yield
    shop_config.forget()


@pytest.fixture
def shop(api, admin):
    for zone_id, zone in ZONES.items():
        assert api.put(f"/admin/shipping/zones/{zone_id}", zone, user=admin).status == 200
    api.put("/admin/tax/rates/GB", {"rateBasisPoints": 2000, "inclusive": True}, user=admin)
    api.put("/admin/tax/rates/US", {"rateBasisPoints": 1000, "inclusive": False}, user=admin)

    def code(**fields: Any) -> None:
        assert api.post("/admin/promotions", fields, user=admin).status == 201

    return code


def body(*lines: tuple[str, int], address=GB, **extra: Any) -> dict[str, Any]:
    items = [{"productId": pid, "quantity": q} for pid, q in lines]
    return {"items": items, "shippingAddress": address, "paymentToken": "tok_visa", **extra}


def stock(api, pid):
    return api.get(f"/products/{pid}").json["stock"]


def redemptions(api, admin, code):
    return api.get(f"/admin/promotions/{code}", user=admin).json["redemptions"]


def test_an_order_stores_every_component_and_each_lines_shares(api, shopper, product_factory, shop):
    shop(code="TEN", kind="percent", percentOff=10)
    mug = product_factory(priceCents=1000)["productId"]
    pot = product_factory(priceCents=3000)["productId"]

    answer = api.post(
        "/orders",
        body((mug, 1), (pot, 1), address=US, promotionCode="ten", shippingMethod="ground"),
        user=shopper,
    )

    assert answer.status == 201
    order = answer.json
    # 4000 - 400 = 3600 goods, free ground, 10 % exclusive = 360.
    assert (
        order["subtotalCents"], order["discountCents"], order["shippingCents"],
        order["taxCents"], order["shippingTaxCents"], order["totalCents"],
    ) == (4000, 400, 0, 360, 0, 3960)  # fmt: skip
    assert (order["taxRateBasisPoints"], order["taxInclusive"]) == (1000, False)
    assert (order["promotionCode"], order["shippingMethod"], order["refundedCents"]) == (
        "TEN",
        "ground",
        0,
    )
    assert [(line["discountCents"], line["taxCents"]) for line in order["items"]] == [
        (100, 90),
        (300, 270),
    ]
    assert api.get(f"/orders/{order['orderId']}", user=shopper).json == order


def test_express_to_gb_with_inclusive_vat(api, shopper, product_factory, shop):
    mug = product_factory(priceCents=2000)["productId"]
    order = api.post("/orders", body((mug, 2), shippingMethod="express"), user=shopper).json
    # 4000 + 1500 = 5500 inclusive of 20 %: 5500 * 2000 / 12000 = 916.67 -> 917.
    assert (order["shippingCents"], order["taxCents"], order["totalCents"]) == (1500, 917, 5500)
    assert order["taxInclusive"] is True
    assert [line["taxCents"] for line in order["items"]] == [0]
    assert order["shippingTaxCents"] == 0


def test_without_a_method_the_cheapest_is_used_and_a_bad_method_or_country_is_a_400(
    api, shopper, product_factory, shop
):
    mug = product_factory(priceCents=2000, stock=5)["productId"]
    assert api.post("/orders", body((mug, 1)), user=shopper).json["shippingMethod"] == "standard"
    bad = api.post("/orders", body((mug, 1), shippingMethod="pigeon"), user=shopper)
    assert bad.error() == (400, "BadRequestError")
    assert "shippingMethod" in bad.json["Message"]
    japan = {**GB, "country": "JP"}
    nowhere = api.post("/orders", body((mug, 1), address=japan), user=shopper)
    assert nowhere.error() == (400, "BadRequestError")
    assert "we do not ship to JP" in nowhere.json["Message"]
    assert stock(api, mug) == 4


def test_a_promotion_code_beside_a_cart_checkout_is_a_400(api, shopper, product_factory, shop):
    shop(code="TEN", kind="percent", percentOff=10)
    mug = product_factory()["productId"]
    api.put(f"/cart/items/{mug}", {"quantity": 1}, user=shopper)
    data = {"shippingAddress": GB, "paymentToken": "tok_visa", "promotionCode": "TEN"}
    assert api.post("/orders", data, user=shopper).error() == (400, "BadRequestError")
    assert stock(api, mug) == 10


def test_a_cart_checkout_uses_the_cart_code_and_one_that_stopped_applying_is_a_409(
    api, admin, shopper, product_factory, shop
):
    shop(code="TEN", kind="percent", percentOff=10)
    mug = product_factory(priceCents=1000)["productId"]
    api.put(f"/cart/items/{mug}", {"quantity": 2}, user=shopper)
    api.put("/cart/promotion", {"code": "TEN"}, user=shopper)
    data = {"shippingAddress": GB, "paymentToken": "tok_visa"}

    api.patch("/admin/promotions/TEN", {"active": False}, user=admin)
    refused = api.post("/orders", data, user=shopper)
    assert refused.error() == (409, "ConflictError")
    assert "not active" in refused.json["Message"]
    assert stock(api, mug) == 10
    assert len(api.get("/cart", user=shopper).json["items"]) == 1

    api.patch("/admin/promotions/TEN", {"active": True}, user=admin)
    order = api.post("/orders", data, user=shopper).json
    assert (order["promotionCode"], order["discountCents"], order["totalCents"]) == (
        "TEN",
        200,
        1800,
    )
    assert redemptions(api, admin, "TEN") == 1


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"kind": "percent", "percentOff": 5, "active": False}, "not active"),
        ({"kind": "percent", "percentOff": 5, "endsAt": "2020-01-01T00:00:00Z"}, "ended"),
        ({"kind": "fixed", "amountOffCents": 100, "currency": "EUR"}, "another currency"),
        ({"kind": "percent", "percentOff": 5, "currency": "USD", "minSubtotalCents": 10**6},
         "larger subtotal"),
    ],
)  # fmt: skip
def test_a_direct_checkout_with_a_code_that_cannot_apply_is_a_400_and_writes_nothing(
    api, admin, shopper, product_factory, shop, fields, words
):
    shop(code="BAD-1", **fields)
    mug = product_factory()["productId"]
    answer = api.post("/orders", body((mug, 1), promotionCode="bad-1"), user=shopper)
    assert answer.error() == (400, "BadRequestError")
    assert words in answer.json["Message"]
    assert stock(api, mug) == 10
    assert api.get("/orders", user=shopper).json["items"] == []
    assert redemptions(api, admin, "BAD-1") == 0


def test_a_limited_code_is_409_when_used_up_and_a_cancel_gives_it_back_once(
    api, admin, shopper, other_shopper, product_factory, shop
):
    shop(code="ONE", kind="fixed", amountOffCents=500, currency="USD", maxRedemptions=1)
    mug = product_factory(priceCents=2000, stock=5)["productId"]
    first = api.post("/orders", body((mug, 1), promotionCode="ONE"), user=shopper).json
    assert first["discountCents"] == 500

    used_up = api.post("/orders", body((mug, 1), promotionCode="ONE"), user=other_shopper)
    assert used_up.error() == (409, "ConflictError")
    assert "used up" in used_up.json["Message"]
    assert stock(api, mug) == 4
    assert redemptions(api, admin, "ONE") == 1

    assert api.post(f"/orders/{first['orderId']}/cancel", user=shopper).status == 200
    assert redemptions(api, admin, "ONE") == 0
    assert stock(api, mug) == 5
    assert api.post(f"/orders/{first['orderId']}/cancel", user=shopper).status == 409
    assert redemptions(api, admin, "ONE") == 0

    again = api.post("/orders", body((mug, 1), promotionCode="ONE"), user=other_shopper)
    assert again.status == 201
    assert redemptions(api, admin, "ONE") == 1


def test_a_once_per_customer_code_is_redeemed_once_per_user_until_given_back(
    api, admin, shopper, other_shopper, product_factory, shop
):
    shop(code="HELLO", kind="percent", percentOff=15, oncePerCustomer=True)
    mug = product_factory(priceCents=2000)["productId"]
    first = api.post("/orders", body((mug, 1), promotionCode="HELLO"), user=shopper).json

    twice = api.post("/orders", body((mug, 1), promotionCode="hello"), user=shopper)
    assert twice.error() == (409, "ConflictError")
    assert "already used" in twice.json["Message"]
    api.put(f"/cart/items/{mug}", {"quantity": 1}, user=shopper)
    assert api.put("/cart/promotion", {"code": "HELLO"}, user=shopper).status == 409
    assert (
        api.post("/orders", body((mug, 1), promotionCode="HELLO"), user=other_shopper).status == 201
    )

    api.post(f"/orders/{first['orderId']}/cancel", user=shopper)
    assert api.post("/orders", body((mug, 1), promotionCode="HELLO"), user=shopper).status == 201
    assert redemptions(api, admin, "HELLO") == 2


def test_a_declined_payment_gives_the_redemption_back(
    api, admin, shopper, product_factory, shop, pipeline
):
    shop(code="ONE", kind="percent", percentOff=10, maxRedemptions=1, oncePerCustomer=True)
    mug = product_factory(stock=5)["productId"]
    data = body((mug, 2), promotionCode="ONE", paymentToken="tok_decline")
    order = api.post("/orders", data, user=shopper).json
    assert redemptions(api, admin, "ONE") == 1

    pipeline.run()

    assert api.get(f"/orders/{order['orderId']}", user=shopper).json["status"] == "PAYMENT_FAILED"
    assert stock(api, mug) == 5
    assert redemptions(api, admin, "ONE") == 0
    assert api.post("/orders", body((mug, 1), promotionCode="ONE"), user=shopper).status == 201


def test_a_quote_prices_like_a_checkout_and_writes_nothing(
    api, admin, shopper, product_factory, shop
):
    shop(code="ONE", kind="percent", percentOff=10, maxRedemptions=1, oncePerCustomer=True)
    mug = product_factory(priceCents=2000, stock=5)["productId"]
    data = body((mug, 2), promotionCode="one", shippingMethod="express")

    quote = api.post("/orders/quote", data, user=shopper)

    assert quote.status == 200
    assert "orderId" not in quote.json
    assert "status" not in quote.json
    assert (stock(api, mug), redemptions(api, admin, "ONE")) == (5, 0)
    assert api.get("/orders", user=shopper).json["items"] == []
    placed = api.post("/orders", data, user=shopper).json
    for name, value in quote.json.items():
        assert placed[name] == value, name
    assert api.post("/orders/quote", data, user=shopper).error() == (409, "ConflictError")
    short = body((mug, 4))
    assert api.post("/orders/quote", short, user=shopper).error() == (409, "ConflictError")


def test_a_promotion_checkout_adds_one_read_and_its_items_to_the_one_transaction(
    api, shopper, product_factory, shop
):
    shop(code="TEN", kind="percent", percentOff=10, maxRedemptions=100, oncePerCustomer=True)
    mug = product_factory()["productId"]
    api.post("/orders", body((mug, 1)), user=shopper)  # the configuration is cached from here on

    with count_aws_calls() as calls:
        api.post("/orders", body((mug, 1)), user=shopper)
    assert calls.service("dynamodb") == {"BatchGetItem": 1, "TransactWriteItems": 1}

    with count_aws_calls() as calls:
        api.post("/orders", body((mug, 1), promotionCode="TEN"), user=shopper)
    assert calls.service("dynamodb") == {"BatchGetItem": 2, "TransactWriteItems": 1}


def test_old_orders_read_with_neutral_values(api, shopper, product_factory):
    from chalicelib.storage.models import Order

    mug = product_factory()["productId"]
    order_id = api.post("/orders", body((mug, 1)), user=shopper).json["orderId"]
    Order(order_id).update(
        actions=[
            Order.subtotal_cents.remove(),
            Order.tax_inclusive.remove(),
            Order.refunded_cents.remove(),
            Order.tax_rate_basis_points.remove(),
        ]
    )
    order = api.get(f"/orders/{order_id}", user=shopper).json
    assert (order["subtotalCents"], order["refundedCents"]) == (0, 0)
    assert (order["taxInclusive"], order["taxRateBasisPoints"], order["promotionCode"]) == (
        None,
        None,
        None,
    )
