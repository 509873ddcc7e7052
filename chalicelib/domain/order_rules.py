"""The order state machine: statuses, the only allowed moves, and who may make each. Pure."""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.errors import InvalidTransition


class Status(StrEnum):
    """Where an order is in its life."""

    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
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
    (Status.CONFIRMED, Status.FULFILLED): frozenset({Actor.SYSTEM}),
    (Status.FULFILLED, Status.DELIVERED): frozenset({Actor.ADMIN}),
    (Status.PENDING, Status.CANCELLED): frozenset({Actor.SHOPPER, Actor.ADMIN}),
    (Status.CONFIRMED, Status.CANCELLED): frozenset({Actor.SHOPPER, Actor.ADMIN}),
}

# Moving into these statuses gives the order's reserved stock back.
RELEASES_STOCK = frozenset({Status.CANCELLED, Status.PAYMENT_FAILED})
FINAL = frozenset({Status.DELIVERED, Status.CANCELLED, Status.PAYMENT_FAILED})

EVENT_TYPES: dict[Status, str] = {
    Status.PENDING: "OrderPlaced",
    Status.CONFIRMED: "OrderConfirmed",
    Status.PAYMENT_FAILED: "PaymentFailed",
    Status.FULFILLED: "OrderFulfilled",
    Status.DELIVERED: "OrderDelivered",
    Status.CANCELLED: "OrderCancelled",
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


def event_type(status: str) -> str:
    """The domain event announcing that an order entered `status`."""
    return EVENT_TYPES[Status(status)]
