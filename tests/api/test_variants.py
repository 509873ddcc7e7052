"""Variants: each with its own SKU, price and stock, sold, reserved and restocked one by one."""

from __future__ import annotations

import pytest

from harness.aws_calls import count_aws_calls
from tests.support.data import ADDRESS


@pytest.fixture
def tee(api, admin, product_factory):
    """A T-shirt in M/Red (5 in stock, 2000) and L/Blue (3 in stock, 2500)."""
    product = product_factory(name="Tee", priceCents=1800, stock=7, category="clothing")
    pid = product["productId"]
    red = api.post(
        f"/products/{pid}/variants",
        {
            "sku": f"TEE-M-RED-{pid[-6:]}",
            "options": {"Size": "M", "Colour": "Red"},
            "priceCents": 2000,
            "stock": 5,
        },
        user=admin,
    )
    blue = api.post(
        f"/products/{pid}/variants",
        {
            "sku": f"TEE-L-BLUE-{pid[-6:]}",
            "options": {"Size": "L", "Colour": "Blue"},
            "priceCents": 2500,
            "stock": 3,
        },
        user=admin,
    )
    assert (red.status, blue.status) == (201, 201), (red.json, blue.json)
    return {"productId": pid, "red": red.json, "blue": blue.json}


def order(*lines, key="variantId"):
    return {
        "items": [{key: vid, "quantity": q} for vid, q in lines],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }


def variant_stock(api, pid, vid):
    product = api.get(f"/products/{pid}").json
    return {v["variantId"]: v["stock"] for v in product["variants"]}[vid]


def test_a_product_without_options_is_its_own_single_variant(api, product_factory):
    mug = product_factory(priceCents=1250, stock=4)

    answer = api.get(f"/products/{mug['productId']}").json

    assert answer["options"] == []
    assert answer["variants"] == [
        {"variantId": mug["productId"], "sku": None, "options": {}, "priceCents": 1250, "stock": 4}
    ]


def test_a_product_with_options_shows_them_its_lowest_price_and_stock_sum(api, tee):
    product = api.get(f"/products/{tee['productId']}").json

    assert product["options"] == [
        {"name": "Size", "values": ["M", "L"]},
        {"name": "Colour", "values": ["Red", "Blue"]},
    ]
    assert [v["variantId"] for v in product["variants"]] == [
        tee["red"]["variantId"],
        tee["blue"]["variantId"],
    ]
    assert product["priceCents"] == 2000
    assert product["stock"] == 8  # the own variant's 7 are archived with it, not carried over


def test_lists_and_search_carry_the_options_but_not_the_variants(
    api, chalice_app, tee, product_factory
):
    from chalice.test import Client

    from chalicelib.config import settings
    from tests.support.search_feed import SearchFeed, forget_snapshot

    mug = product_factory(name="Plain Mug", category="clothing")
    forget_snapshot()
    with Client(chalice_app) as client:
        SearchFeed(client, settings().products_table).sync()
        listed = {p["productId"]: p for p in api.get("/products?category=clothing").json["items"]}
        found = {p["productId"]: p for p in api.get("/products?q=tee").json["items"]}
    forget_snapshot()

    assert [o["name"] for o in listed[tee["productId"]]["options"]] == ["Size", "Colour"]
    assert found[tee["productId"]]["options"] == listed[tee["productId"]]["options"]
    assert listed[mug["productId"]]["options"] == []
    assert not any("variants" in p for p in [*listed.values(), *found.values()])


def test_a_duplicate_sku_or_combination_is_a_409_and_writes_nothing(api, admin, tee):
    pid = tee["productId"]
    before = api.get(f"/products/{pid}").json

    same_sku = api.post(
        f"/products/{pid}/variants",
        {"sku": tee["red"]["sku"], "options": {"Size": "S", "Colour": "Red"}, "priceCents": 1},
        user=admin,
    )
    same_options = api.post(
        f"/products/{pid}/variants",
        {"sku": "NEW-SKU-1", "options": {"Size": "M", "Colour": "Red"}, "priceCents": 1},
        user=admin,
    )

    assert same_sku.error() == (409, "ConflictError")
    assert same_options.error() == (409, "ConflictError")
    assert api.get(f"/products/{pid}").json == before
    fresh = api.post(
        f"/products/{pid}/variants",
        {"sku": "NEW-SKU-1", "options": {"Size": "S", "Colour": "Red"}, "priceCents": 1},
        user=admin,
    )
    assert fresh.status == 201  # the refused SKU was not taken


def test_a_sku_is_unique_across_products(api, admin, tee, product_factory):
    other = product_factory(name="Hoodie")

    answer = api.post(
        f"/products/{other['productId']}/variants",
        {"sku": tee["blue"]["sku"], "options": {"Size": "M"}, "priceCents": 1},
        user=admin,
    )

    assert answer.error() == (409, "ConflictError")
    assert api.get(f"/products/{other['productId']}").json["options"] == []


@pytest.mark.parametrize(
    "options",
    [{"Size": "XL"}, {"Size": "XL", "Colour": "Red", "Fit": "Slim"}, {"Size": "XL", "Cut": "A"}],
)
def test_every_variant_names_the_same_options(api, admin, tee, options):
    answer = api.post(
        f"/products/{tee['productId']}/variants",
        {"sku": "ODD-1", "options": options, "priceCents": 1},
        user=admin,
    )

    assert answer.error() == (400, "BadRequestError")


def test_price_and_stock_of_a_product_with_options_are_its_variants(api, admin, tee):
    pid = tee["productId"]

    price = api.patch(f"/products/{pid}", {"priceCents": 1}, user=admin)
    stock = api.post(f"/products/{pid}/stock", {"delta": 1}, user=admin)
    renamed = api.patch(f"/products/{pid}", {"name": "Tee shirt"}, user=admin)

    assert price.error() == (409, "ConflictError")
    assert stock.error() == (409, "ConflictError")
    assert renamed.status == 200
    assert renamed.json["priceCents"] == 2000


def test_an_admin_changes_a_variants_sku_price_and_stock(api, admin, tee):
    pid, vid = tee["productId"], tee["blue"]["variantId"]

    patched = api.patch(
        f"/products/{pid}/variants/{vid}", {"sku": "BLUE-NEW", "priceCents": 1500}, user=admin
    )
    stocked = api.post(f"/products/{pid}/variants/{vid}/stock", {"delta": 4}, user=admin)

    assert patched.status == 200
    assert (patched.json["sku"], patched.json["priceCents"]) == ("BLUE-NEW", 1500)
    assert stocked.json["stock"] == 7
    assert api.get(f"/products/{pid}").json["priceCents"] == 1500
    reused = api.post(
        f"/products/{pid}/variants",
        {"sku": tee["blue"]["sku"], "options": {"Size": "S", "Colour": "Blue"}, "priceCents": 1},
        user=admin,
    )
    assert reused.status == 201  # the old SKU was freed by the change


def test_variant_stock_stays_within_0_and_1000000(api, admin, tee):
    pid, vid = tee["productId"], tee["red"]["variantId"]

    below = api.post(f"/products/{pid}/variants/{vid}/stock", {"delta": -6}, user=admin)
    above = api.post(f"/products/{pid}/variants/{vid}/stock", {"delta": 999_996}, user=admin)
    top = api.post(f"/products/{pid}/variants/{vid}/stock", {"delta": 999_995}, user=admin)

    assert below.error() == (409, "ConflictError")
    assert above.error() == (409, "ConflictError")
    assert top.json["stock"] == 1_000_000


def test_variant_routes_answer_404_for_unknown_variants_and_403_to_shoppers(
    api, admin, shopper, tee
):
    pid = tee["productId"]

    unknown = api.post(f"/products/{pid}/variants/{pid}.v99/stock", {"delta": 1}, user=admin)
    own = api.post(f"/products/{pid}/variants/{pid}/stock", {"delta": 1}, user=admin)
    as_shopper = api.post(
        f"/products/{pid}/variants",
        {"sku": "X-1", "options": {"Size": "S", "Colour": "Red"}, "priceCents": 1},
        user=shopper,
    )

    assert unknown.error() == (404, "NotFoundError")
    assert own.error() == (404, "NotFoundError")  # archived when the first option variant came
    assert as_shopper.error() == (403, "ForbiddenError")


def test_an_order_reserves_each_variants_own_stock(api, shopper, tee):
    pid, red, blue = tee["productId"], tee["red"], tee["blue"]

    answer = api.post("/orders", order((red["variantId"], 2), (blue["variantId"], 3)), user=shopper)

    assert answer.status == 201, answer.json
    first = answer.json["items"][0]
    assert first == {
        "productId": pid,
        "variantId": red["variantId"],
        "sku": red["sku"],
        "options": {"Size": "M", "Colour": "Red"},
        "name": "Tee",
        "quantity": 2,
        "unitPriceCents": 2000,
        "lineTotalCents": 4000,
        "discountCents": 0,
        "taxCents": 0,
    }
    assert answer.json["totalCents"] == 2 * 2000 + 3 * 2500
    assert variant_stock(api, pid, red["variantId"]) == 3
    assert variant_stock(api, pid, blue["variantId"]) == 0
    assert api.get(f"/products/{pid}").json["stock"] == 3


def test_a_short_variant_reserves_nothing_and_is_named(api, shopper, tee):
    pid, red, blue = tee["productId"], tee["red"], tee["blue"]

    answer = api.post("/orders", order((red["variantId"], 1), (blue["variantId"], 4)), user=shopper)

    assert answer.error() == (409, "ConflictError")
    assert blue["variantId"] in answer.json["Message"]
    assert variant_stock(api, pid, red["variantId"]) == 5


def test_checkout_is_one_batch_read_and_one_transaction_with_variants(
    api, shopper, tee, warm_config
):
    lines = order((tee["red"]["variantId"], 1), (tee["blue"]["variantId"], 1))

    with count_aws_calls() as calls:
        answer = api.post("/orders", lines, user=shopper)

    assert answer.status == 201
    assert calls.service("dynamodb") == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_the_product_page_stays_one_getitem(api, tee):
    with count_aws_calls() as calls:
        api.get(f"/products/{tee['productId']}")

    assert calls.service("dynamodb") == {"GetItem": 1}


def test_a_product_with_options_named_bare_is_a_400_choose_a_variant(api, shopper, tee):
    pid = tee["productId"]

    by_order = api.post("/orders", order((pid, 1), key="productId"), user=shopper)
    by_cart = api.put(f"/cart/items/{pid}", {"quantity": 1}, user=shopper)

    assert by_order.error() == (400, "BadRequestError")
    assert "choose a variant" in by_order.json["Message"]
    assert by_cart.error() == (400, "BadRequestError")
    assert "choose a variant" in by_cart.json["Message"]


def test_an_item_naming_both_ids_is_a_400(api, shopper, product_factory):
    mug = product_factory()
    body = order((mug["productId"], 1))
    body["items"][0]["productId"] = mug["productId"]

    answer = api.post("/orders", body, user=shopper)

    assert answer.error() == (400, "BadRequestError")


def test_product_id_still_buys_a_product_without_options(api, shopper, product_factory):
    mug = product_factory(stock=3)

    answer = api.post("/orders", order((mug["productId"], 1), key="productId"), user=shopper)

    assert answer.status == 201
    assert answer.json["items"][0]["variantId"] == mug["productId"]


def test_the_cart_holds_variants_and_checks_them_out(api, shopper, tee):
    pid, red = tee["productId"], tee["red"]

    put = api.put(f"/cart/items/{red['variantId']}", {"quantity": 2}, user=shopper)
    too_many = api.put(f"/cart/items/{tee['blue']['variantId']}", {"quantity": 4}, user=shopper)
    placed = api.post(
        "/orders", {"shippingAddress": ADDRESS, "paymentToken": "tok_visa"}, user=shopper
    )

    assert put.status == 200
    assert put.json["items"][0]["variantId"] == red["variantId"]
    assert put.json["items"][0]["options"] == {"Size": "M", "Colour": "Red"}
    assert put.json["totalCents"] == 4000
    assert too_many.error() == (409, "ConflictError")
    assert placed.status == 201
    assert variant_stock(api, pid, red["variantId"]) == 3


def test_cancelling_gives_each_variant_its_units_back(api, shopper, tee):
    pid, red, blue = tee["productId"], tee["red"], tee["blue"]
    placed = api.post(
        "/orders", order((red["variantId"], 2), (blue["variantId"], 1)), user=shopper
    ).json

    cancelled = api.post(f"/orders/{placed['orderId']}/cancel", user=shopper)

    assert cancelled.status == 200
    assert variant_stock(api, pid, red["variantId"]) == 5
    assert variant_stock(api, pid, blue["variantId"]) == 3


def test_an_order_placed_before_options_still_credits_the_own_variant(
    api, admin, shopper, product_factory
):
    cap = product_factory(name="Cap", stock=5)
    pid = cap["productId"]
    placed = api.post("/orders", order((pid, 2), key="productId"), user=shopper).json
    api.post(
        f"/products/{pid}/variants",
        {"sku": f"CAP-{pid[-8:]}", "options": {"Size": "M"}, "priceCents": 900, "stock": 1},
        user=admin,
    )

    cancelled = api.post(f"/orders/{placed['orderId']}/cancel", user=shopper)

    assert cancelled.status == 200
    assert cancelled.json["items"][0]["variantId"] == pid
    product = api.get(f"/products/{pid}").json
    assert product["stock"] == 1  # the own variant's units went back to it, not to the sale
    assert api.post("/orders", order((pid, 1), key="productId"), user=shopper).status == 400


def test_an_archived_variant_stops_selling_but_past_orders_read(api, admin, shopper, tee):
    pid, red = tee["productId"], tee["red"]
    placed = api.post("/orders", order((red["variantId"], 1)), user=shopper).json
    api.put(f"/cart/items/{red['variantId']}", {"quantity": 1}, user=shopper)

    archived = api.delete(f"/products/{pid}/variants/{red['variantId']}", user=admin)

    assert archived.status == 204
    again = api.post("/orders", order((red["variantId"], 1)), user=shopper)
    assert again.error() == (400, "BadRequestError")
    assert (
        api.get(f"/orders/{placed['orderId']}", user=shopper).json["items"][0]["sku"]
        == (red["sku"])
    )
    product = api.get(f"/products/{pid}").json
    assert [v["variantId"] for v in product["variants"]] == [tee["blue"]["variantId"]]
    assert product["priceCents"] == 2500
    cart = api.get("/cart", user=shopper).json
    assert cart["items"] == []
    assert cart["unavailable"] == [red["variantId"]]
