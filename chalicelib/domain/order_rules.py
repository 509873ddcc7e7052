"""The order state machine: statuses, the only allowed moves, and who may make each. Pure."""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.errors import InvalidTransition


class Status(StrEnum):
    """Where an order is in its life."""

    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    FULFILLING = "FULFILLING"
    FULFILLED = "FULFILLED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    PAYMENT_FAILED = "PAYMENT_FAILED"


class Actor(StrEnum):
    """Who asks for a move: the async pipeline, the order's owner, or an admin."""

    SYSTEM = "system"
    SHOPPER = "shopper"
    ADMIN = "admin"


# (from, to) -> who may make the move. Anything absent is forbidden.
MOVES: dict[tuple[Status, Status], frozenset[Actor]] = {
    (Status.PENDING, Status.CONFIRMED): frozenset({Actor.SYSTEM}),
    (Status.PENDING, Status.PAYMENT_FAILED): frozenset({Actor.SYSTEM}),
    # Booking a shipment holds the order in FULFILLING, where a cancel can no longer land; a booking
    # that fails for good gives it back to CONFIRMED.
    (Status.CONFIRMED, Status.FULFILLING): frozenset({Actor.SYSTEM}),
    (Status.FULFILLING, Status.FULFILLED): frozenset({Actor.SYSTEM}),
    (Status.FULFILLING, Status.CONFIRMED): frozenset({Actor.SYSTEM}),
    (Status.FULFILLED, Status.DELIVERED): frozenset({Actor.ADMIN}),
    (Status.PENDING, Status.CANCELLED): frozenset({Actor.SHOPPER, Actor.ADMIN}),
    (Status.CONFIRMED, Status.CANCELLED): frozenset({Actor.SHOPPER, Actor.ADMIN}),
}

# Moving into these statuses gives the order's reserved stock back.
RELEASES_STOCK = frozenset({Status.CANCELLED, Status.PAYMENT_FAILED})
FINAL = frozenset({Status.DELIVERED, Status.CANCELLED, Status.PAYMENT_FAILED})
# Orders in these statuses hold stock reserved for them.
HOLDS_STOCK = frozenset({Status.PENDING, Status.CONFIRMED, Status.FULFILLING})


class FailureReason(StrEnum):
    """Why an order ended PAYMENT_FAILED."""

    DECLINED = "declined"
    ERROR = "error"  # the provider kept failing and the retries ran out
    TIMEOUT = "timeout"  # not paid within the payment timeout


class Event(StrEnum):
    """The domain events: one announces each status an order enters (FULFILLING is silent), and
    one each money move of the payment step."""

    ORDER_PLACED = "OrderPlaced"
    ORDER_CONFIRMED = "OrderConfirmed"
    PAYMENT_FAILED = "PaymentFailed"
    ORDER_FULFILLED = "OrderFulfilled"
    ORDER_DELIVERED = "OrderDelivered"
    ORDER_CANCELLED = "OrderCancelled"
    # Money moves, published by the payment step itself (not by a status): decision 0141.
    PAYMENT_CAPTURED = "PaymentCaptured"
    PAYMENT_REFUNDED = "PaymentRefunded"


EVENT_TYPES: dict[Status, Event] = {
    Status.PENDING: Event.ORDER_PLACED,
    Status.CONFIRMED: Event.ORDER_CONFIRMED,
    Status.PAYMENT_FAILED: Event.PAYMENT_FAILED,
    Status.FULFILLED: Event.ORDER_FULFILLED,
    Status.DELIVERED: Event.ORDER_DELIVERED,
    Status.CANCELLED: Event.ORDER_CANCELLED,
}


def transition(current: str, target: str, actor: Actor) -> Status:
    """The target status if `actor` may move an order there from `current`; else raise."""
    try:
        move = (Status(current), Status(target))
    except ValueError:
        raise InvalidTransition(current, target) from None
    if actor not in MOVES.get(move, frozenset()):
        raise InvalidTransition(current, target)
    return move[1]


def event_type(status: str, previous: str | None = None) -> Event | None:
    """The domain event announcing that an order entered `status`, or None if it is silent.

    FULFILLING is internal (booking started), and so is the way back from it to CONFIRMED: a
    second OrderConfirmed would only start another booking.
    """
    if status == Status.FULFILLING:
        return None
    if previous == Status.FULFILLING and status == Status.CONFIRMED:
        return None
    return EVENT_TYPES[Status(status)]
