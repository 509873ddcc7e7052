"""Errors under load (issue 14, items 5 and 6): conflicts are retried, lost answers are ours.

Two seams: botocore's `_make_api_call` (tests/faults.py) fails calls before they leave; moto's
botocore stubber, below botocore's retry loop, lets a write reach moto and then loses its answer,
so botocore itself retries it, exactly what a slow DynamoDB (or a busy local moto) makes happen.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterator
from typing import Any

import botocore.client
from botocore.exceptions import ReadTimeoutError
from moto.core.botocore_stubber import BotocoreStubber

from chalicelib.storage.models import Order
from tests.faults import cancelled
from tests.support.data import ADDRESS


def order_body(pid: str, quantity: int = 1) -> dict[str, Any]:
    return {
        "items": [{"productId": pid, "quantity": quantity}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }


@contextlib.contextmanager
def conflicting(every: int) -> Iterator[list[int]]:
    """Fail all but every `every`-th TransactWriteItems with a TransactionConflict."""
    original = botocore.client.BaseClient._make_api_call
    calls = itertools.count(1)
    failed: list[int] = []

    def call(self: Any, name: str, params: Any) -> Any:
        if name == "TransactWriteItems" and next(calls) % every:
            failed.append(1)
            raise cancelled("TransactionConflict")(name, params)
        return original(self, name, params)

    botocore.client.BaseClient._make_api_call = call
    try:
        yield failed
    finally:
        botocore.client.BaseClient._make_api_call = original


@contextlib.contextmanager
def answer_lost_once(target: str, operation: str) -> Iterator[list[str]]:
    """The first `operation` on table `target` reaches moto, then its answer times out."""
    original = BotocoreStubber.__call__
    lost: list[str] = []

    def stub(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        response = original(self, event_name, request, **kwargs)
        wanted = request.headers.get("X-Amz-Target", b"")
        wanted = wanted.decode() if isinstance(wanted, bytes) else wanted
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if not lost and wanted.endswith(f".{operation}") and target in body:
            lost.append(operation)
            raise ReadTimeoutError(endpoint_url=str(request.url))
        return response

    BotocoreStubber.__call__ = stub  # type: ignore[method-assign]
    try:
        yield lost
    finally:
        BotocoreStubber.__call__ = original  # type: ignore[method-assign]


def test_a_hot_product_sells_out_through_conflicts_with_no_spurious_409(
    api, shopper, product_factory
):
    pid = product_factory(stock=6)["productId"]

    with conflicting(every=3) as failed:  # two of every three transactions conflict
        answers = [api.post("/orders", order_body(pid), user=shopper) for _ in range(8)]

    statuses = [a.status for a in answers]
    assert failed  # the conflicts did happen, and were retried
    assert statuses == [201] * 6 + [409] * 2  # 409 only once the stock is gone
    assert all("Not enough stock" in a.json["Message"] for a in answers[6:])
    assert api.get(f"/products/{pid}").json["stock"] == 0
    assert Order.count() == 6


def test_a_cancel_that_conflicts_on_a_hot_product_is_retried(api, shopper, product_factory):
    pid = product_factory(stock=6)["productId"]
    order = api.post("/orders", order_body(pid, 2), user=shopper).json

    with conflicting(every=3):
        cancel = api.post(f"/orders/{order['orderId']}/cancel", user=shopper)

    assert cancel.status == 200
    assert api.get(f"/products/{pid}").json["stock"] == 6


def test_a_completed_idempotency_record_whose_answer_was_lost_is_not_a_500(
    api, shopper, product_factory
):
    """The soak's 500: complete() applied, its answer lost, botocore retried, condition failed."""
    pid = product_factory(stock=5)["productId"]
    key = {"Idempotency-Key": "soak-500"}

    with answer_lost_once("COMPLETED", "UpdateItem") as lost:
        placed = api.post("/orders", order_body(pid), user=shopper, headers=key)

    assert lost == ["UpdateItem"]
    assert placed.status == 201, placed.json
    replay = api.post("/orders", order_body(pid), user=shopper, headers=key)
    assert (replay.status, replay.json) == (201, placed.json)
    assert Order.count() == 1


def test_a_fresh_key_whose_claim_answer_was_lost_is_not_a_409(api, shopper, product_factory):
    """The soak's 409: begin()'s put applied, its answer lost, the retry saw the key in flight."""
    pid = product_factory(stock=5)["productId"]

    with answer_lost_once("shop-test-idempotency", "PutItem") as lost:
        placed = api.post(
            "/orders", order_body(pid), user=shopper, headers={"Idempotency-Key": "soak-409"}
        )

    assert lost == ["PutItem"]
    assert placed.status == 201, placed.json
    assert Order.count() == 1
    assert json.loads(json.dumps(placed.json))["status"] == "PENDING"
