"""The OpenAPI document names exactly the routes the app serves, with the schemas it enforces."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from openapi_spec_validator import validate

from chalicelib.web import openapi, schemas
from tests.support.data import ADDRESS

ROOT = Path(__file__).resolve().parents[2]
DOC_ONLY = {("/openapi.json", "GET")}  # documented before app.py serves it; see the served test
CHECKOUT = {"shippingAddress": ADDRESS, "paymentToken": "tok_visa"}


def _shape(path: str) -> str:
    """A path with its parameters unnamed: Chalice says {product_id}, the contract {productId}."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _served(app) -> set[tuple[str, str]]:
    return {(_shape(path), method) for path, methods in app.routes.items() for method in methods}


def _documented(doc) -> set[tuple[str, str]]:
    return {
        (_shape(path), method.upper()) for path, item in doc["paths"].items() for method in item
    }


def _view(app, path: str, method: str):
    chalice_path = next(p for p in app.routes if _shape(p) == _shape(path))
    function = app.routes[chalice_path][method].view_function
    return getattr(function, "__wrapped__", function)


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_the_document_is_valid_openapi_3_1():
    doc = openapi.document()

    validate(doc)

    assert doc["openapi"].startswith("3.1")


def test_every_served_route_is_documented_and_every_documented_route_is_served(chalice_app):
    documented = _documented(openapi.document())
    served = _served(chalice_app)

    assert served - documented == set(), "served but not in the OpenAPI document"
    assert documented - served - DOC_ONLY == set(), "documented but not served"


def test_path_parameters_are_named_as_the_contract_names_them():
    for path in openapi.document()["paths"]:
        names = set(re.findall(r"\{([^}]+)\}", path))
        assert names <= {
            "productId",
            "variantId",
            "orderId",
            "code",
            "zoneId",
            "country",
            "returnId",
        }


def test_request_bodies_are_the_very_schemas_validation_uses(chalice_app):
    doc = openapi.document()
    by_value = {
        id(schema): name for name, schema in vars(schemas).items() if isinstance(schema, dict)
    }
    for path, method, operation in _operations(doc):
        if _shape(path) not in map(_shape, chalice_app.routes):
            continue  # documented ahead of app.py; the route test reports it
        source = inspect.getsource(_view(chalice_app, path, method))
        used = [
            name
            for name in re.findall(r"schemas\.([A-Z_]+)", source)
            if isinstance(getattr(schemas, name), dict)
        ]
        if not used:
            assert "requestBody" not in operation, (method, path)
            continue
        [name] = used
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        published = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert published == getattr(schemas, name), (method, path, name)
        assert by_value[id(openapi.REQUEST_SCHEMAS[ref.rsplit("/", 1)[1]])] == name


def test_request_bodies_are_strict_json_schemas():
    for name, schema in openapi.REQUEST_SCHEMAS.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False, name


def test_changing_the_document_leaves_validation_alone():
    doc = openapi.document()
    doc["components"]["schemas"]["CartItemRequest"]["properties"]["quantity"]["maximum"] = 10**6

    assert schemas.CART_ITEM["properties"]["quantity"]["maximum"] == 99
    assert openapi.document()["components"]["schemas"]["CartItemRequest"] == schemas.CART_ITEM


def test_security_is_declared_on_exactly_the_protected_routes(chalice_app):
    from app import PROTECTED

    protected = {(_shape(path), method) for path, method in PROTECTED}
    for path, method, operation in _operations(openapi.document()):
        secured = operation["security"] != []
        assert secured == ((_shape(path), method) in protected), (method, path)


def test_routes_documented_as_admin_only_are_those_that_require_an_admin(chalice_app):
    documented = {(_shape(op.path), op.method) for op in openapi.OPERATIONS if op.auth == "admin"}
    requiring = {
        (_shape(path), method)
        for path, method, _ in _operations(openapi.document())
        if _shape(path) in map(_shape, chalice_app.routes)
        and re.search(r"\badmin\(\)", inspect.getsource(_view(chalice_app, path, method)))
    }
    assert documented == requiring


def test_importing_the_app_does_not_build_or_import_the_document():
    code = "import sys, app; print('chalicelib.web.openapi' in sys.modules)"
    env = {"AUTH_MODE": "local", "SHOP_STAGE": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_the_document_is_served_without_a_token(api, chalice_app):
    if "/openapi.json" not in chalice_app.routes:
        pytest.skip("GET /openapi.json is not routed in app.py yet")

    answer = api.get("/openapi.json")

    assert answer.status == 200
    assert answer.json == openapi.document()


# --- the documented response schemas match what the API really answers -------------------------


def _response_schema(doc, path: str, method: str, status: int):
    responses = doc["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} answered an undocumented {status}"
    response = responses[str(status)]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    content = response.get("content")
    return None if content is None else content["application/json"]["schema"]


def conforms(answer, method: str, path: str) -> None:
    """Assert an answer's status is documented for the operation and its body fits the schema."""
    doc = openapi.document()
    schema = _response_schema(doc, path, method, answer.status)
    if schema is None:
        assert answer.raw in (b"", None), f"{method} {path} {answer.status} should have no body"
        return
    jsonschema.validate(
        answer.json,
        {**schema, "components": doc["components"]},
        cls=jsonschema.Draft202012Validator,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


class Calls:
    """Send requests, asserting each answer's status and body are documented for its operation."""

    def __init__(self, api, default_user):
        self.api, self.default_user = api, default_user

    def __call__(self, method, url, template, *, user=None, status=None, **kw):
        answer = self.api.request(method, url, user=user or self.default_user, **kw)
        if status is not None:
            assert answer.status == status, (method, url, answer.json)
        conforms(answer, method, template)
        return answer.json


def test_every_catalog_answer_fits_its_documented_schema(api, admin, product_factory):
    call = Calls(api, admin)
    pid = product_factory(description="Tea", imageUrl="https://img.example.com/a.png")["productId"]
    one = "/products/{productId}"

    call("GET", "/health", "/health", status=200)
    call(
        "POST",
        "/products",
        "/products",
        json_body={"name": "Pot", "priceCents": 1, "category": "k"},
        status=201,
    )
    call("GET", "/products", "/products", status=200)
    call("GET", "/products?category=kitchen&limit=1", "/products", status=200)
    call("GET", f"/products/{pid}", one, status=200)
    call("PATCH", f"/products/{pid}", one, json_body={"imageUrl": None}, status=200)
    call("POST", f"/products/{pid}/stock", one + "/stock", json_body={"delta": 5}, status=200)
    image = {"contentType": "image/webp"}
    call("POST", f"/products/{pid}/image", one + "/image", json_body=image, status=200)
    call("DELETE", f"/products/{pid}", one, status=204)


def test_every_shopper_answer_fits_its_documented_schema(api, admin, shopper, product_factory):
    call = Calls(api, shopper)
    pid, gone = product_factory()["productId"], product_factory()["productId"]
    item = "/cart/items/{productId}"

    call("GET", "/me", "/me", status=200)
    call("PATCH", "/me", "/me", json_body={"address": ADDRESS, "phone": "+1 555"}, status=200)
    call("GET", "/me/notifications", "/me/notifications", status=200)
    call("PUT", f"/cart/items/{pid}", item, json_body={"quantity": 2}, status=200)
    call("PUT", f"/cart/items/{gone}", item, json_body={"quantity": 1}, status=200)
    api.delete(f"/products/{gone}", user=admin)
    assert call("GET", "/cart", "/cart", status=200)["unavailable"] == [gone]
    call("DELETE", f"/cart/items/{gone}", item, status=200)
    key = {"Idempotency-Key": "doc-1"}
    order = call("POST", "/orders", "/orders", json_body=CHECKOUT, headers=key, status=201)
    call("POST", "/orders", "/orders", json_body=CHECKOUT, headers=key, status=201)  # replayed
    call("GET", "/orders?limit=1", "/orders", status=200)
    call("GET", f"/orders/{order['orderId']}", "/orders/{orderId}", status=200)
    call("POST", f"/orders/{order['orderId']}/cancel", "/orders/{orderId}/cancel", status=200)
    call("DELETE", "/cart", "/cart", status=204)


def test_every_admin_order_answer_fits_its_documented_schema(api, admin, shopper, product_factory):
    call = Calls(api, admin)
    pid = product_factory()["productId"]
    body = {"items": [{"productId": pid, "quantity": 1}], **CHECKOUT}
    order = api.post("/orders", body, user=shopper).json

    call("GET", "/admin/orders?status=PENDING", "/admin/orders", status=200)
    patch = {"status": "CANCELLED"}
    url = f"/admin/orders/{order['orderId']}"
    call("PATCH", url, "/admin/orders/{orderId}", json_body=patch, status=200)
    call("PATCH", url, "/admin/orders/{orderId}", json_body=patch, status=409)


def test_identity_answers_fit_their_documented_schemas(api):
    email, password = "doc@example.com", "Passw0rd!-doc"
    registered = api.post("/auth/register", {"email": email, "password": password, "name": "Doc"})
    login = api.post("/auth/login", {"email": email, "password": password})
    refreshed = api.post("/auth/refresh", {"refreshToken": login.json["refreshToken"]})

    conforms(registered, "POST", "/auth/register")
    conforms(login, "POST", "/auth/login")
    conforms(refreshed, "POST", "/auth/refresh")


@pytest.mark.parametrize(
    ("method", "url", "template", "body", "who"),
    [
        ("GET", "/products?limit=0", "/products", None, None),
        ("GET", "/products/prd_nope", "/products/{productId}", None, None),
        ("POST", "/products", "/products", {"name": "x"}, "admin"),
        ("POST", "/products", "/products", {"name": "x"}, "shopper"),
        ("GET", "/me", "/me", None, None),
        ("PATCH", "/me", "/me", {"isAdmin": True}, "shopper"),
        ("PUT", "/cart/items/prd_nope", "/cart/items/{productId}", {"quantity": 1}, "shopper"),
        ("GET", "/orders/ord_nope", "/orders/{orderId}", None, "shopper"),
        ("POST", "/auth/login", "/auth/login", {"email": "a@b.co", "password": "x"}, None),
        ("POST", "/auth/confirm", "/auth/confirm", {"email": "a@b.co", "code": "1"}, None),
        ("PATCH", "/admin/orders/ord_x", "/admin/orders/{orderId}", {"status": "PENDING"}, "admin"),
    ],
)  # fmt: skip
def test_error_answers_are_documented_with_the_contract_body(
    api, admin, shopper, method, url, template, body, who
):
    user = {"admin": admin, "shopper": shopper}.get(who)

    answer = api.request(method, url, json_body=body, user=user)

    assert answer.status >= 400
    conforms(answer, method, template)


def test_a_cart_mixing_currencies_is_refused_without_writing_and_stays_readable(
    api, shopper, product_factory
):
    dollars = product_factory(currency="USD")["productId"]
    euros = product_factory(currency="EUR")["productId"]
    third = product_factory(currency="USD")["productId"]
    api.put(f"/cart/items/{dollars}", {"quantity": 1}, user=shopper)
    api.put(f"/cart/items/{third}", {"quantity": 1}, user=shopper)

    mixed = api.put(f"/cart/items/{euros}", {"quantity": 1}, user=shopper)

    assert mixed.status in (400, 409)
    assert mixed.json.get("reason") in (None, "currency_mismatch")
    cart = api.get("/cart", user=shopper)
    assert cart.status == 200, cart.json
    assert {line["productId"] for line in cart.json["items"]} == {dollars, third}
    conforms(api.delete(f"/cart/items/{third}", user=shopper), "DELETE", "/cart/items/{productId}")
