"""What happens after checkout: payment, shipment and notifications, safe to run twice.

Every step is keyed on the order and the step (the ledger and the order's status), never on the
SQS message, so a duplicate or late delivery finds the work done and changes nothing.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import Any

from chalicelib import clock, log, metrics
from chalicelib.adapters import carriers, events, mail, payments
from chalicelib.config import settings
from chalicelib.domain import notices
from chalicelib.domain.errors import InvalidTransition
from chalicelib.domain.order_rules import RELEASES_STOCK, Actor, Event, FailureReason, Status
from chalicelib.domain.totals import cancel_refund_cents
from chalicelib.services import orders
from chalicelib.services.payment_webhooks import PAYMENT_UPDATED
from chalicelib.services.profiles import mail_address
from chalicelib.storage import profiles
from chalicelib.storage.models import Order

_log = log.logger("fulfillment")
DECLINED, ERROR = FailureReason.DECLINED, FailureReason.ERROR


def _failed(reason: FailureReason | None) -> orders.Note:
    return orders.Note(failure_reason=reason)


def _shipped(tracking: str | None) -> orders.Note:
    return orders.Note(tracking_number=tracking)


@lru_cache(maxsize=1)
def payment_provider() -> payments.PaymentProvider:
    """The stage's payment provider, built once per container."""
    return payments.provider(settings().payment_provider)


@lru_cache(maxsize=1)
def carrier() -> carriers.Carrier:
    """The stage's carrier, built once per container."""
    return carriers.carrier(settings().carrier)


@lru_cache(maxsize=1)
def mailer() -> mail.Mailer:
    """The stage's mailer, built once per container."""
    return mail.mailer(settings().mailer, settings().mail_sender)


def on_payment_event(event: dict[str, Any]) -> None:
    """The payments queue: charge placed orders, refund cancelled ones."""
    if event["type"] in (Event.ORDER_PLACED, PAYMENT_UPDATED):  # PAYMENT_UPDATED: a webhook's
        take_payment(event["orderId"])
    elif event["type"] == Event.ORDER_CANCELLED:
        refund_if_captured(event["orderId"])


def on_payment_dead_letter(event: dict[str, Any]) -> None:
    """The payments DLQ: a charge that kept failing fails its order; a refund gets one more try."""
    _log.error("payment step failed for good", extra={"fields": {"alarm": "saga"}})
    metrics.emit(metrics.SAGA_FAILURES, 1, Step="payment")
    if event["type"] == Event.ORDER_PLACED:
        with contextlib.suppress(InvalidTransition):  # paid, cancelled or timed out meanwhile
            orders.move(event["orderId"], Status.PAYMENT_FAILED, Actor.SYSTEM, note=_failed(ERROR))
    refund_if_captured(event["orderId"])


def take_payment(order_id: str) -> None:
    """Charge a PENDING order once and move it on; refund if it moved on without us."""
    order = orders.load(order_id)
    if order.status != Status.PENDING:
        # Cancelled or timed out: a charge an earlier attempt captured (and crashed) goes back.
        refund_if_captured(order_id, order)
        return
    charge = payment_provider().charge(
        order_id, int(order.total_cents), order.currency, order.payment_token
    )
    if charge.pending:
        _log.info("no answer from the provider; the payment timeout decides")
        return
    if charge.approved:
        _announce(order, Event.PAYMENT_CAPTURED, int(order.total_cents), order.currency, charge.at)
        metrics.emit(metrics.REVENUE_CENTS, int(order.total_cents), Currency=order.currency)
    target, reason = (
        (Status.CONFIRMED, None) if charge.approved else (Status.PAYMENT_FAILED, DECLINED)
    )
    try:
        orders.move(order_id, target, Actor.SYSTEM, note=_failed(reason), current=order)
    except InvalidTransition:
        # The order moved on meanwhile (a cancel or the timeout won the race): the money goes back.
        refund_if_captured(order_id)


def refund_if_captured(order_id: str, order: Order | None = None) -> None:
    """Refund the captured payment of an order that ended CANCELLED or PAYMENT_FAILED, once.

    The provider refunds once per order (its idempotency key), so running this again after a crash
    or on a duplicate event refunds nothing twice; an error raises, and the message that carried
    it is retried until it succeeds or reaches the DLQ (whose alarm fires).
    """
    order = order if order is not None else orders.load(order_id)
    if order.status not in RELEASES_STOCK:
        return
    capture = payment_provider().captured(order_id)
    if capture is None:
        return
    _announce(order, Event.PAYMENT_CAPTURED, capture.amount_cents, capture.currency, capture.at)
    # What was captured less what was refunded already (a return's refund): never more than paid.
    amount = cancel_refund_cents(
        paid_cents=capture.amount_cents, refunded_cents=int(order.refunded_cents or 0)
    )
    if amount == 0:
        return
    payment_provider().refund(order_id, amount, capture.currency)
    _announce(order, Event.PAYMENT_REFUNDED, amount, capture.currency)
    metrics.emit(metrics.REFUNDS, 1)


def _announce(order: Order, kind: Event, amount_cents: int, currency: str, at: str = "") -> None:
    # Published before the message is acknowledged: at least once, with one eventId per step.
    # A capture announced again keeps the provider's time, so every copy falls on the same day.
    stamp = at or clock.iso(clock.now())
    events.publish(events.money_event(kind, order, amount_cents, currency, stamp))


def on_fulfillment_event(event: dict[str, Any]) -> None:
    """The fulfillment queue: ship confirmed orders."""
    if event["type"] == Event.ORDER_CONFIRMED:
        ship(event["orderId"])


def on_fulfillment_dead_letter(event: dict[str, Any]) -> None:
    """The fulfillment DLQ: a booking that failed for good gives the order back to CONFIRMED."""
    _log.error("shipment booking failed for good", extra={"fields": {"alarm": "saga"}})
    metrics.emit(metrics.SAGA_FAILURES, 1, Step="shipment")
    order = orders.load(event["orderId"])
    if order.status != Status.FULFILLING:
        return
    tracking = carrier().booked(order.order_id)
    target = Status.FULFILLED if tracking else Status.CONFIRMED
    try:
        orders.move(order.order_id, target, Actor.SYSTEM, note=_shipped(tracking), current=order)
    except InvalidTransition:
        return


def ship(order_id: str) -> None:
    """Book a shipment for a CONFIRMED order once: CONFIRMED -> FULFILLING -> FULFILLED.

    The move to FULFILLING comes first and is conditional, so a cancel either lands before it
    (and nothing is booked) or is refused after it (and the order ships).
    """
    order = orders.load(order_id)
    try:
        if order.status == Status.CONFIRMED:
            orders.move(order_id, Status.FULFILLING, Actor.SYSTEM, current=order)
        elif order.status != Status.FULFILLING:
            _log.info("not confirmed; nothing to ship", extra={"fields": {"status": order.status}})
            return
        tracking = carrier().create_shipment(order_id, order.shipping_address.country)
        orders.move(
            order_id, Status.FULFILLED, Actor.SYSTEM, note=_shipped(tracking), current=order
        )
    except InvalidTransition as exc:
        _log.info("moved on meanwhile; nothing to ship", extra={"fields": {"status": exc.current}})


def on_notification_event(event: dict[str, Any]) -> None:
    """The notifications queue: tell the shopper what happened to their order, once per event."""
    subject = notices.subject(event["type"], event["orderId"])
    if subject is None:
        return
    email = event.get("email") or _profile_email(event["userId"])
    if not email:
        _log.warning("no email for this user; nothing to notify")
        return
    occurred = str(event.get("occurredAt") or clock.iso(clock.now()))
    mailer().send(
        mail.Message(
            user_id=event["userId"],
            email=email,
            order_id=event["orderId"],
            type=event["type"],
            subject=subject,
            body=notices.body(event),
            sent_at=occurred,
            sort_key=f"{occurred}#{event['orderId']}#{event['type']}",
        )
    )


def _profile_email(user_id: str) -> str | None:
    profile = profiles.get(user_id)
    return None if profile is None else mail_address(profile)
