"""Checkout reserves all stock or none, prices from the catalog, and is idempotent per key."""

from __future__ import annotations

import pytest

from chalicelib.services import idempotency
from chalicelib.storage.models import Cart, Product
from harness.aws_calls import count_aws_calls
from tests.faults import meanwhile
from tests.support.data import ADDRESS


def order_body(*lines, token="tok_visa"):
    body = {"shippingAddress": ADDRESS, "paymentToken": token}
    if lines:
        body["items"] = [{"productId": pid, "quantity": q} for pid, q in lines]
    return body


def stock_of(api, pid):
    return api.get(f"/products/{pid}").json["stock"]


def test_an_order_is_priced_from_the_catalog_and_reserves_stock(api, shopper, product_factory):
    mug = product_factory(name="Mug", priceCents=1250, stock=5)
    pot = product_factory(name="Pot", priceCents=300, stock=5)

    answer = api.post(
        "/orders", order_body((mug["productId"], 2), (pot["productId"], 1)), user=shopper
    )

    assert answer.status == 201
    order = answer.json
    assert order["status"] == "PENDING"
    assert order["userId"] == shopper.user_id
    assert order["totalCents"] == 2 * 1250 + 300
    assert order["items"][0] == {
        "productId": mug["productId"],
        "variantId": mug["productId"],
        "sku": None,
        "options": {},
        "name": "Mug",
        "quantity": 2,
        "unitPriceCents": 1250,
        "lineTotalCents": 2500,
        "discountCents": 0,
        "taxCents": 0,
    }
    assert [h["status"] for h in order["history"]] == ["PENDING"]
    assert order["shippingAddress"] == {**ADDRESS, "line2": None}
    assert order["trackingNumber"] is None
    assert (stock_of(api, mug["productId"]), stock_of(api, pot["productId"])) == (3, 4)


def test_checking_out_the_cart_empties_it(api, shopper, product_factory):
    mug = product_factory(stock=5)
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 2}, user=shopper)

    answer = api.post("/orders", order_body(), user=shopper)

    assert answer.status == 201
    assert answer.json["items"][0]["quantity"] == 2
    assert api.get("/cart", user=shopper).json["items"] == []


def test_an_empty_cart_cannot_be_checked_out(api, shopper):
    assert api.post("/orders", order_body(), user=shopper).error() == (400, "BadRequestError")


def test_a_short_line_reserves_nothing_and_names_the_product(api, shopper, product_factory):
    plenty = product_factory(stock=5)
    scarce = product_factory(stock=1)
    api.put(f"/cart/items/{plenty['productId']}", {"quantity": 1}, user=shopper)

    answer = api.post(
        "/orders", order_body((plenty["productId"], 2), (scarce["productId"], 2)), user=shopper
    )

    assert answer.error() == (409, "ConflictError")
    assert answer.json["reason"] == "out_of_stock"
    assert scarce["productId"] in answer.json["Message"]
    assert plenty["productId"] not in answer.json["Message"]
    assert (stock_of(api, plenty["productId"]), stock_of(api, scarce["productId"])) == (5, 1)
    assert api.get("/orders", user=shopper).json["items"] == []
    assert len(api.get("/cart", user=shopper).json["items"]) == 1


def test_the_transaction_itself_refuses_stock_that_vanished_after_pricing(
    api, shopper, product_factory
):
    """Even if the read said there was stock, the conditional write is what decides."""
    mug = product_factory(stock=5)

    def another_buyer_takes_four() -> None:
        Product(mug["productId"]).update(actions=[Product.stock.add(-4)])

    with meanwhile("BatchGetItem", another_buyer_takes_four):
        answer = api.post("/orders", order_body((mug["productId"], 3)), user=shopper)

    assert answer.error() == (409, "ConflictError")
    assert answer.json["reason"] == "out_of_stock"
    assert mug["productId"] in answer.json["Message"]
    assert stock_of(api, mug["productId"]) == 1


def test_a_cart_changed_during_checkout_places_nothing(api, shopper, product_factory):
    """The cart is deleted on the condition that it is the version that was priced."""
    mug = product_factory(stock=5)
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 1}, user=shopper)

    def the_shopper_changes_the_cart() -> None:
        Cart(shopper.user_id).update(actions=[Cart.version.add(1)])

    with meanwhile("BatchGetItem", the_shopper_changes_the_cart):
        answer = api.post("/orders", order_body(), user=shopper)

    assert answer.error() == (409, "ConflictError")
    assert answer.json["reason"] == "cart_changed"
    assert stock_of(api, mug["productId"]) == 5
    assert api.get("/orders", user=shopper).json["items"] == []


def test_an_unknown_or_archived_product_is_a_400_naming_it(api, admin, shopper, product_factory):
    gone = product_factory()
    api.delete(f"/products/{gone['productId']}", user=admin)

    for pid in ("prd_nope", gone["productId"]):
        answer = api.post("/orders", order_body((pid, 1)), user=shopper)
        assert answer.error() == (400, "BadRequestError")
        assert pid in answer.json["Message"]


@pytest.mark.parametrize(
    "extra",
    [
        {"totalCents": 1},
        {"status": "CONFIRMED"},
        {"userId": "someone-else"},
        {"currency": "EUR"},
        {"orderId": "ord_mine"},
    ],
)
def test_client_sent_prices_totals_status_or_user_are_refused(api, shopper, product_factory, extra):
    mug = product_factory()
    answer = api.post("/orders", {**order_body((mug["productId"], 1)), **extra}, user=shopper)
    assert answer.error() == (400, "BadRequestError")
    assert stock_of(api, mug["productId"]) == 10


@pytest.mark.parametrize(
    "line_extra", [{"unitPriceCents": 1}, {"priceCents": 1}, {"lineTotalCents": 1}, {"name": "x"}]
)
def test_a_price_inside_a_line_is_refused(api, shopper, product_factory, line_extra):
    mug = product_factory()
    body = order_body((mug["productId"], 1))
    body["items"][0].update(line_extra)
    assert api.post("/orders", body, user=shopper).status == 400


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.pop("shippingAddress"),
        lambda b: b.pop("paymentToken"),
        lambda b: b.update(paymentToken="visa"),
        lambda b: b.update(items=[]),
        lambda b: b["items"].append(dict(b["items"][0])),
        lambda b: b["items"][0].update(quantity=0),
        lambda b: b["items"][0].update(quantity=100),
        lambda b: b["items"][0].update(quantity=1.0),
        lambda b: b["shippingAddress"].update(country="USA"),
        lambda b: b.update(items=[{"productId": f"p{i}", "quantity": 1} for i in range(51)]),
    ],
)
def test_a_malformed_order_is_a_400(api, shopper, product_factory, mutate):
    mug = product_factory()
    body = order_body((mug["productId"], 1))
    body["shippingAddress"] = dict(ADDRESS)
    mutate(body)
    assert api.post("/orders", body, user=shopper).status == 400
    assert stock_of(api, mug["productId"]) == 10


def test_the_same_key_and_body_replay_the_first_answer(api, shopper, product_factory):
    mug = product_factory(stock=5)
    body = order_body((mug["productId"], 1))
    key = {"Idempotency-Key": "checkout-1"}

    first = api.post("/orders", body, user=shopper, headers=key)
    again = api.post("/orders", body, user=shopper, headers=key)

    assert (first.status, again.status) == (201, 201)
    assert again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(api.get("/orders", user=shopper).json["items"]) == 1
    assert stock_of(api, mug["productId"]) == 4


def test_the_same_key_with_another_body_is_a_422(api, shopper, product_factory):
    mug = product_factory(stock=5)
    key = {"Idempotency-Key": "checkout-2"}
    api.post("/orders", order_body((mug["productId"], 1)), user=shopper, headers=key)

    answer = api.post("/orders", order_body((mug["productId"], 2)), user=shopper, headers=key)

    assert answer.error() == (422, "UnprocessableEntityError")
    assert stock_of(api, mug["productId"]) == 4


def test_a_key_still_in_flight_is_a_409(api, shopper, product_factory):
    mug = product_factory(stock=5)
    body = order_body((mug["productId"], 1))
    fingerprint = idempotency.fingerprint("POST", "/orders", body)
    first_running = idempotency.Key("checkout-3", fingerprint)
    idempotency.begin(f"orders:{shopper.user_id}", first_running)

    answer = api.post("/orders", body, user=shopper, headers={"Idempotency-Key": "checkout-3"})

    assert answer.error() == (409, "ConflictError")
    assert answer.json["reason"] == "idempotency_in_flight"
    assert stock_of(api, mug["productId"]) == 5


def test_a_failed_first_attempt_leaves_the_key_free(api, admin, shopper, product_factory):
    mug = product_factory(stock=0)
    body = order_body((mug["productId"], 1))
    key = {"Idempotency-Key": "checkout-4"}

    assert api.post("/orders", body, user=shopper, headers=key).status == 409
    api.post(f"/products/{mug['productId']}/stock", {"delta": 1}, user=admin)
    retry = api.post("/orders", body, user=shopper, headers=key)

    assert retry.status == 201
    assert stock_of(api, mug["productId"]) == 0


def test_keys_are_per_user(api, shopper, other_shopper, product_factory):
    mug = product_factory(stock=5)
    body = order_body((mug["productId"], 1))
    key = {"Idempotency-Key": "shared-key"}

    mine = api.post("/orders", body, user=shopper, headers=key)
    theirs = api.post("/orders", body, user=other_shopper, headers=key)

    assert (mine.status, theirs.status) == (201, 201)
    assert mine.json["orderId"] != theirs.json["orderId"]


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_a_bad_idempotency_key_is_a_400(api, shopper, product_factory, key):
    mug = product_factory()
    answer = api.post(
        "/orders", order_body((mug["productId"], 1)), user=shopper, headers={"Idempotency-Key": key}
    )
    assert answer.status == 400


def test_orders_are_listed_newest_first_per_user(api, shopper, other_shopper, product_factory):
    mug = product_factory(stock=50)
    ids = [
        api.post("/orders", order_body((mug["productId"], 1)), user=shopper).json["orderId"]
        for _ in range(3)
    ]
    api.post("/orders", order_body((mug["productId"], 1)), user=other_shopper)

    first = api.get("/orders?limit=2", user=shopper).json
    second = api.get(f"/orders?limit=2&cursor={first['nextCursor']}", user=shopper).json

    assert [o["orderId"] for o in first["items"] + second["items"]] == list(reversed(ids))
    assert second["nextCursor"] is None


def test_a_cursor_of_another_user_is_a_400(api, shopper, other_shopper, product_factory):
    mug = product_factory(stock=50)
    for _ in range(2):
        api.post("/orders", order_body((mug["productId"], 1)), user=shopper)
    cursor = api.get("/orders?limit=1", user=shopper).json["nextCursor"]

    answer = api.get(f"/orders?cursor={cursor}", user=other_shopper)

    assert answer.error() == (400, "BadRequestError")


def test_another_users_order_is_a_404_to_read_and_to_cancel(
    api, shopper, other_shopper, product_factory
):
    mug = product_factory()
    order = api.post("/orders", order_body((mug["productId"], 1)), user=shopper).json

    read = api.get(f"/orders/{order['orderId']}", user=other_shopper)
    cancel = api.post(f"/orders/{order['orderId']}/cancel", user=other_shopper)

    assert read.error() == (404, "NotFoundError")
    assert cancel.error() == (404, "NotFoundError")
    assert api.get(f"/orders/{order['orderId']}", user=shopper).json["status"] == "PENDING"


def test_an_admin_may_read_any_order(api, admin, shopper, product_factory):
    mug = product_factory()
    order = api.post("/orders", order_body((mug["productId"], 1)), user=shopper).json
    assert api.get(f"/orders/{order['orderId']}", user=admin).status == 200


def test_cancelling_releases_the_stock_once(api, shopper, product_factory):
    mug = product_factory(stock=5)
    order = api.post("/orders", order_body((mug["productId"], 2)), user=shopper).json

    cancelled = api.post(f"/orders/{order['orderId']}/cancel", user=shopper)
    again = api.post(f"/orders/{order['orderId']}/cancel", user=shopper)

    assert cancelled.status == 200
    assert cancelled.json["status"] == "CANCELLED"
    assert [h["status"] for h in cancelled.json["history"]] == ["PENDING", "CANCELLED"]
    assert again.error() == (409, "ConflictError")
    assert again.json["reason"] == "invalid_transition"
    assert stock_of(api, mug["productId"]) == 5


def test_admins_list_orders_by_status_and_move_them(api, admin, shopper, product_factory):
    mug = product_factory(stock=5)
    order = api.post("/orders", order_body((mug["productId"], 1)), user=shopper).json

    pending = api.get("/admin/orders?status=PENDING", user=admin).json
    assert [o["orderId"] for o in pending["items"]] == [order["orderId"]]

    not_allowed = api.patch(
        f"/admin/orders/{order['orderId']}", {"status": "DELIVERED"}, user=admin
    )
    assert not_allowed.error() == (409, "ConflictError")
    moved = api.patch(f"/admin/orders/{order['orderId']}", {"status": "CANCELLED"}, user=admin)
    assert moved.json["status"] == "CANCELLED"
    assert api.get("/admin/orders?status=PENDING", user=admin).json["items"] == []
    assert stock_of(api, mug["productId"]) == 5


@pytest.mark.parametrize("query", ["", "?status=SHIPPED", "?status=PENDING&limit=0"])
def test_admin_order_lists_need_a_valid_status(api, admin, query):
    assert api.get(f"/admin/orders{query}", user=admin).status == 400


def test_shoppers_get_403_on_admin_order_routes(api, shopper):
    assert api.get("/admin/orders?status=PENDING", user=shopper).status == 403
    assert api.patch("/admin/orders/ord_x", {"status": "DELIVERED"}, user=shopper).status == 403


def test_checkout_is_one_batch_get_and_one_transaction(api, shopper, product_factory, warm_config):
    ids = [product_factory(stock=5)["productId"] for _ in range(4)]

    with count_aws_calls() as calls:
        answer = api.post("/orders", order_body(*[(pid, 1) for pid in ids]), user=shopper)

    assert answer.status == 201
    assert calls.service("dynamodb") == {"BatchGetItem": 1, "TransactWriteItems": 1}


def test_an_idempotent_checkout_adds_only_the_key_record(
    api, shopper, product_factory, warm_config
):
    pid = product_factory(stock=5)["productId"]

    with count_aws_calls() as calls:
        api.post("/orders", order_body((pid, 1)), user=shopper, headers={"Idempotency-Key": "k"})

    assert calls.service("dynamodb") == {
        "PutItem": 1,
        "BatchGetItem": 1,
        "TransactWriteItems": 1,
        "UpdateItem": 1,
    }


def test_my_orders_and_admin_lists_are_one_query(api, admin, shopper, product_factory):
    pid = product_factory(stock=50)["productId"]
    for _ in range(3):
        api.post("/orders", order_body((pid, 1)), user=shopper)

    with count_aws_calls() as mine:
        api.get("/orders", user=shopper)
    with count_aws_calls() as by_status:
        api.get("/admin/orders?status=PENDING", user=admin)

    assert mine.service("dynamodb") == {"Query": 1}
    assert by_status.service("dynamodb") == {"Query": 1}
