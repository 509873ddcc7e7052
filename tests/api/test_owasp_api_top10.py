"""The OWASP API Security Top 10 (2023), risk by risk; each test is named after the risk it covers.

Routes are enumerated from the app itself (`app.routes`) and classified by the OpenAPI inventory
(`chalicelib.openapi.OPERATIONS`), so a new route is covered, or fails loudly, without editing here.
The 2023 list has no injection category of its own (it was API8:2019); injection tests are api8.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import socket
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib import openapi
from chalicelib.tables import Order, Product
from tests.conftest import PASSWORD, CognitoPool, sign_up
from tests.faults import failing
from tests.tokens import BAD_AUTHORIZATIONS, bad_authorizations, resign

ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@dataclass(frozen=True)
class Route:
    """A served route and its entry in the API inventory."""

    method: str
    path: str  # as Chalice spells it, e.g. /products/{product_id}
    operation: openapi.Operation


def served_routes(app) -> list[Route]:
    """Every route the app serves; each must be in the inventory."""
    inventory = {(_shape(op.path), op.method): op for op in openapi.OPERATIONS}
    routes = []
    for path, methods in app.routes.items():
        for method in methods:
            operation = inventory.get((_shape(path), method))
            assert operation is not None, f"{method} {path} is not in the inventory"
            routes.append(Route(method, path, operation))
    return routes


@dataclass
class World:
    """A product and a shopper's order that every attack below aims at."""

    api: Any
    admin: Any
    shopper: Any
    product_id: str
    order_id: str

    def url(self, route: Route) -> str:
        return route.path.format(product_id=self.product_id, order_id=self.order_id)

    def body(self, route: Route) -> Any:
        return {
            None: None,
            "ProfilePatchRequest": {"name": "Mallory"},
            "ProductCreateRequest": {"name": "Fake", "priceCents": 1, "category": "fake"},
            "ProductPatchRequest": {"priceCents": 1},
            "StockDeltaRequest": {"delta": -1},
            "ImageUploadRequest": {"contentType": "image/png"},
            "CartItemRequest": {"quantity": 1},
            "OrderCreateRequest": checkout(self.product_id),
            "OrderStatusPatchRequest": {"status": "CANCELLED"},
            "RegisterRequest": {"email": "m@example.com", "password": PASSWORD, "name": "M"},
            "ConfirmRequest": {"email": "m@example.com", "code": "123456"},
            "LoginRequest": {"email": "m@example.com", "password": PASSWORD},
            "RefreshRequest": {"refreshToken": "x"},
        }[route.operation.body]

    def state(self) -> Any:
        """Everything an attack could have changed."""
        api = self.api
        return (
            api.get(f"/products/{self.product_id}").json,
            api.get("/products").json,
            api.get(f"/orders/{self.order_id}", user=self.admin).json,
            api.get("/cart", user=self.shopper).json,
            api.get("/me", user=self.shopper).json,
            api.get("/me", user=self.admin).json,
            Order.count(),
            Product.count(),
        )


def checkout(product_id: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    body = {
        "items": [{"productId": product_id, "quantity": quantity}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    return {**body, **extra}


@pytest.fixture
def world(api, admin, shopper, product_factory) -> World:
    pid = product_factory(stock=10)["productId"]
    order = api.post("/orders", checkout(pid), user=shopper)
    assert order.status == 201
    api.put(f"/cart/items/{pid}", {"quantity": 2}, user=shopper)
    return World(api, admin, shopper, pid, order.json["orderId"])


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
    from tests.conftest import CognitoPool

    pool = CognitoPool(os.environ["USER_POOL_ID"], os.environ["USER_POOL_CLIENT_ID"], "")
    return sign_up(pool, admin=True, name="Second Admin")


# --- API2:2023 Broken Authentication --------------------------------------------------------------


@pytest.mark.parametrize("case", BAD_AUTHORIZATIONS)
def test_api2_broken_authentication_every_protected_route_refuses_a_bad_token(
    api, chalice_app, world, case
):
    """Forged from an admin's token, so a forgery that got through would reach everything."""
    authorization = bad_authorizations(world.admin.id_token, world.admin.access_token)[case]
    headers = {} if authorization is None else {"Authorization": authorization}
    protected = [r for r in served_routes(chalice_app) if r.operation.auth != "none"]
    before = world.state()

    for route in protected:
        answer = api.request(
            route.method, world.url(route), json_body=world.body(route), headers=headers
        )
        assert answer.error() == (401, "UnauthorizedError"), (route.method, route.path)
        assert "Traceback" not in answer.raw.decode()

    assert len(protected) >= 15
    assert world.state() == before


def _other_pool_admin() -> Any:
    """A real admin of another user pool: moto signs every pool's tokens with the same key."""
    import boto3

    idp = boto3.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="attacker-pool", UsernameAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="attacker", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.create_group(GroupName="admin", UserPoolId=pool_id)
    return sign_up(CognitoPool(pool_id, client_id, ""), admin=True)


def _other_client_user(pool: CognitoPool) -> Any:
    import boto3

    client_id = boto3.client("cognito-idp").create_user_pool_client(
        UserPoolId=pool.pool_id,
        ClientName="someone-elses-app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    return sign_up(CognitoPool(pool.pool_id, client_id, pool.jwks_url), admin=True)


def test_api2_broken_authentication_real_tokens_of_another_pool_or_app_are_refused(
    api, world, moto_session
):
    for intruder in (_other_pool_admin(), _other_client_user(moto_session)):
        for method, url, body in [
            ("GET", "/me", None),
            ("GET", "/admin/orders?status=PENDING", None),
            ("POST", "/products", {"name": "x", "priceCents": 1, "category": "x"}),
        ]:
            answer = api.request(method, url, json_body=body, user=intruder)
            assert answer.error() == (401, "UnauthorizedError"), (method, url)


def test_api2_broken_authentication_a_refresh_token_is_not_a_bearer_token(api, shopper):
    answer = api.get("/me", headers={"Authorization": f"Bearer {shopper.refresh_token}"})
    assert answer.error() == (401, "UnauthorizedError")


def test_api2_broken_authentication_login_does_not_tell_which_emails_exist(api, shopper):
    wrong_password = api.post("/auth/login", {"email": shopper.email, "password": "Wr0ng-pass"})
    no_such_user = api.post(
        "/auth/login", {"email": "nobody@example.com", "password": "Wr0ng-pass"}
    )

    assert wrong_password.error() == no_such_user.error() == (401, "UnauthorizedError")
    assert wrong_password.json["Message"] == no_such_user.json["Message"]


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
    body = {
        "/me": {"name": "Sam"},
        "/cart/items/{pid}": {"quantity": 1},
        "/orders": checkout(world.product_id),
    }[path]
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

    socket.socket.connect = connect
    try:
        yield opened
    finally:
        socket.socket.connect = original


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

    protected = {(_shape(path), method) for path, method in PROTECTED}
    for route in served_routes(chalice_app):
        documented_protected = route.operation.auth != "none"
        assert documented_protected == ((_shape(route.path), route.method) in protected), route


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

    socket.socket.connect = connect
    try:
        yield
    finally:
        socket.socket.connect = original


def test_api10_a_rotated_key_while_the_key_set_is_unreachable_is_a_503_never_a_pass(
    api, shopper, moto_session
):
    """A token naming a key not yet cached makes the app fetch the key set again; that fails."""
    from chalicelib import local_auth

    # A fresh key client, as in a new container: PyJWT skips refetching for a while after a fetch.
    local_auth._jwks_client.cache_clear()
    rotated = resign(shopper.id_token, kid="rotated-key")

    with refused(moto_session.jwks_url):
        answer = api.get("/me", headers={"Authorization": f"Bearer {rotated}"})

    assert answer.error() == (503, "ServiceUnavailableError")
    assert api.get("/me", user=shopper).status == 200
