"""What the shop tells a shopper about their order: subjects, bodies, order numbers, money. Pure."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.order_rules import Event, Status

SUBJECTS: dict[str, str] = {
    Event.ORDER_PLACED: "We received your order {ref}",
    Event.ORDER_CONFIRMED: "Payment received: order {ref} is confirmed",
    Event.PAYMENT_FAILED: "The payment for order {ref} was declined",
    Event.ORDER_FULFILLED: "Order {ref} is on its way",
    Event.ORDER_DELIVERED: "Order {ref} was delivered",
    Event.ORDER_CANCELLED: "Order {ref} was cancelled",
}
STATUS_WORDS: dict[str, str] = {
    Status.PENDING: "received and waiting for payment",
    Status.CONFIRMED: "paid and being prepared",
    Status.FULFILLED: "shipped",
    Status.DELIVERED: "delivered",
    Status.CANCELLED: "cancelled",
    Status.PAYMENT_FAILED: "not paid: the payment was declined",
}


def order_reference(order_id: str) -> str:
    """The short order number the storefront shows: `ord_ee1679b0...` -> `EE1679B0`."""
    return order_id.removeprefix("ord_")[:8].upper()


# ISO 4217 minor units of the currencies that do not have two (every other one has two).
MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def money(cents: int, currency: str) -> str:
    """An amount for people in its currency's minor units: `24.00 USD`, `2,400 JPY`, `1.500 KWD`."""
    digits = MINOR_UNITS.get(currency.upper(), 2)
    sign, amount = ("-" if cents < 0 else ""), abs(cents)
    if digits == 0:
        return f"{sign}{amount:,} {currency}"
    whole, fraction = divmod(amount, 10**digits)
    return f"{sign}{whole:,}.{fraction:0{digits}d} {currency}"


def subject(event_type: str, order_id: str) -> str | None:
    """The subject of the message about an event, or None if shoppers are not told of it."""
    template = SUBJECTS.get(event_type)
    return None if template is None else template.format(ref=order_reference(order_id))


def body(event: dict[str, Any]) -> str:
    """The text of a message about an order event: its status, tracking number and total."""
    status = STATUS_WORDS.get(str(event.get("status")), str(event.get("status", "")).lower())
    lines = [f"Your order {order_reference(event['orderId'])} is {status}."]
    if event.get("trackingNumber"):
        lines.append(f"Tracking number: {event['trackingNumber']}.")
    if event.get("totalCents") is not None:
        lines.append(f"Total: {money(int(event['totalCents']), str(event.get('currency', '')))}.")
    return " ".join(lines)
