"""Orders after checkout: reading them, and every status move, written conditionally."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import clock
from chalicelib.domain import variants as variant_ids
from chalicelib.domain.errors import Conflict, InvalidTransition, NotFound
from chalicelib.domain.identity import Caller
from chalicelib.domain.order_rules import (
    RELEASES_STOCK,
    Actor,
    FailureReason,
    Status,
    transition,
)
from chalicelib.services import profiles
from chalicelib.storage import models, paging, transactions
from chalicelib.storage.models import HistoryEntry, Order, Product

_MAX_ATTEMPTS = 3


def render(order: Order) -> dict[str, Any]:
    """An order as the contract shows it."""
    return {
        "orderId": order.order_id,
        "userId": order.user_id,
        "status": order.status,
        "failureReason": order.failure_reason,
        "items": [
            {
                "productId": line.product_id,
                # Lines placed before variants read as the product's own variant.
                "variantId": line.variant_id or line.product_id,
                "sku": line.sku,
                "options": line.options.as_dict() if line.options is not None else {},
                "name": line.name,
                "quantity": int(line.quantity),
                "unitPriceCents": int(line.unit_price_cents),
                "lineTotalCents": int(line.line_total_cents),
            }
            for line in order.items
        ],
        "totalCents": int(order.total_cents),
        "currency": order.currency,
        "shippingAddress": profiles.render_address(order.shipping_address),
        "trackingNumber": order.tracking_number,
        "history": [{"status": entry.status, "at": entry.at} for entry in order.history],
        "createdAt": order.created_at,
        "updatedAt": order.updated_at,
    }


def load(order_id: str) -> Order:
    """An order by id (strongly consistent); NotFound if there is none."""
    try:
        return Order.get(order_id, consistent_read=True)
    except DoesNotExist:
        raise NotFound(f"No order {order_id}") from None


def _visible(caller: Caller, order_id: str) -> Order:
    order = load(order_id)
    if order.user_id != caller.user_id and not caller.is_admin:
        raise NotFound(f"No order {order_id}")  # never reveal that someone else's order exists
    return order


def get_order(caller: Caller, order_id: str) -> dict[str, Any]:
    """An order its owner or an admin may see; NotFound for anyone else."""
    return render(_visible(caller, order_id))


def list_mine(caller: Caller, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of the caller's orders, newest first."""
    return paging.newest_first(
        Order.user_index,
        caller.user_id,
        limit=limit,
        cursor=cursor,
        scope=f"orders:{caller.user_id}",
        hash_attribute="userId",
        key_attributes=("orderId", "userId", "sortKey"),
        render=render,
    )


def list_by_status(caller: Caller, status: str, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of all orders in a status, newest first (for admins)."""
    return paging.newest_first(
        Order.status_index,
        status,
        limit=limit,
        cursor=cursor,
        scope=f"admin-orders:{status}:{caller.user_id}",
        hash_attribute="status",
        key_attributes=("orderId", "status", "sortKey"),
        render=render,
    )


def cancel(caller: Caller, order_id: str) -> dict[str, Any]:
    """Cancel the caller's order (or any, for an admin) while it is PENDING or CONFIRMED."""
    order = _visible(caller, order_id)
    actor = Actor.ADMIN if caller.is_admin else Actor.SHOPPER
    return move(order_id, Status.CANCELLED, actor, current=order)


def admin_move(order_id: str, target: str) -> dict[str, Any]:
    """An admin's status change, if the state machine allows it."""
    return move(order_id, target, Actor.ADMIN)


def move(
    order_id: str,
    target: str,
    actor: Actor,
    *,
    tracking_number: str | None = None,
    failure_reason: FailureReason | None = None,
    current: Order | None = None,
) -> dict[str, Any]:
    """Move an order to `target`, conditional on the status it moves from.

    `current` is the order as the caller just read it, saving a read; if it is stale, or a
    concurrent change lands first, the write fails, the order is re-read and the move re-judged,
    so a late or duplicate event can never overwrite a newer state.
    """
    order = current
    for _ in range(_MAX_ATTEMPTS):
        order = order if order is not None else load(order_id)
        new_status = transition(order.status, target, actor)
        if _write_move(order, new_status, tracking_number, failure_reason):
            return render(order)
        order = None
    raise Conflict(f"Order {order_id} kept changing; try again")


def _write_move(
    order: Order, new_status: Status, tracking_number: str | None, reason: FailureReason | None
) -> bool:
    stamp = clock.iso(clock.now())
    entry = HistoryEntry(status=new_status.value, at=stamp)
    actions: list[Any] = [
        Order.status.set(new_status.value),
        Order.updated_at.set(stamp),
        Order.history.set(Order.history.append([entry])),
    ]
    if tracking_number is not None:
        actions.append(Order.tracking_number.set(tracking_number))
    if reason is not None:
        actions.append(Order.failure_reason.set(reason.value))
    condition = Order.status == order.status
    if new_status not in RELEASES_STOCK:
        try:
            order.update(actions=actions, condition=condition)  # answers the new item
        except UpdateError as exc:
            if models.condition_failed(exc):
                return False
            raise
        return True
    if not _write_move_releasing_stock(order, actions, condition):
        return False
    # A transaction answers nothing: apply the same change to the copy in hand.
    order.status, order.updated_at = new_status.value, stamp
    order.failure_reason = reason.value if reason is not None else order.failure_reason
    order.history = [*order.history, entry]
    return True


def _lines_by_product(order: Order) -> dict[str, list[tuple[str, int]]]:
    """Each product's (variant, quantity) pairs of an order: one update per product item."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for line in order.items:
        variant = line.variant_id or line.product_id
        groups.setdefault(line.product_id, []).append((variant, int(line.quantity)))
    return groups


def _restock(variant: str, quantity: int) -> Any:
    """The action that gives a variant its units back (a product's own variant: its stock)."""
    if variant == variant_ids.product_of(variant):
        return Product.stock.add(quantity)
    stock = Product.variants[variant]["stock"]
    return stock.set(stock + quantity)


def _write_move_releasing_stock(order: Order, actions: list[Any], condition: Any) -> bool:
    # The status change and the stock coming back are one transaction: never one without the other.
    # A release is never refused: it may take stock above the cap that admin deltas respect.
    def write() -> None:
        with TransactWrite(connection=models.transactions()) as transaction:
            transaction.update(order, actions=actions, condition=condition)
            for product_id, lines in _lines_by_product(order).items():
                transaction.update(
                    Product(product_id),
                    actions=[_restock(variant, quantity) for variant, quantity in lines],
                    condition=Product.product_id.exists(),
                )

    try:
        transactions.with_retries(write)
    except TransactWriteError as exc:
        reasons = exc.cancellation_reasons
        if reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            return False
        raise
    return True


def expire_unpaid(timeout_seconds: int, limit: int = 500) -> int:
    """Fail the PENDING orders placed more than `timeout_seconds` ago (reason: timeout); how many.

    A Query of the status index, oldest first, up to `limit` per run; each move is conditional on
    PENDING, so an order paid or cancelled meanwhile is left alone.
    """
    cutoff = clock.sort_key(clock.now() - timedelta(seconds=timeout_seconds), "")
    expired = 0
    for order in Order.status_index.query(
        Status.PENDING.value, Order.sort_key < cutoff, limit=limit, scan_index_forward=True
    ):
        try:
            move(
                order.order_id,
                Status.PAYMENT_FAILED,
                Actor.SYSTEM,
                failure_reason=FailureReason.TIMEOUT,
            )
        except (InvalidTransition, NotFound):
            continue
        expired += 1
    return expired
