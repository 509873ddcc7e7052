"""The return rules: what an order has left to return, what each unit refunds, who moves a return.

Pure: no boto3, no PynamoDB, no Chalice. The storage door writes what these functions decide,
with conditions that make the decision hold under concurrency (docs/returns.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.errors import InvalidInput, InvalidReturnMove, Reason, ReturnRefused
from chalicelib.domain.totals import PaidLine, return_refund_cents

RETURN_WINDOW = timedelta(days=30)
MAX_LINES = 50
MAX_QUANTITY = 99


class ReturnStatus(StrEnum):
    """Where a return is in its life."""

    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    RECEIVED = "RECEIVED"
    REFUNDED = "REFUNDED"
    EXPIRED = "EXPIRED"
    REFUND_FAILED = "REFUND_FAILED"


class Mover(StrEnum):
    """Who moves a return: an admin through the API, or its workflow."""

    ADMIN = "admin"
    WORKFLOW = "workflow"


# (from, to) -> who may make the move. Anything absent is forbidden.
MOVES: dict[tuple[ReturnStatus, ReturnStatus], frozenset[Mover]] = {
    (ReturnStatus.REQUESTED, ReturnStatus.APPROVED): frozenset({Mover.ADMIN}),
    # An admin rejects; the approval window's timeout rejects too.
    (ReturnStatus.REQUESTED, ReturnStatus.REJECTED): frozenset({Mover.ADMIN, Mover.WORKFLOW}),
    (ReturnStatus.APPROVED, ReturnStatus.RECEIVED): frozenset({Mover.ADMIN}),
    (ReturnStatus.APPROVED, ReturnStatus.EXPIRED): frozenset({Mover.WORKFLOW}),
    (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED): frozenset({Mover.WORKFLOW}),
    (ReturnStatus.RECEIVED, ReturnStatus.REFUND_FAILED): frozenset({Mover.WORKFLOW}),
    # An admin's retry of a refused refund takes the return back to RECEIVED, and on to the refund.
    (ReturnStatus.REFUND_FAILED, ReturnStatus.RECEIVED): frozenset({Mover.ADMIN}),
}

# Returns in these statuses claim nothing: their units may be returned again.
RELEASES_CLAIM = frozenset({ReturnStatus.REJECTED, ReturnStatus.EXPIRED})
FINAL = frozenset({ReturnStatus.REJECTED, ReturnStatus.EXPIRED, ReturnStatus.REFUNDED})

EVENT_TYPES: dict[ReturnStatus, str] = {
    ReturnStatus.REQUESTED: "ReturnRequested",
    ReturnStatus.APPROVED: "ReturnApproved",
    ReturnStatus.REJECTED: "ReturnRejected",
    ReturnStatus.RECEIVED: "ReturnReceived",
    ReturnStatus.REFUNDED: "ReturnRefunded",
    ReturnStatus.EXPIRED: "ReturnExpired",
    ReturnStatus.REFUND_FAILED: "ReturnRefundFailed",
}


def transition(current: str, target: str, mover: Mover) -> ReturnStatus:
    """The target status if `mover` may move a return there from `current`; else raise."""
    try:
        move = (ReturnStatus(current), ReturnStatus(target))
    except ValueError:
        raise InvalidReturnMove(current, target) from None
    if mover not in MOVES.get(move, frozenset()):
        raise InvalidReturnMove(current, target)
    return move[1]


@dataclass(frozen=True)
class DeliveredLine:
    """An order line as stored, as far as returns care."""

    variant_id: str
    product_id: str
    name: str
    quantity: int
    line_total_cents: int
    discount_cents: int = 0
    tax_cents: int = 0

    @property
    def paid(self) -> PaidLine:
        """The line's money, as the refund rule reads it."""
        return PaidLine(self.quantity, self.line_total_cents, self.discount_cents, self.tax_cents)


@dataclass(frozen=True)
class Asked:
    """One line of a return request: a variant of the order and how many of its units."""

    variant_id: str
    quantity: int


@dataclass(frozen=True)
class ReturnLine:
    """One line of a return: its units, their refund, and the order's claim before and after."""

    variant_id: str
    product_id: str
    name: str
    quantity: int
    refund_cents: int
    claimed_before: int

    @property
    def claimed_after(self) -> int:
        """What live returns claim of the order line once this one is written."""
        return self.claimed_before + self.quantity


def delivered_at(history: Sequence[tuple[str, str]]) -> str | None:
    """When the order was delivered (the last DELIVERED entry of its history), if it was."""
    times = [at for status, at in history if status == "DELIVERED"]
    return times[-1] if times else None


def check_window(order_status: str, delivered: datetime | None, now: datetime) -> None:
    """Raise unless the order is DELIVERED and was delivered at most 30 days ago."""
    if order_status != "DELIVERED" or delivered is None:
        raise ReturnRefused(
            f"Only a delivered order can be returned (it is {order_status})",
            Reason.NOT_DELIVERED,
        )
    if now - delivered > RETURN_WINDOW:
        raise ReturnRefused(
            "The order was delivered over 30 days ago: its return window has closed",
            Reason.RETURN_WINDOW_CLOSED,
        )


def left_to_return(line: DeliveredLine, claimed: Mapping[str, int]) -> int:
    """Units of a line that no live return claims."""
    return line.quantity - min(line.quantity, max(0, claimed.get(line.variant_id, 0)))


def plan(
    lines: Sequence[DeliveredLine], claimed: Mapping[str, int], asked: Sequence[Asked]
) -> list[ReturnLine]:
    """The lines of a return of `asked` units, each with its refund; raise if any is not there.

    `claimed` is what live returns already claim per variant (the order's stored claims). A variant
    the order does not have, or named twice, is a 400; more units than are left is a 409.
    """
    by_variant = {line.variant_id: line for line in lines}
    seen: set[str] = set()
    planned = []
    for item in asked:
        line = by_variant.get(item.variant_id)
        if line is None:
            raise InvalidInput(f"items: the order has no variant {item.variant_id}")
        if item.variant_id in seen:
            raise InvalidInput(f"items: variant {item.variant_id} is named twice")
        seen.add(item.variant_id)
        left = left_to_return(line, claimed)
        if item.quantity > left:
            raise ReturnRefused(
                f"items: only {left} of variant {item.variant_id} are left to return",
                Reason.NOTHING_LEFT_TO_RETURN,
            )
        before = line.quantity - left
        refund = return_refund_cents(line.paid, units=item.quantity, claimed_before=before)
        planned.append(
            ReturnLine(item.variant_id, line.product_id, line.name, item.quantity, refund, before)
        )
    return planned


def refund_total(lines: Sequence[ReturnLine]) -> int:
    """What a return refunds: the sum of its lines' refunds (shipping is never refunded)."""
    return sum(line.refund_cents for line in lines)


def refund_key(return_id: str, round_: int) -> str:
    """The payment provider's idempotency key for one round of a return's refund.

    Stable across transient retries and redeliveries; a new round (an admin's retry after a
    refusal for good) gets a new key, since a provider answers a refused key with the refusal.
    """
    return f"{return_id}:refund:{round_}"
