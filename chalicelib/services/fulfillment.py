"""What happens after checkout: payment, shipment and notifications, safe to run twice.

Every step is keyed on the order and the step (the ledger and the order's status), never on the
SQS message, so a duplicate or late delivery finds the work done and changes nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import clock, log
from chalicelib.adapters import carriers, mail, payments
from chalicelib.config import settings
from chalicelib.domain.errors import InvalidTransition
from chalicelib.domain.order_rules import Actor, Status
from chalicelib.services import orders
from chalicelib.storage import ledger
from chalicelib.storage.models import Profile

_log = log.logger("fulfillment")


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
    if event["type"] == "OrderPlaced":
        take_payment(event["orderId"])
    elif event["type"] == "OrderCancelled":
        refund_if_captured(event["orderId"])


def take_payment(order_id: str) -> None:
    """Charge a PENDING order once and move it to CONFIRMED or PAYMENT_FAILED."""
    order = orders.load(order_id)
    if order.status != Status.PENDING:
        _log.info("not pending; nothing to charge", extra={"fields": {"status": order.status}})
        return
    charge = payment_provider().charge(
        order_id, int(order.total_cents), order.currency, order.payment_token
    )
    target = Status.CONFIRMED if charge.approved else Status.PAYMENT_FAILED
    try:
        orders.move(order_id, target, Actor.SYSTEM, current=order)
    except InvalidTransition:
        # The order moved on meanwhile (a cancel won the race): money taken for it goes back.
        refund_if_captured(order_id)


def refund_if_captured(order_id: str) -> None:
    """Refund a cancelled order whose payment was captured (once)."""
    order = orders.load(order_id)
    charge = ledger.find(order_id, "charge")
    captured = charge is not None and ledger.detail(charge).get("outcome") == payments.APPROVED
    if order.status != Status.CANCELLED or not captured:
        return
    reference = payment_provider().refund(order_id, int(order.total_cents), order.currency)
    _log.info("refunded", extra={"fields": {"refund": reference}})


def on_fulfillment_event(event: dict[str, Any]) -> None:
    """The fulfillment queue: ship confirmed orders."""
    if event["type"] == "OrderConfirmed":
        ship(event["orderId"])


def ship(order_id: str) -> None:
    """Book a shipment for a CONFIRMED order once and move it to FULFILLED."""
    order = orders.load(order_id)
    if order.status != Status.CONFIRMED:
        _log.info("not confirmed; nothing to ship", extra={"fields": {"status": order.status}})
        return
    tracking = carrier().create_shipment(order_id, order.shipping_address.country)
    try:
        orders.move(
            order_id, Status.FULFILLED, Actor.SYSTEM, tracking_number=tracking, current=order
        )
    except InvalidTransition:
        _log.warning("cancelled while shipping; shipment booked", extra={"fields": {"t": tracking}})


_SUBJECTS = {
    "OrderPlaced": "We received your order {ref}",
    "OrderConfirmed": "Payment received: order {ref} is confirmed",
    "PaymentFailed": "The payment for order {ref} was declined",
    "OrderFulfilled": "Order {ref} is on its way",
    "OrderDelivered": "Order {ref} was delivered",
    "OrderCancelled": "Order {ref} was cancelled",
}
_STATUS_WORDS = {
    "PENDING": "received and waiting for payment",
    "CONFIRMED": "paid and being prepared",
    "FULFILLED": "shipped",
    "DELIVERED": "delivered",
    "CANCELLED": "cancelled",
    "PAYMENT_FAILED": "not paid: the payment was declined",
}


def order_reference(order_id: str) -> str:
    """The short order number the storefront shows: `ord_ee1679b0...` -> `EE1679B0`."""
    return order_id.removeprefix("ord_")[:8].upper()


def money(cents: int, currency: str) -> str:
    """An amount for people: `24.00 USD` (minor units are cents for the shop's currencies)."""
    return f"{cents // 100:,}.{cents % 100:02d} {currency}"


def on_notification_event(event: dict[str, Any]) -> None:
    """The notifications queue: tell the shopper what happened to their order, once per event."""
    template = _SUBJECTS.get(event["type"])
    if template is None:
        return
    subject = template.format(ref=order_reference(event["orderId"]))
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
            body=_body(event),
            sent_at=occurred,
            sort_key=f"{occurred}#{event['orderId']}#{event['type']}",
        )
    )


def _body(event: dict[str, Any]) -> str:
    status = _STATUS_WORDS.get(str(event.get("status")), str(event.get("status", "")).lower())
    lines = [f"Your order {order_reference(event['orderId'])} is {status}."]
    if event.get("trackingNumber"):
        lines.append(f"Tracking number: {event['trackingNumber']}.")
    if event.get("totalCents") is not None:
        lines.append(f"Total: {money(int(event['totalCents']), str(event.get('currency', '')))}.")
    return " ".join(lines)


def _profile_email(user_id: str) -> str | None:
    try:
        return str(Profile.get(user_id).email)
    except DoesNotExist:
        return None
