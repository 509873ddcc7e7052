"""What the OWASP API Security Top 10 (2023) test modules share: the routes and the world to attack.

Routes are enumerated from the app itself (`app.routes`) and classified by the OpenAPI inventory
(`chalicelib.web.openapi.OPERATIONS`), so a new route is covered, or fails loudly, without editing
the tests. A module takes the `world` fixture with `world = owasp.world`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.storage.models import Order, Product
from chalicelib.web import openapi
from tests.support.cognito import PASSWORD
from tests.support.data import ADDRESS


def path_shape(path: str) -> str:
    """The path with every `{parameter}` blanked, so Chalice and OpenAPI spellings compare equal."""
    return re.sub(r"\{[^}]+\}", "{}", path)


@dataclass(frozen=True)
class Route:
    """A served route and its entry in the API inventory."""

    method: str
    path: str  # as Chalice spells it, e.g. /products/{product_id}
    operation: openapi.Operation


def served_routes(app) -> list[Route]:
    """Every route the app serves; each must be in the inventory."""
    inventory = {(path_shape(op.path), op.method): op for op in openapi.OPERATIONS}
    routes = []
    for path, methods in app.routes.items():
        for method in methods:
            operation = inventory.get((path_shape(path), method))
            assert operation is not None, f"{method} {path} is not in the inventory"
            routes.append(Route(method, path, operation))
    return routes


@dataclass
class World:
    """A product and a shopper's order that every attack aims at."""

    api: Any
    admin: Any
    shopper: Any
    product_id: str
    order_id: str

    def url(self, route: Route) -> str:
        """The route's path with this world's product and order filled in."""
        return route.path.format(
            product_id=self.product_id,
            variant_id=self.product_id,
            order_id=self.order_id,
            code="WORLD-10",
            zone_id="world",
            country="GB",
            return_id="ret_world",
        )

    def body(self, route: Route) -> Any:
        """A valid request body for the route, or None where it takes none."""
        return {
            None: None,
            "ProfilePatchRequest": {"name": "Mallory"},
            "ProductCreateRequest": {"name": "Fake", "priceCents": 1, "category": "fake"},
            "ProductPatchRequest": {"priceCents": 1},
            "StockDeltaRequest": {"delta": -1},
            "VariantCreateRequest": {"sku": "M-1", "options": {"Size": "M"}, "priceCents": 1},
            "VariantPatchRequest": {"priceCents": 1},
            "ImageUploadRequest": {"contentType": "image/png"},
            "CartItemRequest": {"quantity": 1},
            "OrderCreateRequest": checkout(self.product_id),
            "OrderStatusPatchRequest": {"status": "CANCELLED"},
            "RegisterRequest": {"email": "m@example.com", "password": PASSWORD, "name": "M"},
            "ConfirmRequest": {"email": "m@example.com", "code": "123456"},
            "LoginRequest": {"email": "m@example.com", "password": PASSWORD},
            "RefreshRequest": {"refreshToken": "x"},
            "PromotionCreateRequest": {"code": "FAKE-1", "kind": "percent", "percentOff": 5},
            "PromotionPatchRequest": {"active": False},
            "CartPromotionRequest": {"code": "WORLD-10"},
            "ShippingZoneRequest": {
                "name": "Fake",
                "countries": ["FR"],
                "methods": [{"methodId": "m", "name": "M", "rateCents": 1, "currency": "USD"}],
            },
            "TaxRateRequest": {"rateBasisPoints": 1, "inclusive": False},
            "ReturnCreateRequest": {
                "items": [{"variantId": self.product_id, "quantity": 1}],
                "reason": "Mallory wants it back",
            },
            "ReturnRejectRequest": {"note": "Mallory says no"},
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
    """A valid order body for one product, with `extra` fields laid over it."""
    body = {
        "items": [{"productId": product_id, "quantity": quantity}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    return {**body, **extra}


@pytest.fixture
def world(api, admin, shopper, product_factory) -> World:
    """A product with 10 in stock, a shopper's order of one, and 2 of it in their cart."""
    pid = product_factory(stock=10)["productId"]
    order = api.post("/orders", checkout(pid), user=shopper)
    assert order.status == 201
    api.put(f"/cart/items/{pid}", {"quantity": 2}, user=shopper)
    return World(api, admin, shopper, pid, order.json["orderId"])
