"""Domain events: derived from the orders table's stream and published to the SNS topic.

The stream is the outbox: an event exists exactly when its status change was committed, and a
crash before publishing only means the stream record is delivered again. Consumers are idempotent
(keyed on the order and the step), so publishing twice is harmless.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import log
from chalicelib.adapters import aws
from chalicelib.config import settings
from chalicelib.domain.order_rules import Event, event_type
from chalicelib.storage.models import Order, OrderLine


def from_stream_record(
    event_name: str, new_image: dict[str, Any] | None, old_image: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The domain event a change to an order means, or None (for example a non-status edit)."""
    if event_name not in ("INSERT", "MODIFY") or not new_image:
        return None
    order = Order.from_raw_data(new_image)
    before = Order.from_raw_data(old_image) if event_name == "MODIFY" and old_image else None
    if before is not None and before.status == order.status:
        return None
    kind = event_type(order.status, before.status if before is not None else None)
    if kind is None:
        return None
    history = list(order.history or [])
    occurred_at = history[-1].at if history else order.updated_at
    event = {
        "type": kind.value,
        "eventId": f"{order.order_id}:{order.status}:{len(history)}",
        "orderId": order.order_id,
        "userId": order.user_id,
        "status": order.status,
        "occurredAt": occurred_at,
        "totalCents": int(order.total_cents),
        "currency": order.currency,
        "trackingNumber": order.tracking_number,
        "email": order.contact_email,
    }
    if order.failure_reason:
        event["failureReason"] = order.failure_reason
    if order.correlation_id:
        event["correlationId"] = order.correlation_id
    return event


def money_event(
    kind: Event, order: Order, amount_cents: int, currency: str, at: str
) -> dict[str, Any]:
    """A PaymentCaptured or PaymentRefunded event; its eventId names the one capture or refund.

    A capture carries the order's lines and units, so the sales figures need no read of the order.
    """
    step = {Event.PAYMENT_CAPTURED: "capture", Event.PAYMENT_REFUNDED: "refund"}[kind]
    correlation = {"correlationId": order.correlation_id} if order.correlation_id else {}
    event: dict[str, Any] = {
        **correlation,
        "type": kind.value,
        "eventId": f"{order.order_id}:{step}",
        "orderId": order.order_id,
        "userId": order.user_id,
        "occurredAt": at,
        "amountCents": amount_cents,
        "currency": currency,
    }
    if kind == Event.PAYMENT_CAPTURED:
        event["items"] = [_line(line) for line in order.items]
        event["units"] = sum(int(line.quantity) for line in order.items)
    return event


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "productId": line.product_id,
        "variantId": line.variant_id or line.product_id,
        "name": line.name,
        "quantity": int(line.quantity),
        "lineTotalCents": int(line.line_total_cents),
        # Promotions (issue 17) add a line discount; a line without one has none.
        "discountCents": int(getattr(line, "discount_cents", None) or 0),
    }


_log = log.logger("events")


def publish(event: dict[str, Any]) -> None:
    """Send an event to the topic, with its type as the attribute the queues filter on."""
    aws.client("sns").publish(
        TopicArn=settings().events_topic_arn,
        # One line: Firehose concatenates records as they come, and the lake is JSON lines.
        Message=json.dumps(event) + "\n",
        MessageAttributes={"type": {"DataType": "String", "StringValue": event["type"]}},
    )
    fields = {k: event[k] for k in ("type", "eventId", "orderId", "correlationId") if k in event}
    _log.info("published", extra={"fields": fields})


def decode(body: str) -> dict[str, Any]:
    """An event from an SQS body (raw delivery, or wrapped in SNS's envelope); ValueError if bad."""
    try:
        return _decode(body)
    except (TypeError, RecursionError) as exc:  # not a string, or nested too deep to parse
        raise ValueError(f"an event must be a JSON object ({type(exc).__name__})") from None


def _decode(body: str) -> dict[str, Any]:
    data = json.loads(body)
    if isinstance(data, dict) and data.get("Type") == "Notification" and "Message" in data:
        data = json.loads(data["Message"])
    if not isinstance(data, dict):
        raise ValueError("an event must be a JSON object")
    for field in ("type", "orderId", "userId"):
        if not isinstance(data.get(field), str) or not data[field]:
            raise ValueError(f"an event needs a string {field}")
    return data
