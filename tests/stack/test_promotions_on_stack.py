"""On the local stack, concurrent checkouts never pass a promotion's limit nor oversell goods."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from harness.stack import RunningStack
from tests.stack.test_orders_on_stack import _new_shopper, _product, _stock
from tests.support.data import ADDRESS

pytestmark = pytest.mark.stack


def _promotion(stack: RunningStack, **fields: Any) -> str:
    admin = stack.bearer(stack.admin.email, stack.admin.password)
    code = f"C{uuid.uuid4().hex[:10]}".upper()
    answer = requests.post(
        f"{stack.api_url}/admin/promotions",
        json={"code": code, "kind": "percent", "percentOff": 10, **fields},
        headers=admin,
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return code


def _redemptions(stack: RunningStack, code: str) -> int:
    admin = stack.bearer(stack.admin.email, stack.admin.password)
    answer = requests.get(f"{stack.api_url}/admin/promotions/{code}", headers=admin, timeout=10)
    return int(answer.json()["redemptions"])


def _checkout(
    stack: RunningStack, headers: dict[str, str], product_id: str, code: str
) -> requests.Response:
    return requests.post(
        f"{stack.api_url}/orders",
        json={
            "items": [{"productId": product_id, "quantity": 1}],
            "shippingAddress": ADDRESS,
            "paymentToken": "tok_visa",  # a decline would give the redemption back mid-test
            "promotionCode": code,
        },
        headers=headers,
        timeout=60,
    )


def test_30_concurrent_checkouts_with_a_code_limited_to_10_redeem_exactly_10(
    stack: RunningStack,
) -> None:
    product = _product(stack, stock=25)
    code = _promotion(stack, maxRedemptions=10)
    shoppers = [_new_shopper(stack) for _ in range(6)]

    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(
            pool.map(
                lambda i: _checkout(stack, shoppers[i % 6], product["productId"], code), range(30)
            )
        )

    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == 10, [a.text for a in answers if a.status_code != 201][:3]
    assert statuses.count(409) == 20
    assert all("used up" in a.json()["Message"] for a in answers if a.status_code == 409)
    assert _redemptions(stack, code) == 10
    assert _stock(stack, product["productId"]) == 15  # the 20 refused left their stock on hand


def test_a_once_per_customer_code_in_two_concurrent_checkouts_is_redeemed_once(
    stack: RunningStack,
) -> None:
    product = _product(stack, stock=10)
    code = _promotion(stack, oncePerCustomer=True)
    shopper = _new_shopper(stack)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(lambda _: _checkout(stack, shopper, product["productId"], code), range(2))
        )

    assert sorted(a.status_code for a in answers) == [201, 409]
    assert _redemptions(stack, code) == 1
    assert _stock(stack, product["productId"]) == 9
