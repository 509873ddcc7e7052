"""The cart is the shopper's own, priced from the catalog whenever it is read."""

from __future__ import annotations

from harness.aws_calls import count_aws_calls


def test_a_new_shopper_has_an_empty_cart(api, shopper):
    cart = api.get("/cart", user=shopper).json
    assert (cart["items"], cart["totalCents"], cart["currency"]) == ([], 0, "USD")


def test_items_are_added_changed_and_priced_from_the_catalog(api, shopper, product_factory):
    mug = product_factory(name="Mug", priceCents=1250)
    pot = product_factory(name="Pot", priceCents=300)

    api.put(f"/cart/items/{mug['productId']}", {"quantity": 2}, user=shopper)
    cart = api.put(f"/cart/items/{pot['productId']}", {"quantity": 3}, user=shopper).json
    assert cart["totalCents"] == 2 * 1250 + 3 * 300

    cart = api.put(f"/cart/items/{mug['productId']}", {"quantity": 1}, user=shopper).json
    assert {i["productId"]: i["quantity"] for i in cart["items"]} == {
        mug["productId"]: 1,
        pot["productId"]: 3,
    }
    assert cart["totalCents"] == 1250 + 900


def test_the_cart_follows_price_changes(api, admin, shopper, product_factory):
    mug = product_factory(priceCents=1000)
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 2}, user=shopper)

    api.patch(f"/products/{mug['productId']}", {"priceCents": 1500}, user=admin)

    assert api.get("/cart", user=shopper).json["totalCents"] == 3000


def test_an_archived_product_drops_out_of_the_cart(api, admin, shopper, product_factory):
    mug = product_factory()
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 1}, user=shopper)

    api.delete(f"/products/{mug['productId']}", user=admin)
    cart = api.get("/cart", user=shopper).json

    assert cart["items"] == []
    assert cart["unavailable"] == [mug["productId"]]


def test_unknown_products_and_quantities_above_stock_are_refused(api, shopper, product_factory):
    mug = product_factory(stock=2)

    assert api.put("/cart/items/prd_nope", {"quantity": 1}, user=shopper).status == 404
    above = api.put(f"/cart/items/{mug['productId']}", {"quantity": 3}, user=shopper)
    assert above.error() == (409, "ConflictError")
    assert above.json["reason"] == "out_of_stock"
    for quantity in (0, 100, 1.5, "2"):
        answer = api.put(f"/cart/items/{mug['productId']}", {"quantity": quantity}, user=shopper)
        assert answer.status == 400
    assert api.get("/cart", user=shopper).json["items"] == []


def test_items_are_removed_and_the_cart_is_emptied(api, shopper, product_factory):
    mug, pot = product_factory(), product_factory()
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 1}, user=shopper)
    api.put(f"/cart/items/{pot['productId']}", {"quantity": 1}, user=shopper)

    cart = api.delete(f"/cart/items/{mug['productId']}", user=shopper).json
    assert [i["productId"] for i in cart["items"]] == [pot["productId"]]

    assert api.delete("/cart", user=shopper).status == 204
    assert api.get("/cart", user=shopper).json["items"] == []
    assert api.delete(f"/cart/items/{pot['productId']}", user=shopper).status == 200


def test_one_shoppers_cart_is_invisible_to_another(api, shopper, other_shopper, product_factory):
    mug = product_factory()
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 1}, user=shopper)

    assert api.get("/cart", user=other_shopper).json["items"] == []
    api.delete("/cart", user=other_shopper)
    assert len(api.get("/cart", user=shopper).json["items"]) == 1


def test_the_cart_needs_a_token(api):
    assert api.get("/cart").error() == (401, "UnauthorizedError")


def test_reading_a_cart_is_one_get_and_one_batch_get(api, shopper, product_factory, warm_config):
    for _ in range(3):
        api.put(f"/cart/items/{product_factory()['productId']}", {"quantity": 1}, user=shopper)

    with count_aws_calls() as calls:
        api.get("/cart", user=shopper)

    assert calls.service("dynamodb") == {"GetItem": 1, "BatchGetItem": 1}
