"""The saga's moments become CloudWatch metrics (EMF lines): placed, revenue, failures, lag."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.client import Api
from tests.support.cognito import User
from tests.support.data import ADDRESS


def _points(out: str) -> dict[str, list[dict[str, Any]]]:
    """Each metric's points in the captured log lines, by metric name."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        for directive in entry.get("_aws", {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                found.setdefault(metric["Name"], []).append(entry)
    return found


def _order(api: Api, shopper: User, product: dict[str, Any], token: str) -> str:
    body = {
        "items": [{"productId": product["productId"], "quantity": 2}],
        "shippingAddress": ADDRESS,
        "paymentToken": token,
    }
    answer = api.post("/orders", body, user=shopper)
    assert answer.status == 201
    return str(answer.json["orderId"])


def test_a_paid_and_shipped_order_counts_placed_revenue_and_lag(
    api: Api, shopper: User, product_factory: Any, pipeline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    mug = product_factory(priceCents=1250)
    capsys.readouterr()
    order_id = _order(api, shopper, mug, "tok_visa")
    pipeline.run()
    points = _points(capsys.readouterr().out)
    assert [p["OrdersPlaced"] for p in points["OrdersPlaced"]] == [1]
    (revenue,) = points["RevenueCents"]
    assert (revenue["RevenueCents"], revenue["Currency"], revenue["orderId"]) == (
        2500,
        "USD",
        order_id,
    )
    (lag,) = points["PipelineLagSeconds"]
    assert lag["PipelineLagSeconds"] >= 0
    assert all(p["Stage"] == "test" for name in points for p in points[name])


def test_a_declined_payment_counts_a_failure_by_reason_and_a_cancel_a_refund(
    api: Api, shopper: User, product_factory: Any, pipeline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    mug = product_factory()
    capsys.readouterr()
    _order(api, shopper, mug, "tok_decline")
    paid = _order(api, shopper, mug, "tok_visa")
    pipeline.publish_changes()
    pipeline.drain("payments")  # one declined, one paid
    assert api.post(f"/orders/{paid}/cancel", user=shopper).status == 200
    pipeline.run()  # the cancel's refund
    points = _points(capsys.readouterr().out)
    failures = [(p["PaymentFailures"], p["Reason"]) for p in points["PaymentFailures"]]
    assert failures == [(1, "declined")]
    assert [p["Refunds"] for p in points["Refunds"]] == [1]
    assert [p["OrdersPlaced"] for p in points["OrdersPlaced"]] == [1, 1]


def test_a_payment_given_up_counts_a_saga_failure_and_a_timeout_its_reason(
    api: Api, shopper: User, product_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.services import fulfillment, orders

    mug = product_factory()
    stuck = _order(api, shopper, mug, "tok_error")
    late = _order(api, shopper, mug, "tok_pending")
    capsys.readouterr()
    event = {"type": "OrderPlaced", "orderId": stuck, "userId": shopper.user_id}
    fulfillment.on_payment_dead_letter(event)  # the payments DLQ's consumer
    assert orders.expire_unpaid(timeout_seconds=0) == 1  # the sweep, with no time to pay
    points = _points(capsys.readouterr().out)
    assert [(p["SagaFailures"], p["Step"]) for p in points["SagaFailures"]] == [(1, "payment")]
    assert [p["Reason"] for p in points["PaymentFailures"]] == ["error", "timeout"]
    assert orders.load(late).status == "PAYMENT_FAILED"
