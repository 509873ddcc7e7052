"""On the running local stack (chalice local, moto server, event pump), over HTTP on 127.0.0.1:
checkout holds under concurrency, callers never see each other, and orders move on by themselves."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from harness.stack import RunningStack
from tests.support.data import ADDRESS
from tests.support.over_http import one_line_order, register_shopper

pytestmark = pytest.mark.stack


def _new_shopper(stack: RunningStack) -> dict[str, str]:
    return register_shopper(stack)


def _product(stack: RunningStack, stock: int) -> dict[str, Any]:
    admin = stack.bearer(stack.admin.email, stack.admin.password)
    answer = requests.post(
        f"{stack.api_url}/products",
        json={
            "name": f"Limited {uuid.uuid4().hex[:6]}",
            "priceCents": 500,
            "category": "limited",
            "stock": stock,
        },
        headers=admin,
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _checkout(
    stack: RunningStack,
    headers: dict[str, str],
    lines: list[tuple[str, int]],
    key: str = "productId",
) -> requests.Response:
    return requests.post(
        f"{stack.api_url}/orders",
        json={
            "items": [{key: pid, "quantity": q} for pid, q in lines],
            "shippingAddress": ADDRESS,
            "paymentToken": "tok_visa",  # a decline would release the stock mid-test
        },
        headers=headers,
        timeout=30,
    )


def _stock(stack: RunningStack, product_id: str) -> int:
    answer = requests.get(f"{stack.api_url}/products/{product_id}", timeout=10)
    return int(answer.json()["stock"])


def test_24_concurrent_checkouts_against_stock_5_sell_exactly_5(stack: RunningStack) -> None:
    product = _product(stack, stock=5)
    shoppers = [_new_shopper(stack) for _ in range(4)]

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(
            pool.map(
                lambda i: _checkout(stack, shoppers[i % 4], [(product["productId"], 1)]), range(24)
            )
        )

    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) == 5, [a.text for a in answers if a.status_code not in (201, 409)]
    assert statuses.count(409) == 19
    reserved = sum(1 for a in answers if a.status_code == 201)
    assert reserved == 5


def test_concurrent_multi_line_checkouts_never_reserve_part_of_an_order(
    stack: RunningStack,
) -> None:
    first, second = _product(stack, stock=3), _product(stack, stock=3)
    shopper = _new_shopper(stack)
    lines = [(first["productId"], 2), (second["productId"], 1)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _checkout(stack, shopper, lines), range(8)))

    placed = sum(1 for a in answers if a.status_code == 201)
    assert placed == 1  # the second order would need 4 of `first`
    assert {a.status_code for a in answers} <= {201, 409}


def test_concurrent_callers_each_see_only_themselves(stack: RunningStack) -> None:
    shoppers = [_new_shopper(stack) for _ in range(6)]
    expected = [
        requests.get(f"{stack.api_url}/me", headers=h, timeout=10).json()["userId"]
        for h in shoppers
    ]

    def whoami(i: int) -> tuple[str, str]:
        n = i % len(shoppers)
        answer = requests.get(f"{stack.api_url}/me", headers=shoppers[n], timeout=10)
        return expected[n], answer.json()["userId"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        seen = list(pool.map(whoami, range(120)))

    assert all(want == got for want, got in seen)


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Basic Zm9vOmJhcg==", "Bearer é"],
)
def test_bad_authorization_is_a_401_never_a_dropped_connection(
    stack: RunningStack, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    answer = requests.get(f"{stack.api_url}/me", headers=headers, timeout=10)

    assert answer.status_code == 401
    assert answer.json()["Code"] == "UnauthorizedError"


def _wait_until_idle(stack: RunningStack, timeout: float = 60.0) -> None:
    """Wait for earlier tests' orders to drain, so the timing below is one order's own."""
    sqs = stack.aws("sqs")
    urls = [stack.env[f"{q}_QUEUE_URL"] for q in ("PAYMENTS", "FULFILLMENT", "NOTIFICATIONS")]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline and quiet < 3:
        waiting = sum(
            int(value)
            for url in urls
            for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)[
                "Attributes"
            ].values()
        )
        quiet = quiet + 1 if waiting == 0 else 0
        time.sleep(0.5)


def test_a_visa_order_is_fulfilled_within_5_seconds(stack: RunningStack) -> None:
    product = _product(stack, stock=10)
    shopper = _new_shopper(stack)
    _wait_until_idle(stack)
    answer = requests.post(
        f"{stack.api_url}/orders",
        json=one_line_order(product["productId"]),
        headers=shopper,
        timeout=10,
    )
    assert answer.status_code == 201
    placed_at = time.monotonic()
    order_id = answer.json()["orderId"]

    status, order = "PENDING", {}
    while time.monotonic() - placed_at < 5 and status != "FULFILLED":
        time.sleep(0.1)
        order = requests.get(
            f"{stack.api_url}/orders/{order_id}", headers=shopper, timeout=10
        ).json()
        status = order["status"]

    assert status == "FULFILLED", order
    assert order["trackingNumber"]


def test_24_concurrent_checkouts_of_a_hot_variant_sell_exactly_its_stock(
    stack: RunningStack,
) -> None:
    product = _product(stack, stock=50)
    admin = stack.bearer(stack.admin.email, stack.admin.password)
    hot, cold = (
        requests.post(
            f"{stack.api_url}/products/{product['productId']}/variants",
            json={
                "sku": f"HOT-{size}-{uuid.uuid4().hex[:8]}",
                "options": {"Size": size},
                "priceCents": 700,
                "stock": stock,
            },
            headers=admin,
            timeout=10,
        ).json()
        for size, stock in (("M", 4), ("L", 30))
    )
    shoppers = [_new_shopper(stack) for _ in range(4)]

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(
            pool.map(
                lambda i: _checkout(stack, shoppers[i % 4], [(hot["variantId"], 1)], "variantId"),
                range(24),
            )
        )

    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == 4, [a.text for a in answers if a.status_code not in (201, 409)]
    assert statuses.count(409) == 20
    variants = requests.get(f"{stack.api_url}/products/{product['productId']}", timeout=10).json()
    stock = {v["variantId"]: v["stock"] for v in variants["variants"]}
    assert stock == {hot["variantId"]: 0, cold["variantId"]: 30}
