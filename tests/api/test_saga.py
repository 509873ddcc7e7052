"""The saga's failure paths, one by one (issue 14): each test failed on the code before the fix.

The model test (test_saga_model.py) searches interleavings; these pin the known ones down. Faults
go in at botocore's seam (tests/faults.py); docs/saga.md says which invariant each one holds.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from chalicelib import clock
from chalicelib.services import orders
from chalicelib.storage.models import LedgerEntry
from devstack.lambda_events import sqs_record
from tests.faults import failing
from tests.support.orders import order_of, place, stock_of


def money(order):
    return sorted(e.entry for e in LedgerEntry.query(order["orderId"]) if e.entry != "shipment")


def shipment(order):
    return [e.reference for e in LedgerEntry.query(order["orderId"]) if e.entry == "shipment"]


def invoke(pipeline, handler, queue, messages):
    """Invoke a handler on messages of `queue` (a DLQ too) as Lambda would; True if it passed."""
    arn = boto3.client("sqs").get_queue_attributes(
        QueueUrl=pipeline.queue_urls[queue], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    try:
        pipeline.client.lambda_.invoke(
            handler, {"Records": [sqs_record(m, arn, "us-east-1") for m in messages]}
        )
    except Exception:
        return False
    return True


SCHEDULED_EVENT = {
    "version": "0",
    "id": "00000000-0000-0000-0000-000000000000",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-12-02T00:00:00Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {},
}


@pytest.fixture
def published():
    """Every SNS message the code publishes, recorded at botocore's seam."""
    import botocore.client

    seen: list[dict[str, Any]] = []
    original = botocore.client.BaseClient._make_api_call

    def record(self, name, params):
        answer = original(self, name, params)
        if name == "Publish":
            seen.append(json.loads(params["Message"]))
        return answer

    botocore.client.BaseClient._make_api_call = record
    yield seen
    botocore.client.BaseClient._make_api_call = original


# --- 1. a captured payment is kept after a cancel race ---------------------------------------


def test_a_payment_step_that_finds_its_order_cancelled_refunds_its_own_capture(
    api, shopper, product_factory, pipeline, published
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug)
    pipeline.publish_changes()
    payment = pipeline.receive("payments")
    with failing("UpdateItem", "InternalServerError"):
        assert not pipeline.deliver("payments", payment)  # captured, then the move failed
    api.post(f"/orders/{order['orderId']}/cancel", user=shopper)
    pipeline.publish_changes()
    with failing("PutItem", "InternalServerError", service="dynamodb"):
        pipeline.drain("payments")  # OrderCancelled's refund fails: it stays queued

    pipeline.run()

    assert order_of(api, shopper, order)["status"] == "CANCELLED"
    assert money(order) == ["charge", "refund"]
    assert stock_of(api, mug) == 5
    kinds = {(e["type"], e["eventId"]) for e in published if e["type"].startswith("Payment")}
    assert kinds == {
        ("PaymentCaptured", f"{order['orderId']}:capture"),
        ("PaymentRefunded", f"{order['orderId']}:refund"),
    }


# --- 2. never shipped and refunded ------------------------------------------------------------


def test_a_cancel_once_booking_started_is_a_409_and_the_order_ships(
    api, shopper, product_factory, pipeline
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug)
    pipeline.publish_changes()
    pipeline.drain("payments")
    pipeline.publish_changes()
    confirmed = pipeline.receive("fulfillment")
    with failing("PutItem", "InternalServerError"):  # the carrier's booking write fails
        assert not pipeline.deliver("fulfillment", confirmed)
    assert order_of(api, shopper, order)["status"] == "FULFILLING"

    cancel = api.post(f"/orders/{order['orderId']}/cancel", user=shopper)
    pipeline.run()

    assert cancel.error() == (409, "ConflictError")
    final = order_of(api, shopper, order)
    assert final["status"] == "FULFILLED"
    assert shipment(order) == [final["trackingNumber"]]
    assert money(order) == ["charge"]


def test_a_booking_that_fails_for_good_returns_the_order_to_confirmed_without_an_event(
    api, shopper, admin, product_factory, pipeline, published
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug)
    pipeline.publish_changes()
    pipeline.drain("payments")
    pipeline.publish_changes()
    with failing("PutItem", "InternalServerError"):
        for _ in range(6):
            pipeline.drain("fulfillment")
    dead = pipeline.dead_letters("fulfillment")
    assert len(dead) == 1

    assert invoke(pipeline, "return_unbooked_orders", "fulfillment-dlq", dead)
    pipeline.publish_changes()

    final = order_of(api, shopper, order)
    assert [h["status"] for h in final["history"]][-2:] == ["FULFILLING", "CONFIRMED"]
    assert shipment(order) == []
    assert [e["type"] for e in published].count("OrderConfirmed") == 1  # no second one
    assert pipeline.receive("fulfillment") == []
    cancel = api.post(f"/orders/{order['orderId']}/cancel", user=admin)
    pipeline.run()
    assert cancel.status == 200
    assert money(order) == ["charge", "refund"]


# --- 3. nothing reserved forever --------------------------------------------------------------


def test_a_payment_message_in_the_dlq_fails_its_order_with_reason_error(
    api, shopper, product_factory, pipeline
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug, quantity=3, token="tok_error")
    pipeline.publish_changes()
    for _ in range(6):
        pipeline.drain("payments")
    dead = pipeline.dead_letters("payments")

    assert invoke(pipeline, "fail_dead_payments", "payments-dlq", dead)

    final = order_of(api, shopper, order)
    assert (final["status"], final["failureReason"]) == ("PAYMENT_FAILED", "error")
    assert stock_of(api, mug) == 5
    assert money(order) == []


def test_an_unpaid_order_times_out_with_reason_timeout_and_its_stock_back(
    api, shopper, product_factory, pipeline, chalice_app
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug, quantity=2, token="tok_pending")
    pipeline.run()  # tok_pending never answers
    assert order_of(api, shopper, order)["status"] == "PENDING"
    later = clock.now() + timedelta(seconds=901)

    with clock.reading(lambda: later):
        pipeline.client.lambda_.invoke("expire_unpaid_orders", SCHEDULED_EVENT)

    final = order_of(api, shopper, order)
    assert (final["status"], final["failureReason"]) == ("PAYMENT_FAILED", "timeout")
    assert stock_of(api, mug) == 5


def test_the_sweep_leaves_orders_younger_than_the_timeout_alone(api, shopper, product_factory):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug, token="tok_pending")

    assert orders.expire_unpaid(900) == 0

    assert order_of(api, shopper, order)["status"] == "PENDING"


def test_a_charge_that_lands_after_the_timeout_is_refunded(api, shopper, product_factory, pipeline):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug)
    pipeline.publish_changes()
    payment = pipeline.receive("payments")
    with failing("UpdateItem", "InternalServerError"):
        assert not pipeline.deliver("payments", payment)  # captured; the move never landed
    later = clock.now() + timedelta(seconds=901)
    with clock.reading(lambda: later):
        assert orders.expire_unpaid(900) == 1

    pipeline.run()

    final = order_of(api, shopper, order)
    assert (final["status"], final["failureReason"]) == ("PAYMENT_FAILED", "timeout")
    assert money(order) == ["charge", "refund"]


def test_a_declined_order_says_why(api, shopper, product_factory, pipeline):
    order = place(api, shopper, product_factory(), token="tok_decline")

    pipeline.run()

    final = order_of(api, shopper, order)
    assert (final["status"], final["failureReason"]) == ("PAYMENT_FAILED", "declined")


def test_a_redelivered_capture_announces_the_same_event_id(
    api, shopper, product_factory, pipeline, published
):
    order = place(api, shopper, product_factory())
    pipeline.publish_changes()
    payment = pipeline.receive("payments")
    with failing("UpdateItem", "InternalServerError"):
        assert not pipeline.deliver("payments", payment)

    pipeline.run()

    captured = [e for e in published if e["type"] == "PaymentCaptured"]
    assert len(captured) == 2  # at least once: announced by both attempts ...
    assert {e["eventId"] for e in captured} == {f"{order['orderId']}:capture"}  # ... as one
    assert captured[0]["amountCents"] == 1250
    assert money(order) == ["charge"]
