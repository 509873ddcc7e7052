"""The returns table's door: reads, lists, the claim on the order, status moves, restock, refund.

Every write says what must be true (decision 0182): a return is put together with the order's
claims, conditional on the claims as read, so concurrent requests never claim a unit twice; a
status moves conditional on the status it had; the stock comes back conditional on the return
never having restocked; the refund is recorded conditional on RECEIVED.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.domain import variants as variant_ids
from chalicelib.domain.returns import ReturnLine as PlannedLine
from chalicelib.storage import models, transactions
from chalicelib.storage.models import Order, Product, Return, ReturnHistoryEntry, condition_failed
from chalicelib.storage.paging import Listing, Page, newest_first


def load(return_id: str) -> Return | None:
    """A return by id (strongly consistent), or None."""
    try:
        return Return.get(return_id, consistent_read=True)
    except DoesNotExist:
        return None


@dataclass
class ClaimRefused(Exception):
    """Creating the return wrote nothing: the id exists, or the order changed since it was read."""

    exists: bool = False
    order_changed: bool = False


def _claim_actions(order: Order, planned: Sequence[PlannedLine]) -> tuple[list[Any], Any]:
    """The order's new claims, and the condition that they still are what was read."""
    condition = Order.status == "DELIVERED"
    if order.return_claims is None:
        claims = {line.variant_id: line.claimed_after for line in planned}
        return [Order.return_claims.set(claims)], condition & Order.return_claims.does_not_exist()
    actions = []
    for line in planned:
        path = Order.return_claims[line.variant_id]
        if line.claimed_before:
            condition &= path == line.claimed_before
        else:
            condition &= path.does_not_exist() | (path == 0)
        actions.append(path.set(line.claimed_after))
    return actions, condition


def create(item: Return, order: Order, planned: Sequence[PlannedLine]) -> None:
    """Put a new return and write its claims on the order, in one transaction; or ClaimRefused."""
    actions, condition = _claim_actions(order, planned)

    def write() -> None:
        with TransactWrite(connection=models.transactions()) as transaction:
            transaction.save(item, condition=Return.return_id.does_not_exist())
            transaction.update(order, actions=actions, condition=condition)

    try:
        transactions.with_retries(write)
    except TransactWriteError as exc:
        failed = _failed(exc)
        if not failed:
            raise
        raise ClaimRefused(exists=0 in failed, order_changed=1 in failed) from None


def _failed(exc: TransactWriteError) -> set[int]:
    """The positions of a cancelled transaction's items whose condition failed."""
    reasons = exc.cancellation_reasons or []
    return {
        i
        for i, reason in enumerate(reasons)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    }


def _move_actions(item: Return, status: str, stamp: str, note: str | None) -> list[Any]:
    entry = ReturnHistoryEntry(status=status, at=stamp, note=note)
    return [
        Return.status.set(status),
        Return.updated_at.set(stamp),
        Return.history.set(Return.history.append([entry])),
        # A token belongs to the wait that the move ends.
        Return.wait_step.remove(),
        Return.wait_token.remove(),
    ]


def _apply(item: Return, status: str, stamp: str, note: str | None) -> None:
    item.status, item.updated_at = status, stamp
    item.history = [*item.history, ReturnHistoryEntry(status=status, at=stamp, note=note)]
    item.wait_step = item.wait_token = None


@dataclass(frozen=True)
class Move:
    """A status change: the new status, when, why, and what else must hold or change with it."""

    status: str
    stamp: str
    note: str | None = None
    extra: Sequence[Any] = ()
    condition: Any = None  # besides the status as read


def _when(item: Return, change: Move) -> Any:
    when = Return.status == item.status
    return when if change.condition is None else when & change.condition


def move(item: Return, change: Move) -> bool:
    """Move a return (as read) if it still has the status read and the condition holds.

    False if not. The item in hand shows the move afterwards.
    """
    actions = [*_move_actions(item, change.status, change.stamp, change.note), *change.extra]
    try:
        item.update(actions=actions, condition=_when(item, change))
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def move_releasing_claims(item: Return, change: Move) -> bool:
    """Move a return to REJECTED or EXPIRED and give its units back to the order, in one write."""
    actions = _move_actions(item, change.status, change.stamp, change.note)
    when = _when(item, change)
    release = []
    for line in item.items:
        path = Order.return_claims[line.variant_id]
        release.append(path.set(path - int(line.quantity)))

    def write() -> None:
        with TransactWrite(connection=models.transactions()) as transaction:
            transaction.update(item, actions=actions, condition=when)
            transaction.update(
                Order(item.order_id), actions=release, condition=Order.order_id.exists()
            )

    if not _committed(write):
        return False
    _apply(item, change.status, change.stamp, change.note)
    return True


def _committed(write: Any) -> bool:
    """Run a transaction whose first item is the return; False if the return's condition failed."""
    try:
        transactions.with_retries(write)
    except TransactWriteError as exc:
        if 0 in _failed(exc):
            return False
        raise
    return True


def wait_on(item: Return, step: str, token: str, status: str) -> bool:
    """Store the task token the workflow waits on, if the return is still in `status`."""
    try:
        item.update(
            actions=[Return.wait_step.set(step), Return.wait_token.set(token)],
            condition=Return.status == status,
        )
    except UpdateError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _restock(variant: str, quantity: int) -> Any:
    """The action that gives a variant its units back (a product's own variant: its stock)."""
    if variant == variant_ids.product_of(variant):
        return Product.stock.add(quantity)
    stock = Product.variants[variant]["stock"]
    return stock.set(stock + quantity)


def restock(item: Return, stamp: str) -> bool:
    """Give the return's units back to stock, once per return; False if it had already."""
    by_product: dict[str, list[Any]] = {}
    for line in item.items:
        by_product.setdefault(line.product_id, []).append(
            _restock(line.variant_id, int(line.quantity))
        )

    def write() -> None:
        with TransactWrite(connection=models.transactions()) as transaction:
            transaction.update(
                item,
                actions=[Return.restocked_at.set(stamp)],
                condition=Return.restocked_at.does_not_exist(),
            )
            for product_id, actions in by_product.items():
                # A release is never refused: it may take stock above the admin's cap.
                transaction.update(
                    Product(product_id), actions=actions, condition=Product.product_id.exists()
                )

    if not _committed(write):
        return False
    item.restocked_at = stamp
    return True


def record_refund(item: Return, stamp: str, reference: str) -> bool:
    """RECEIVED -> REFUNDED with the order's refundedCents grown, in one write; False if not."""
    actions = [
        *_move_actions(item, "REFUNDED", stamp, None),
        Return.refund_reference.set(reference),
        Return.refund_failure.remove(),
    ]

    def write() -> None:
        with TransactWrite(connection=models.transactions()) as transaction:
            transaction.update(item, actions=actions, condition=Return.status == "RECEIVED")
            transaction.update(
                Order(item.order_id),
                actions=[Order.refunded_cents.add(int(item.refund_cents))],
                condition=Order.order_id.exists(),
            )

    if not _committed(write):
        return False
    _apply(item, "REFUNDED", stamp, None)
    item.refund_reference = reference
    return True


def claims_of(order: Order) -> Mapping[str, int]:
    """What live returns claim of each variant of an order."""
    raw = order.return_claims.as_dict() if order.return_claims is not None else {}
    return {variant: int(units) for variant, units in raw.items()}


def note_refund_failure(item: Return, why: str) -> None:
    """Keep why the provider refused the refund (the workflow's error carries only a name)."""
    item.update(actions=[Return.refund_failure.set(why[:500])])


def page_of_user(user_id: str, limit: int, cursor: str | None) -> Page[Return]:
    """One page of a user's returns, newest first."""
    listing = Listing(
        Return.user_index,
        user_id,
        "userId",
        ("returnId", "userId", "sortKey"),
        f"returns:{user_id}",
    )
    return newest_first(listing, limit=limit, cursor=cursor)


def page_in_status(status: str, scope: str, limit: int, cursor: str | None) -> Page[Return]:
    """One page of all returns in a status, newest first; cursors are signed for `scope`."""
    listing = Listing(
        Return.status_index, status, "status", ("returnId", "status", "sortKey"), scope
    )
    return newest_first(listing, limit=limit, cursor=cursor)


def snapshot(item: Return) -> str:
    """A return as JSON that `from_snapshot` restores exactly (DynamoDB's own attribute form)."""
    return json.dumps(item.serialize(), sort_keys=True, separators=(",", ":"))


def from_snapshot(data: str) -> Return:
    """The return a `snapshot` was taken of."""
    return Return.from_raw_data(json.loads(data))
