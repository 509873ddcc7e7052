"""OWASP API Security Top 10 (2023): the authorization risks, API1, API3 and API5.

API1 Broken Object Level Authorization: another user's order, cart, profile, idempotency key or
cursor is never theirs. API3 Broken Object Property Level Authorization: mass assignment of a
read-only field is a 400, and answers expose exactly the documented fields. API5 Broken Function
Level Authorization: every admin route refuses shoppers and anonymous callers.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest

from chalicelib.web import openapi
from tests import owasp
from tests.owasp import checkout, served_routes
from tests.support.cognito import PASSWORD, CognitoPool, sign_up

world = owasp.world  # the product, order and cart every attack below aims at


# --- API1:2023 Broken Object Level Authorization --------------------------------------------------


def test_api1_bola_another_users_order_is_a_404_for_every_order_route(api, world, other_shopper):
    before = world.state()
    oid = world.order_id

    read = api.get(f"/orders/{oid}", user=other_shopper)
    cancel = api.post(f"/orders/{oid}/cancel", user=other_shopper)
    listed = api.get("/orders", user=other_shopper).json

    assert read.error() == (404, "NotFoundError")
    assert cancel.error() == (404, "NotFoundError")
    assert listed == {"items": [], "nextCursor": None}
    assert world.shopper.user_id not in read.raw.decode() + cancel.raw.decode()
    assert world.state() == before


def test_api1_bola_a_missing_and_a_foreign_order_answer_alike(api, world, other_shopper):
    """Nobody can tell another user's order id from an id that does not exist."""
    foreign = api.get(f"/orders/{world.order_id}", user=other_shopper)
    missing = api.get("/orders/ord_00000000000000000000000000000000", user=other_shopper)

    assert foreign.status == missing.status == 404
    assert foreign.json["Message"].replace(world.order_id, "<id>") == missing.json[
        "Message"
    ].replace("ord_00000000000000000000000000000000", "<id>")


def test_api1_bola_the_cart_is_always_the_callers_own(api, world, other_shopper):
    pid = world.product_id
    before = world.state()

    theirs = api.get(f"/cart?userId={world.shopper.user_id}", user=other_shopper).json
    api.delete(f"/cart/items/{pid}?userId={world.shopper.user_id}", user=other_shopper)
    api.delete("/cart", user=other_shopper)
    smuggled = api.put(
        f"/cart/items/{pid}", {"quantity": 9, "userId": world.shopper.user_id}, user=other_shopper
    )

    assert theirs["items"] == []
    assert smuggled.error() == (400, "BadRequestError")
    assert world.state() == before


def test_api1_bola_the_profile_is_always_the_callers_own(api, world, other_shopper):
    victim = world.shopper.user_id
    before = world.state()

    read = api.get(f"/me?userId={victim}&sub={victim}", user=other_shopper).json
    patched = api.patch("/me", {"userId": victim, "name": "Pwned"}, user=other_shopper)

    assert read["userId"] == other_shopper.user_id
    assert patched.error() == (400, "BadRequestError")
    assert world.state() == before


def test_api1_bola_an_idempotency_key_never_replays_another_users_order(api, world, other_shopper):
    body = checkout(world.product_id)
    key = {"Idempotency-Key": "shared-by-accident"}
    mine = api.post("/orders", body, user=world.shopper, headers=key)

    theirs = api.post("/orders", body, user=other_shopper, headers=key)

    assert theirs.status == 201
    assert theirs.headers.get("Idempotent-Replayed") is None
    assert (theirs.json["userId"], theirs.json["orderId"]) != (
        mine.json["userId"],
        mine.json["orderId"],
    )
    assert theirs.json["userId"] == other_shopper.user_id


def _re_sign_cursor(cursor: str, **changes: str) -> str:
    body, signature = cursor.split(".")
    key = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    key.update({name: {"S": value} for name, value in changes.items()})
    forged = base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode())
    return f"{forged.decode().rstrip('=')}.{signature}"


def test_api1_bola_cursors_are_bound_to_their_list_and_caller(api, world, admin, other_shopper):
    for _ in range(2):
        api.post("/orders", checkout(world.product_id), user=world.shopper)
        api.post("/orders", checkout(world.product_id), user=other_shopper)
    mine = api.get("/orders?limit=1", user=world.shopper).json["nextCursor"]
    by_status = api.get("/admin/orders?status=PENDING&limit=1", user=admin).json["nextCursor"]
    products = api.get("/products?limit=1").json["nextCursor"] or mine
    second_admin = sign_up_admin()

    attempts = [
        ("/orders?cursor=" + mine, other_shopper),  # another user's cursor
        ("/orders?cursor=" + _re_sign_cursor(mine, userId=other_shopper.user_id), world.shopper),
        ("/orders?cursor=" + _re_sign_cursor(mine, userId=world.shopper.user_id), other_shopper),
        ("/orders?cursor=" + by_status, world.shopper),  # a cursor of another list
        ("/admin/orders?status=CANCELLED&cursor=" + by_status, admin),  # of another filter
        ("/admin/orders?status=PENDING&cursor=" + by_status, second_admin),  # of another admin
        ("/orders?cursor=" + products, other_shopper),
        ("/products?category=kitchen&cursor=" + products, None),
    ]
    for url, user in attempts:
        answer = api.get(url, user=user)
        assert answer.error() == (400, "BadRequestError"), url
        assert "orderId" not in answer.raw.decode()


def sign_up_admin():
    """A second admin of the app's own user pool."""
    pool = CognitoPool(os.environ["USER_POOL_ID"], os.environ["USER_POOL_CLIENT_ID"], "")
    return sign_up(pool, admin=True, name="Second Admin")


# --- API3:2023 Broken Object Property Level Authorization ----------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("PATCH", "/me", {"isAdmin": True}),
        ("PATCH", "/me", {"userId": "someone-else"}),
        ("PATCH", "/me", {"email": "boss@example.com"}),
        ("PATCH", "/me", {"cognito:groups": ["admin"]}),
        ("PATCH", "/me", {"createdAt": "2000-01-01T00:00:00Z"}),
        ("PUT", "/cart/items/{pid}", {"priceCents": 1}),
        ("PUT", "/cart/items/{pid}", {"unitPriceCents": 1}),
        ("PUT", "/cart/items/{pid}", {"stock": 1000}),
        ("PUT", "/cart/items/{pid}", {"totalCents": 0}),
        ("PUT", "/cart/items/{pid}", {"userId": "someone-else"}),
        ("POST", "/orders", {"totalCents": 1}),
        ("POST", "/orders", {"status": "DELIVERED"}),
        ("POST", "/orders", {"userId": "someone-else"}),
        ("POST", "/orders", {"orderId": "ord_mine"}),
        ("POST", "/orders", {"currency": "JPY"}),
        ("POST", "/orders", {"trackingNumber": "1Z"}),
        ("POST", "/orders", {"history": []}),
        ("POST", "/orders", {"isAdmin": True}),
    ],
)
def test_api3_mass_assignment_of_a_read_only_field_is_a_400_and_writes_nothing(
    api, world, method, path, extra
):
    url = path.format(pid=world.product_id)
    bodies: dict[str, dict[str, Any]] = {
        "/me": {"name": "Sam"},
        "/cart/items/{pid}": {"quantity": 1},
        "/orders": checkout(world.product_id),
    }
    body = bodies[path]
    before = world.state()

    answer = api.request(method, url, json_body={**body, **extra}, user=world.shopper)

    assert answer.error() == (400, "BadRequestError")
    assert next(iter(extra)) in answer.json["Message"]
    assert world.state() == before


def test_api3_a_body_sent_to_cancel_cannot_choose_the_status(api, world):
    answer = api.post(
        f"/orders/{world.order_id}/cancel", {"status": "DELIVERED"}, user=world.shopper
    )
    assert answer.json["status"] == "CANCELLED"


@pytest.mark.parametrize(
    "line_extra",
    [{"unitPriceCents": 1}, {"priceCents": 1}, {"lineTotalCents": 0}, {"name": "Free"}],
)
def test_api3_mass_assignment_of_a_price_inside_an_order_line_is_a_400(api, world, line_extra):
    body = checkout(world.product_id)
    body["items"][0].update(line_extra)
    before = world.state()

    assert api.post("/orders", body, user=world.shopper).error() == (400, "BadRequestError")
    assert world.state() == before


@pytest.mark.parametrize(
    "extra", [{"isAdmin": True}, {"cognito:groups": ["admin"]}, {"userId": "chosen"}]
)
def test_api3_mass_assignment_at_registration_cannot_make_an_admin(api, extra):
    body = {"email": "eve@example.com", "password": PASSWORD, "name": "Eve", **extra}

    assert api.post("/auth/register", body).error() == (400, "BadRequestError")
    assert api.post("/auth/login", {"email": "eve@example.com", "password": PASSWORD}).status == 401


@pytest.mark.parametrize(
    "extra", [{"stock": 10**6}, {"productId": "prd_x"}, {"archived": False}, {"createdAt": "x"}]
)
def test_api3_even_an_admin_cannot_mass_assign_a_product_field_the_patch_does_not_own(
    api, world, extra
):
    before = world.state()
    answer = api.patch(f"/products/{world.product_id}", {"name": "X", **extra}, user=world.admin)
    assert answer.error() == (400, "BadRequestError")
    assert world.state() == before


def test_api3_answers_expose_exactly_the_documented_fields(api, world):
    """No internal attribute (sortKey, archived, listed, paymentToken, contactEmail...) leaks."""
    shapes = {
        "Product": api.get(f"/products/{world.product_id}").json,
        "Order": api.get(f"/orders/{world.order_id}", user=world.shopper).json,
        "Profile": api.get("/me", user=world.shopper).json,
        "Cart": api.get("/cart", user=world.shopper).json,
    }
    components = openapi.document()["components"]["schemas"]
    for name, body in shapes.items():
        assert set(body) == set(components[name]["properties"]), name
    assert "tok_visa" not in json.dumps(shapes["Order"])


# --- API5:2023 Broken Function Level Authorization -----------------------------------------------


def test_api5_bfla_every_admin_route_is_403_to_a_shopper_and_401_to_anyone(api, chalice_app, world):
    admin_only = [r for r in served_routes(chalice_app) if r.operation.auth == "admin"]
    before = world.state()

    for route in admin_only:
        url, body = world.url(route), world.body(route)
        as_shopper = api.request(route.method, url, json_body=body, user=world.shopper)
        anonymous = api.request(route.method, url, json_body=body)
        assert as_shopper.error() == (403, "ForbiddenError"), (route.method, route.path)
        assert anonymous.error() == (401, "UnauthorizedError"), (route.method, route.path)

    assert len(admin_only) >= 7
    assert world.state() == before


def test_api5_bfla_the_admin_set_is_complete(api, chalice_app, world, other_shopper):
    """A route that refuses shoppers but is not in the admin set would escape the test above."""
    for route in served_routes(chalice_app):
        if route.operation.auth != "user":
            continue
        answer = api.request(
            route.method, world.url(route), json_body=world.body(route), user=other_shopper
        )
        assert answer.status != 403, (route.method, route.path)


def test_api5_bfla_an_admin_of_the_token_is_read_from_the_group_claim_only(api, world):
    """A shopper cannot become an admin by naming themselves one anywhere in the request."""
    headers = {"X-Admin": "true", "cognito:groups": "admin", "X-Forwarded-User": "admin"}
    answer = api.get(
        "/admin/orders?status=PENDING&isAdmin=true&groups=admin",
        user=world.shopper,
        headers=headers,
    )
    assert answer.error() == (403, "ForbiddenError")
