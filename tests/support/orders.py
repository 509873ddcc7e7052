"""Orders placed and read through the API, for tests of what happens after checkout."""

from __future__ import annotations

from typing import Any

from tests.support.client import Api
from tests.support.cognito import User
from tests.support.data import ADDRESS

Json = dict[str, Any]


def place(api: Api, user: User, product: Json, quantity: int = 1, token: str = "tok_visa") -> Json:
    """Place an order of one product (it must answer 201) and return it."""
    body = {
        "items": [{"productId": product["productId"], "quantity": quantity}],
        "shippingAddress": ADDRESS,
        "paymentToken": token,
    }
    answer = api.post("/orders", body, user=user)
    assert answer.status == 201, answer.json
    return dict(answer.json)


def order_of(api: Api, user: User, order: Json) -> Json:
    """The order as its owner reads it now."""
    return dict(api.get(f"/orders/{order['orderId']}", user=user).json)


def stock_of(api: Api, product: Json) -> int:
    """A product's stock as the catalog shows it now."""
    return int(api.get(f"/products/{product['productId']}").json["stock"])
