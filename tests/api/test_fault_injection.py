"""Checkout under DynamoDB faults: a 503 or 409 that wrote nothing, then a retry that places once.

Faults are injected at botocore's seam (tests/faults.py) against moto; none of our code is mocked.
Every call of the faulty operation fails while the fault lasts, so PynamoDB's own retries fail too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import clock
from chalicelib.services import idempotency
from chalicelib.storage import transactions
from chalicelib.storage.models import Order
from tests.faults import cancelled, failing, read_timeout
from tests.support.data import ADDRESS


def order_body(pid: str | None = None, quantity: int = 2) -> dict[str, Any]:
    body: dict[str, Any] = {"shippingAddress": ADDRESS, "paymentToken": "tok_visa"}
    if pid is not None:
        body["items"] = [{"productId": pid, "quantity": quantity}]
    return body


def stock_of(api, pid: str) -> int:
    return int(api.get(f"/products/{pid}").json["stock"])


class FrozenTime:
    """A stopped clock: `now` (seconds since the epoch) moves only when a test moves it."""

    def __init__(self, now: float):
        self.now = now

    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenTime]:
    """The app's clock, stopped; tests move it past the claim's lock."""
    stopped = FrozenTime(time.time())
    with clock.reading(stopped.moment):
        yield stopped


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("TransactWriteItems", "ProvisionedThroughputExceededException"),
        ("TransactWriteItems", "InternalServerError"),
        ("BatchGetItem", "ProvisionedThroughputExceededException"),
        ("BatchGetItem", "InternalServerError"),
    ],
)
def test_a_dynamodb_outage_during_checkout_is_a_503_and_the_retry_places_once(
    api, shopper, product_factory, operation, code
):
    pid = product_factory(stock=5)["productId"]
    key = {"Idempotency-Key": f"outage-{operation}-{code}"}

    with failing(operation, code) as fault:
        failed = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert fault.failed >= 1
    assert failed.error() == (503, "ServiceUnavailableError")
    assert failed.json["Message"]
    assert Order.count() == 0
    assert stock_of(api, pid) == 5

    retried = api.post("/orders", order_body(pid), user=shopper, headers=key)
    replayed = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert retried.status == 201
    assert (replayed.status, replayed.json) == (201, retried.json)
    assert Order.count() == 1
    assert stock_of(api, pid) == 3


def test_a_throttled_cart_checkout_keeps_the_cart(api, shopper, product_factory):
    pid = product_factory(stock=5)["productId"]
    api.put(f"/cart/items/{pid}", {"quantity": 2}, user=shopper)
    key = {"Idempotency-Key": "outage-cart"}

    with failing("TransactWriteItems", "ProvisionedThroughputExceededException"):
        failed = api.post("/orders", order_body(), user=shopper, headers=key)

    assert failed.error() == (503, "ServiceUnavailableError")
    assert [line["quantity"] for line in api.get("/cart", user=shopper).json["items"]] == [2]
    placed = api.post("/orders", order_body(), user=shopper, headers=key)
    assert placed.status == 201
    assert api.get("/cart", user=shopper).json["items"] == []
    assert (Order.count(), stock_of(api, pid)) == (1, 3)


def test_a_transaction_that_keeps_conflicting_is_a_503_and_the_retry_places_once(
    api, shopper, product_factory
):
    """API.md: conflicts are retried in-process, then a 503 (it used to be a 409: issue 14)."""
    pid = product_factory(stock=5)["productId"]
    key = {"Idempotency-Key": "conflict-1"}

    with failing("TransactWriteItems", cancelled("TransactionConflict")) as fault:
        failed = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert fault.failed == transactions.MAX_ATTEMPTS
    assert failed.error() == (503, "ServiceUnavailableError")
    assert (Order.count(), stock_of(api, pid)) == (0, 5)
    retried = api.post("/orders", order_body(pid), user=shopper, headers=key)
    assert retried.status == 201
    assert (Order.count(), stock_of(api, pid)) == (1, 3)


def test_a_timeout_after_the_order_was_written_never_places_a_second_one(
    api, shopper, product_factory, frozen
):
    """The transaction commits but its answer is lost: the outcome is unknown to the first try."""
    pid = product_factory(stock=5)["productId"]
    key = {"Idempotency-Key": "timeout-1"}

    with failing("TransactWriteItems", read_timeout, after_sending=True) as fault:
        lost = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert fault.failed == 1
    assert lost.error() == (503, "ServiceUnavailableError")
    assert (Order.count(), stock_of(api, pid)) == (1, 3)  # it did commit

    resumed = api.post("/orders", order_body(pid), user=shopper, headers=key)
    replayed = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert resumed.status == 201
    assert resumed.json == api.get(f"/orders/{resumed.json['orderId']}", user=shopper).json
    assert (replayed.status, replayed.json) == (201, resumed.json)
    assert (Order.count(), stock_of(api, pid)) == (1, 3)


def test_a_timeout_before_the_write_lets_the_resumed_retry_place_the_order(
    api, shopper, product_factory, frozen
):
    pid = product_factory(stock=5)["productId"]
    key = {"Idempotency-Key": "timeout-2"}

    with failing("TransactWriteItems", read_timeout):  # lost on the way: nothing written
        lost = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert lost.error() == (503, "ServiceUnavailableError")
    assert (Order.count(), stock_of(api, pid)) == (0, 5)
    assert api.post("/orders", order_body(pid), user=shopper, headers=key).status == 201
    assert (Order.count(), stock_of(api, pid)) == (1, 3)


def test_a_timeout_on_a_cart_checkout_then_a_retry_answers_the_placed_order(
    api, shopper, product_factory, frozen
):
    pid = product_factory(stock=5)["productId"]
    api.put(f"/cart/items/{pid}", {"quantity": 2}, user=shopper)
    key = {"Idempotency-Key": "timeout-cart"}

    with failing("TransactWriteItems", read_timeout, after_sending=True):
        api.post("/orders", order_body(), user=shopper, headers=key)
    resumed = api.post("/orders", order_body(), user=shopper, headers=key)

    assert resumed.status == 201, resumed.json
    assert (Order.count(), stock_of(api, pid)) == (1, 3)


def test_a_timeout_on_the_order_that_took_the_last_units_then_a_retry_answers_it(
    api, shopper, product_factory, frozen
):
    pid = product_factory(stock=2)["productId"]
    key = {"Idempotency-Key": "timeout-last"}

    with failing("TransactWriteItems", read_timeout, after_sending=True):
        api.post("/orders", order_body(pid, quantity=2), user=shopper, headers=key)
    resumed = api.post("/orders", order_body(pid, quantity=2), user=shopper, headers=key)

    assert resumed.status == 201, resumed.json
    assert (Order.count(), stock_of(api, pid)) == (1, 0)


def test_a_claim_whose_process_died_is_locked_then_resumed_with_the_same_order(
    api, shopper, product_factory, frozen
):
    """A Lambda killed mid-checkout never unlocks its claim: retries wait out the lock."""
    pid = product_factory(stock=5)["productId"]
    body = order_body(pid)
    fingerprint = idempotency.fingerprint("POST", "/orders", body)
    dead = idempotency.begin(f"orders:{shopper.user_id}", idempotency.Key("crash-1", fingerprint))
    key = {"Idempotency-Key": "crash-1"}

    assert api.post("/orders", body, user=shopper, headers=key).error() == (409, "ConflictError")
    frozen.now += idempotency.LOCK_SECONDS + 1
    resumed = api.post("/orders", body, user=shopper, headers=key)

    assert resumed.status == 201
    assert resumed.json["orderId"] == f"ord_{dead.nonce}"
    assert (Order.count(), stock_of(api, pid)) == (1, 3)


def test_a_failed_idempotency_record_update_still_answers_the_placed_order_on_retry(
    api, shopper, product_factory, frozen
):
    """The order committed, then DynamoDB refused the key's record (and the unlock) too."""
    pid = product_factory(stock=5)["productId"]
    key = {"Idempotency-Key": "complete-fails"}

    with failing("UpdateItem", "InternalServerError") as fault:
        first = api.post("/orders", order_body(pid), user=shopper, headers=key)
    assert fault.failed >= 1
    assert first.error() == (503, "ServiceUnavailableError")
    assert api.post("/orders", order_body(pid), user=shopper, headers=key).status == 409

    frozen.now += idempotency.LOCK_SECONDS + 1
    retry = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert retry.status == 201
    assert (Order.count(), stock_of(api, pid)) == (1, 3)
