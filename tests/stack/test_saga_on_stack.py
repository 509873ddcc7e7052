"""The saga's failure paths on the running local stack (issue 14): timeouts, the payments DLQ,
a short soak with zero errors, and JSON for a method no route has.

The stack runs with PAYMENT_TIMEOUT_SECONDS=5 and SWEEP_INTERVAL_SECONDS=2 (knobs, in seconds),
so the sweep the deployed stage runs once a minute from EventBridge runs here every 2 s.
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.stack.conftest import RunningStack, start_stack, stop_stack
from tests.support.data import ADDRESS
from tests.support.over_http import one_line_order, register_shopper

pytestmark = pytest.mark.stack
SETTLE_SECONDS = 70  # API.md: stock is released within a minute of the timeout
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "12"))


@pytest.fixture(scope="module")
def saga_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A local stack of this module's own, with a 5 s payment timeout and a 2 s sweep."""
    running = start_stack(
        tmp_path_factory.mktemp("saga-stack"),
        PAYMENT_TIMEOUT_SECONDS="5",
        SWEEP_INTERVAL_SECONDS="2",
    )
    yield running
    stop_stack(running.process)


@pytest.fixture(scope="module")
def dlq_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A stack whose DLQ path is quick (1 s retry x 5 receives) and whose timeout is not."""
    running = start_stack(
        tmp_path_factory.mktemp("dlq-stack"),
        PAYMENT_TIMEOUT_SECONDS="300",
        PUMP_RETRY_SECONDS="1",
    )
    yield running
    stop_stack(running.process)


def _shopper(stack: RunningStack) -> dict[str, str]:
    return register_shopper(stack, "Saga Shopper")


def _product(stack: RunningStack, stock: int) -> str:
    admin = stack.bearer(stack.admin.email, stack.admin.password)
    body = {"name": f"Saga {uuid.uuid4().hex[:6]}", "priceCents": 900, "category": "saga"}
    answer = requests.post(
        f"{stack.api_url}/products", json={**body, "stock": stock}, headers=admin, timeout=10
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["productId"])


def _order(stack: RunningStack, shopper: dict[str, str], pid: str, quantity: int, token: str):
    body = one_line_order(pid, quantity, token)
    answer = requests.post(f"{stack.api_url}/orders", json=body, headers=shopper, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _settled(stack: RunningStack, shopper: dict[str, str], order_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        order = requests.get(f"{stack.api_url}/orders/{order_id}", headers=shopper, timeout=10)
        if order.json()["status"] != "PENDING" or time.monotonic() > deadline:
            return order.json()  # type: ignore[no-any-return]
        time.sleep(0.5)


def _stock(stack: RunningStack, pid: str) -> int:
    return int(requests.get(f"{stack.api_url}/products/{pid}", timeout=10).json()["stock"])


def test_an_unanswered_payment_times_out_and_gives_its_stock_back(saga_stack):
    shopper = _shopper(saga_stack)
    pid = _product(saga_stack, stock=4)
    started = time.monotonic()

    order = _order(saga_stack, shopper, pid, 3, "tok_pending")
    final = _settled(saga_stack, shopper, order["orderId"])

    assert (final["status"], final["failureReason"]) == ("PAYMENT_FAILED", "timeout")
    assert _stock(saga_stack, pid) == 4
    assert time.monotonic() - started < SETTLE_SECONDS


def test_a_payment_that_keeps_failing_ends_with_reason_error(dlq_stack):
    shopper = _shopper(dlq_stack)
    pid = _product(dlq_stack, stock=4)

    order = _order(dlq_stack, shopper, pid, 2, "tok_error")
    final = _settled(dlq_stack, shopper, order["orderId"])

    assert (final["status"], final["failureReason"]) == ("PAYMENT_FAILED", "error")
    assert _stock(dlq_stack, pid) == 4


def test_a_short_soak_of_one_line_checkouts_answers_no_error(dlq_stack):
    """Issue 14 item 6: 4 threads of checkouts, a fresh Idempotency-Key each, zero 4xx/5xx."""
    saga_stack = dlq_stack
    shopper = _shopper(saga_stack)
    pid = _product(saga_stack, stock=1_000_000)
    stop = time.monotonic() + SOAK_SECONDS

    def worker(_: int) -> Counter[int]:
        seen: Counter[int] = Counter()
        while time.monotonic() < stop:
            answer = requests.post(
                f"{saga_stack.api_url}/orders",
                json={
                    "items": [{"productId": pid, "quantity": 1}],
                    "shippingAddress": ADDRESS,
                    "paymentToken": "tok_visa",
                },
                headers={**shopper, "Idempotency-Key": uuid.uuid4().hex},
                timeout=60,
            )
            seen[answer.status_code] += 1
        return seen

    with ThreadPoolExecutor(4) as pool:
        totals = sum(pool.map(worker, range(4)), Counter())

    assert set(totals) == {201}, totals
    assert totals[201] >= 8


def test_a_method_no_route_has_answers_json_as_api_gateway_does(saga_stack):
    answer = requests.request("TRACE", f"{saga_stack.api_url}/products", timeout=10)

    assert answer.status_code == 403
    assert answer.json() == {"message": "Missing Authentication Token"}
