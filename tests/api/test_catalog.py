"""The catalog routes behave as the contract writes them."""

from __future__ import annotations

import pytest

from harness.aws_calls import count_aws_calls


def test_health_answers_ok(api):
    assert api.get("/health").json == {"status": "ok"}


def test_an_admin_creates_a_product_that_anyone_can_read(api, product_factory):
    created = product_factory(name="Blue mug", priceCents=1999, description="Holds tea")
    assert created["currency"] == "USD"
    assert created["stock"] == 10
    assert created["createdAt"].endswith("Z")

    answer = api.get(f"/products/{created['productId']}")

    assert answer.status == 200
    assert answer.json == created


def test_products_are_listed_newest_first_and_filtered_by_category(api, product_factory):
    first = product_factory(name="A", category="kitchen")
    second = product_factory(name="B", category="garden")
    third = product_factory(name="C", category="kitchen")

    everything = api.get("/products").json
    kitchen = api.get("/products?category=kitchen").json

    assert [p["productId"] for p in everything["items"]] == [
        third["productId"],
        second["productId"],
        first["productId"],
    ]
    assert [p["productId"] for p in kitchen["items"]] == [third["productId"], first["productId"]]
    assert everything["nextCursor"] is None


def test_pages_follow_the_cursor_until_the_list_ends(api, product_factory):
    ids = [product_factory(name=f"P{i}")["productId"] for i in range(5)]

    seen, cursor = [], None
    for _ in range(3):
        path = "/products?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(path).json
        seen += [p["productId"] for p in page["items"]]
        cursor = page["nextCursor"]

    assert seen == list(reversed(ids))
    assert cursor is None


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_a_limit_outside_1_to_100_is_a_400(api, limit):
    assert api.get(f"/products?limit={limit}").error() == (400, "BadRequestError")


def test_a_garbage_or_tampered_cursor_is_a_400(api, product_factory):
    for i in range(3):
        product_factory(name=f"P{i}")
    cursor = api.get("/products?limit=1").json["nextCursor"]
    tampered = ("B" if cursor[0] != "B" else "C") + cursor[1:]

    assert api.get("/products?cursor=garbage").error() == (400, "BadRequestError")
    assert api.get(f"/products?cursor={tampered}").error() == (400, "BadRequestError")


def test_a_cursor_of_one_list_is_refused_by_another(api, product_factory):
    for i in range(3):
        product_factory(name=f"P{i}", category="kitchen")
    cursor = api.get("/products?limit=1").json["nextCursor"]

    answer = api.get(f"/products?category=kitchen&cursor={cursor}")

    assert answer.error() == (400, "BadRequestError")


def test_a_bad_category_filter_is_a_400(api):
    assert api.get("/products?category=Not%20Valid").error() == (400, "BadRequestError")


def test_a_missing_product_is_a_404(api):
    assert api.get("/products/prd_nope").error() == (404, "NotFoundError")


def test_an_archived_product_is_gone_from_reads_and_lists(api, admin, product_factory):
    product = product_factory()
    pid = product["productId"]

    assert api.delete(f"/products/{pid}", user=admin).status == 204

    assert api.get(f"/products/{pid}").error() == (404, "NotFoundError")
    assert api.get("/products").json["items"] == []
    assert api.get("/products?category=kitchen").json["items"] == []
    assert api.delete(f"/products/{pid}", user=admin).error() == (404, "NotFoundError")
    assert api.patch(f"/products/{pid}", {"name": "x"}, user=admin).status == 404


def test_an_admin_patches_fields_and_the_category_list_follows(api, admin, product_factory):
    pid = product_factory(category="kitchen")["productId"]

    answer = api.patch(
        f"/products/{pid}", {"name": "Renamed", "priceCents": 5, "category": "garden"}, user=admin
    )

    assert answer.status == 200
    assert (answer.json["name"], answer.json["priceCents"]) == ("Renamed", 5)
    assert [p["productId"] for p in api.get("/products?category=garden").json["items"]] == [pid]
    assert api.get("/products?category=kitchen").json["items"] == []


def test_stock_moves_by_a_delta_and_never_below_zero(api, admin, product_factory):
    pid = product_factory(stock=3)["productId"]

    assert api.post(f"/products/{pid}/stock", {"delta": 4}, user=admin).json["stock"] == 7
    assert api.post(f"/products/{pid}/stock", {"delta": -7}, user=admin).json["stock"] == 0
    below = api.post(f"/products/{pid}/stock", {"delta": -1}, user=admin)

    assert below.error() == (409, "ConflictError")
    assert below.json["reason"] == "stock_limit"
    assert api.get(f"/products/{pid}").json["stock"] == 0


def test_stock_never_rises_above_the_contracts_limit(api, admin, product_factory):
    pid = product_factory(stock=999_999)["productId"]

    assert api.post(f"/products/{pid}/stock", {"delta": 1}, user=admin).json["stock"] == 1_000_000
    above = api.post(f"/products/{pid}/stock", {"delta": 1}, user=admin)

    assert above.error() == (409, "ConflictError")
    assert api.get(f"/products/{pid}").json["stock"] == 1_000_000


@pytest.mark.parametrize("delta", [0, 1.0, "1", None, True, 1_000_001])
def test_a_stock_delta_must_be_a_non_zero_integer(api, admin, product_factory, delta):
    pid = product_factory()["productId"]
    answer = api.post(f"/products/{pid}/stock", {"delta": delta}, user=admin)
    assert answer.error() == (400, "BadRequestError")


def test_a_stock_delta_on_a_missing_product_is_a_404(api, admin):
    answer = api.post("/products/prd_nope/stock", {"delta": -1}, user=admin)
    assert answer.error() == (404, "NotFoundError")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "priceCents": 12.5, "category": "a"}, "priceCents"),
        ({"name": "x", "priceCents": 1.0, "category": "a"}, "priceCents"),
        ({"name": "x", "priceCents": "100", "category": "a"}, "priceCents"),
        ({"name": "x", "priceCents": -1, "category": "a"}, "priceCents"),
        ({"name": "x", "priceCents": 100_000_001, "category": "a"}, "priceCents"),
        ({"name": "", "priceCents": 1, "category": "a"}, "name"),
        ({"name": "x" * 201, "priceCents": 1, "category": "a"}, "name"),
        ({"name": "x", "priceCents": 1, "category": "Bad Cat"}, "category"),
        ({"name": "x", "priceCents": 1, "category": "a" * 65}, "category"),
        ({"name": "x", "priceCents": 1, "category": "a", "stock": 1_000_001}, "stock"),
        ({"name": "x", "priceCents": 1, "category": "a", "description": "d" * 4001}, "description"),
        ({"name": "x", "priceCents": 1, "category": "a", "productId": "p1"}, "productId"),
        ({"name": "x", "priceCents": 1, "category": "a", "createdAt": "now"}, "createdAt"),
        ({"name": "x", "priceCents": 1, "category": "a", "color": "red"}, "color"),
        ({"priceCents": 1, "category": "a"}, "name"),
    ],
)
def test_a_bad_product_body_is_a_400_naming_the_field(api, admin, body, field):
    answer = api.post("/products", body, user=admin)

    assert answer.error() == (400, "BadRequestError")
    assert field in answer.json["Message"]
    assert api.get("/products").json["items"] == []


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "", "NaN", '{"a": Infinity}'])
def test_a_body_that_is_not_a_json_object_is_a_400(api, admin, raw):
    answer = api.request("POST", "/products", raw=raw, user=admin)
    assert answer.error() == (400, "BadRequestError")


def test_a_body_over_64_kib_is_a_413(api, admin):
    big = '{"name": "x", "priceCents": 1, "category": "a", "description": "' + "d" * 70_000 + '"}'
    answer = api.request("POST", "/products", raw=big, user=admin)
    assert answer.error() == (413, "RequestEntityTooLargeError")


def test_patching_stock_or_an_unknown_field_is_refused(api, admin, product_factory):
    pid = product_factory(stock=2)["productId"]

    for body in ({"stock": 100}, {"currency": "EUR"}, {"productId": "x"}, {}, {"size": 1}):
        assert api.patch(f"/products/{pid}", body, user=admin).status == 400

    assert api.get(f"/products/{pid}").json["stock"] == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/products", {"name": "x", "priceCents": 1, "category": "a"}),
        ("PATCH", "/products/{pid}", {"name": "x"}),
        ("POST", "/products/{pid}/stock", {"delta": 1}),
        ("DELETE", "/products/{pid}", None),
        ("POST", "/products/{pid}/image", {"contentType": "image/png"}),
    ],
)
def test_a_shopper_gets_403_and_nobody_gets_in_without_a_token(
    api, shopper, product_factory, method, path, body
):
    pid = product_factory()["productId"]
    path = path.format(pid=pid)

    as_shopper = api.request(method, path, json_body=body, user=shopper)
    anonymous = api.request(method, path, json_body=body)

    assert as_shopper.error() == (403, "ForbiddenError")
    assert anonymous.error() == (401, "UnauthorizedError")
    assert api.get(f"/products/{pid}").json["name"] == "Mug"


def test_an_image_upload_gives_a_presigned_put_and_sets_the_image(api, admin, product_factory):
    pid = product_factory()["productId"]

    answer = api.post(f"/products/{pid}/image", {"contentType": "image/png"}, user=admin)

    assert answer.status == 200
    assert answer.json["expiresIn"] > 0
    assert "X-Amz-Signature" in answer.json["uploadUrl"]
    assert answer.json["imageUrl"].endswith(".png")
    assert api.get(f"/products/{pid}").json["imageUrl"] == answer.json["imageUrl"]


def test_an_image_upload_refuses_other_content_types(api, admin, product_factory):
    pid = product_factory()["productId"]
    answer = api.post(f"/products/{pid}/image", {"contentType": "image/gif"}, user=admin)
    assert answer.error() == (400, "BadRequestError")


def test_listing_a_page_of_a_big_category_is_one_query(api, admin, product_factory):
    from chalicelib.storage.models import Product

    for i in range(60):
        product_factory(name=f"P{i}", category="big" if i % 2 else "other")

    with count_aws_calls() as calls:
        page = api.get("/products?category=big&limit=20").json

    assert len(page["items"]) == 20
    assert page["nextCursor"] is not None
    assert calls.service("dynamodb") == {"Query": 1}
    assert Product.count() == 60


def test_getting_a_product_is_one_get_item(api, product_factory):
    pid = product_factory()["productId"]

    with count_aws_calls() as calls:
        api.get(f"/products/{pid}")

    assert calls.service("dynamodb") == {"GetItem": 1}
