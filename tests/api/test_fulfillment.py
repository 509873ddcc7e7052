"""After checkout the order moves on by itself, safely under at-least-once delivery."""

from __future__ import annotations

import json

import boto3

from chalicelib.storage.models import LedgerEntry, Notification
from tests.support.orders import order_of, place, stock_of


def charges(order):
    return [e.entry for e in LedgerEntry.query(order["orderId"]) if e.entry in ("charge", "refund")]


def test_a_paid_order_is_confirmed_shipped_and_the_shopper_told(
    api, shopper, product_factory, pipeline
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug)

    pipeline.run()

    final = order_of(api, shopper, order)
    assert final["status"] == "FULFILLED"
    assert [h["status"] for h in final["history"]] == [
        "PENDING",
        "CONFIRMED",
        "FULFILLING",  # API.md: booking starts with a conditional move (issue 14)
        "FULFILLED",
    ]
    assert final["trackingNumber"].startswith("SIMUS")
    assert charges(order) == ["charge"]
    inbox = api.get("/me/notifications", user=shopper).json["items"]
    assert {n["type"] for n in inbox} == {"OrderPlaced", "OrderConfirmed", "OrderFulfilled"}
    assert all(n["orderId"] == order["orderId"] for n in inbox)
    assert stock_of(api, mug) == 4
    assert pipeline.failures == []


def test_events_reach_sns_with_the_type_attribute_and_contract_body(
    api, shopper, product_factory, pipeline
):
    order = place(api, shopper, product_factory())
    pipeline.publish_changes()

    messages = pipeline.receive("payments")

    assert len(messages) == 1
    event = json.loads(messages[0]["Body"])
    assert event["type"] == "OrderPlaced"
    assert (event["orderId"], event["userId"]) == (order["orderId"], shopper.user_id)
    assert event["occurredAt"].endswith("Z")
    assert pipeline.receive("fulfillment") == []  # filtered: fulfillment only takes OrderConfirmed


def test_a_declined_payment_fails_the_order_and_releases_the_stock(
    api, shopper, product_factory, pipeline
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug, quantity=3, token="tok_decline")
    assert stock_of(api, mug) == 2

    pipeline.run()

    final = order_of(api, shopper, order)
    assert final["status"] == "PAYMENT_FAILED"
    assert final["trackingNumber"] is None
    assert stock_of(api, mug) == 5
    inbox = api.get("/me/notifications", user=shopper).json["items"]
    assert "PaymentFailed" in {n["type"] for n in inbox}


def test_a_transient_payment_error_is_retried_then_dead_lettered(
    api, shopper, product_factory, pipeline
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug, token="tok_error")
    pipeline.publish_changes()

    for _ in range(8):
        pipeline.drain("payments")

    dead = pipeline.dead_letters("payments")
    assert len(dead) == 1
    assert json.loads(dead[0]["Body"])["orderId"] == order["orderId"]
    assert order_of(api, shopper, order)["status"] == "PENDING"
    assert charges(order) == []
    assert len(pipeline.failures) == 5


def test_a_duplicate_delivery_charges_once_and_moves_once(api, shopper, product_factory, pipeline):
    order = place(api, shopper, product_factory())
    pipeline.publish_changes()
    message = pipeline.receive("payments")[0]
    twin = {**message, "MessageId": message["MessageId"] + "-again"}

    assert pipeline.deliver("payments", [message, twin])
    pipeline.publish_changes()  # the same stream record is never re-read, but a retry would be:
    pipeline.client.lambda_.invoke(
        "take_payments",
        {"Records": [_record_for(pipeline, message, "payments", "third")]},
    )

    final = order_of(api, shopper, order)
    assert final["status"] == "CONFIRMED"
    assert [h["status"] for h in final["history"]] == ["PENDING", "CONFIRMED"]
    assert charges(order) == ["charge"]


def _record_for(pipeline, message, queue, suffix):
    from devstack.lambda_events import sqs_record

    arn = boto3.client("sqs").get_queue_attributes(
        QueueUrl=pipeline.queue_urls[queue], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    return sqs_record(
        {**message, "MessageId": f"{message['MessageId']}-{suffix}"}, arn, "us-east-1"
    )


def test_a_late_payment_after_a_cancel_does_not_revive_the_order_and_is_refunded(
    api, shopper, product_factory, pipeline
):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug, quantity=2)
    pipeline.publish_changes()
    payment = pipeline.receive("payments")  # the payment is in flight ...

    assert api.post(f"/orders/{order['orderId']}/cancel", user=shopper).status == 200
    assert pipeline.deliver("payments", payment)  # ... and lands after the cancel
    pipeline.run()

    final = order_of(api, shopper, order)
    assert final["status"] == "CANCELLED"
    assert stock_of(api, mug) == 5
    assert charges(order) == []  # PENDING was gone, so nothing was charged


def test_a_cancel_after_capture_refunds_once(api, shopper, product_factory, pipeline):
    mug = product_factory(stock=5)
    order = place(api, shopper, mug)
    pipeline.publish_changes()
    pipeline.drain("payments")  # captured: CONFIRMED
    assert order_of(api, shopper, order)["status"] == "CONFIRMED"

    assert api.post(f"/orders/{order['orderId']}/cancel", user=shopper).status == 200
    pipeline.publish_changes()
    pipeline.run()

    final = order_of(api, shopper, order)
    assert final["status"] == "CANCELLED"
    assert final["trackingNumber"] is None
    assert sorted(charges(order)) == ["charge", "refund"]
    assert stock_of(api, mug) == 5


def test_a_poison_message_does_not_block_the_rest_of_its_batch(
    api, shopper, product_factory, pipeline
):
    order = place(api, shopper, product_factory())
    pipeline.publish_changes()
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=pipeline.queue_urls["payments"], MessageBody="{not json")
    batch = pipeline.receive("payments")
    assert len(batch) == 2

    assert not pipeline.deliver("payments", batch)

    assert order_of(api, shopper, order)["status"] == "CONFIRMED"
    left = pipeline.receive("payments")
    assert [m["Body"] for m in left] == ["{not json"]  # the good one was deleted, not retried
    assert not pipeline.deliver("payments", left)
    for _ in range(6):
        pipeline.drain("payments")
    assert [m["Body"] for m in pipeline.dead_letters("payments")] == ["{not json"]


def test_admins_mark_fulfilled_orders_delivered_and_shoppers_hear_of_it(
    api, admin, shopper, product_factory, pipeline
):
    order = place(api, shopper, product_factory())
    pipeline.run()

    delivered = api.patch(f"/admin/orders/{order['orderId']}", {"status": "DELIVERED"}, user=admin)
    pipeline.run()

    assert delivered.json["status"] == "DELIVERED"
    types = {n.type for n in Notification.query(shopper.user_id)}
    assert "OrderDelivered" in types
    assert api.post(f"/orders/{order['orderId']}/cancel", user=shopper).status == 409


def test_a_notification_is_recorded_once_per_order_and_event(
    api, shopper, product_factory, pipeline
):
    order = place(api, shopper, product_factory())
    pipeline.publish_changes()
    message = pipeline.receive("notifications")[0]

    pipeline.client.lambda_.invoke(
        "notify_shoppers",
        {
            "Records": [
                _record_for(pipeline, message, "notifications", "a"),
                _record_for(pipeline, message, "notifications", "b"),
            ]
        },
    )

    notes = [n for n in Notification.query(shopper.user_id) if n.order_id == order["orderId"]]
    assert [n.type for n in notes] == ["OrderPlaced"]
