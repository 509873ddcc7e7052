"""Stripe's webhooks: a signed note that a PaymentIntent changed, turned into a payment nudge.

The webhook never moves an order itself. It checks the signature, finds the order the intent
belongs to and, if that order still waits for its payment, puts a `PaymentUpdated` message on the
payments queue. The payments consumer then does what it does for `OrderPlaced`: it asks Stripe
for the intent's state and moves the order (CONFIRMED or PAYMENT_FAILED) with a conditional write.
So the webhook and the queue cannot both capture or both move, a replayed webhook changes nothing,
and a forged one could at most make the shop ask Stripe again (docs/payments.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from chalicelib import clock, log
from chalicelib.adapters import aws
from chalicelib.config import settings
from chalicelib.domain.errors import NotFound
from chalicelib.domain.order_rules import Status
from chalicelib.storage import orders

PAYMENT_UPDATED = "PaymentUpdated"  # the payments queue's nudge; not an event of the topic
# The intent changes that can settle an order's payment; Stripe sends many others.
SETTLING = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed"})
_log = log.logger("webhooks")


@dataclass(frozen=True)
class Receipt:
    """What the shop did with a webhook: `queued` for a payment to settle, else why not."""

    event_id: str
    outcome: str  # queued | ignored_type | unknown_order | already_settled


def receive(payload: bytes | str, signature: str | None) -> Receipt:
    """Verify a Stripe webhook and nudge the payment step of the order it names."""
    if settings().payment_provider != "stripe":
        raise NotFound("This stage takes no Stripe webhooks")
    from chalicelib.adapters import stripe_payments

    event = stripe_payments.webhook_event(payload, signature)  # InvalidInput if not Stripe's
    if event.type not in SETTLING:
        return Receipt(event.id, "ignored_type")
    order = orders.load(event.order_id) if event.order_id else None
    if order is None:
        return Receipt(event.id, "unknown_order")
    if order.status != Status.PENDING:
        return Receipt(event.id, "already_settled")
    nudge = {
        "type": PAYMENT_UPDATED,
        "eventId": f"{order.order_id}:{event.id}",
        "orderId": order.order_id,
        "userId": order.user_id,
        "occurredAt": clock.iso(clock.now()),
        "stripeEvent": event.type,
    }
    if order.correlation_id:
        nudge["correlationId"] = order.correlation_id
    aws.client("sqs").send_message(QueueUrl=_payments_queue(), MessageBody=json.dumps(nudge))
    _log.info("payment nudged", extra={"fields": {"orderId": order.order_id, "via": event.type}})
    return Receipt(event.id, "queued")


@cache
def _payments_queue() -> str:
    answer = aws.client("sqs").get_queue_url(QueueName=settings().queue_name("payments"))
    return str(answer["QueueUrl"])
