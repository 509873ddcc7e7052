"""Orders after checkout: reading them, and every status move, written conditionally."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chalicelib import clock, metrics
from chalicelib.domain.errors import Conflict, InvalidTransition, NotFound, Reason
from chalicelib.domain.identity import Caller
from chalicelib.domain.order_rules import (
    RELEASES_STOCK,
    Actor,
    FailureReason,
    Status,
    transition,
)
from chalicelib.storage import orders
from chalicelib.storage.models import Order
from chalicelib.storage.paging import Page

_MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Note:
    """What a move records beside the status: a shipment's tracking number, a failure's reason."""

    tracking_number: str | None = None
    failure_reason: FailureReason | None = None


def load(order_id: str) -> Order:
    """An order by id (strongly consistent); NotFound if there is none."""
    order = orders.load(order_id)
    if order is None:
        raise NotFound(f"No order {order_id}")
    return order


def _visible(caller: Caller, order_id: str) -> Order:
    order = load(order_id)
    if order.user_id != caller.user_id and not caller.is_admin:
        raise NotFound(f"No order {order_id}")  # never reveal that someone else's order exists
    return order


def get_order(caller: Caller, order_id: str) -> Order:
    """An order its owner or an admin may see; NotFound for anyone else."""
    return _visible(caller, order_id)


def list_mine(caller: Caller, limit: int, cursor: str | None) -> Page[Order]:
    """One page of the caller's orders, newest first."""
    return orders.page_of_user(caller.user_id, limit, cursor)


def list_by_status(caller: Caller, status: str, limit: int, cursor: str | None) -> Page[Order]:
    """One page of all orders in a status, newest first (for admins)."""
    return orders.page_in_status(status, f"admin-orders:{status}:{caller.user_id}", limit, cursor)


def cancel(caller: Caller, order_id: str) -> Order:
    """Cancel the caller's order (or any, for an admin) while it is PENDING or CONFIRMED."""
    order = _visible(caller, order_id)
    actor = Actor.ADMIN if caller.is_admin else Actor.SHOPPER
    return move(order_id, Status.CANCELLED, actor, current=order)


def admin_move(order_id: str, target: str) -> Order:
    """An admin's status change, if the state machine allows it."""
    return move(order_id, target, Actor.ADMIN)


def _observe(order: Order, status: Status, note: Note) -> None:
    """The metrics a move makes: payment failures by reason, and the pipeline's lag."""
    if status == Status.PAYMENT_FAILED and note.failure_reason is not None:
        metrics.emit(metrics.PAYMENT_FAILURES, 1, Reason=note.failure_reason.value)
    elif status == Status.FULFILLED:
        lag = clock.now() - clock.parse(order.created_at)
        metrics.emit(metrics.PIPELINE_LAG_SECONDS, lag.total_seconds())


def move(
    order_id: str,
    target: str,
    actor: Actor,
    *,
    note: Note | None = None,
    current: Order | None = None,
) -> Order:
    """Move an order to `target`, conditional on the status it moves from.

    `current` is the order as the caller just read it, saving a read; if it is stale, or a
    concurrent change lands first, the write fails, the order is re-read and the move re-judged,
    so a late or duplicate event can never overwrite a newer state.
    """
    note = note or Note()
    order = current
    for _ in range(_MAX_ATTEMPTS):
        order = order if order is not None else load(order_id)
        new_status = transition(order.status, target, actor)
        change = orders.Move(
            new_status,
            clock.iso(clock.now()),
            tracking_number=note.tracking_number,
            failure_reason=note.failure_reason.value if note.failure_reason is not None else None,
            release_stock=new_status in RELEASES_STOCK,
        )
        if orders.move(order, change):
            _observe(order, new_status, note)
            return order
        order = None
    raise Conflict(f"Order {order_id} kept changing; try again", Reason.CONCURRENT_UPDATE)


def expire_unpaid(timeout_seconds: int, limit: int = 500) -> int:
    """Fail the PENDING orders placed more than `timeout_seconds` ago (reason: timeout); how many.

    A Query of the status index, oldest first, up to `limit` per run; each move is conditional on
    PENDING, so an order paid or cancelled meanwhile is left alone.
    """
    cutoff = clock.sort_key(clock.now() - timedelta(seconds=timeout_seconds), "")
    expired = 0
    for order in orders.pending_before(cutoff, limit):
        try:
            move(
                order.order_id,
                Status.PAYMENT_FAILED,
                Actor.SYSTEM,
                note=Note(failure_reason=FailureReason.TIMEOUT),
            )
        except (InvalidTransition, NotFound):
            continue
        expired += 1
    return expired
