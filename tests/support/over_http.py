"""The local stack's API over HTTP (requests): a new shopper, the body of a one-line order."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from harness.stack import RunningStack
from tests.support.data import ADDRESS

PASSWORD = "Stack-Passw0rd!"


def register_shopper(stack: RunningStack, name: str = "Stack Shopper") -> dict[str, str]:
    """Register a new shopper on the stack's API; answer their Authorization header."""
    email = f"s-{uuid.uuid4().hex[:10]}@example.com"
    answer = requests.post(
        f"{stack.api_url}/auth/register",
        json={"email": email, "password": PASSWORD, "name": name},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return stack.bearer(email, PASSWORD)


def one_line_order(product_id: str, quantity: int = 1, token: str = "tok_visa") -> dict[str, Any]:
    """The body of an order of one product, shipped to a valid address."""
    return {
        "items": [{"productId": product_id, "quantity": quantity}],
        "shippingAddress": ADDRESS,
        "paymentToken": token,
    }
