"""The orders table's door: reads, lists, placing an order with its stock, and status moves."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib.domain import variants
from chalicelib.domain.order_rules import Status
from chalicelib.storage import pricing
from chalicelib.storage.models import Cart, HistoryEntry, Order, Product, condition_failed
from chalicelib.storage.paging import Listing, Page, newest_first
from chalicelib.storage.transactions import Cancelled, Transaction, with_retries


def load(order_id: str) -> Order | None:
    """An order by id (strongly consistent), or None."""
    try:
        return Order.get(order_id, consistent_read=True)
    except DoesNotExist:
        return None


def page_of_user(user_id: str, limit: int, cursor: str | None) -> Page[Order]:
    """One page of a user's orders, newest first."""
    listing = Listing(
        Order.user_index, user_id, "userId", ("orderId", "userId", "sortKey"), f"orders:{user_id}"
    )
    return newest_first(listing, limit=limit, cursor=cursor)


def page_in_status(status: str, scope: str, limit: int, cursor: str | None) -> Page[Order]:
    """One page of all orders in a status, newest first; cursors are signed for `scope`."""
    listing = Listing(Order.status_index, status, "status", ("orderId", "status", "sortKey"), scope)
    return newest_first(listing, limit=limit, cursor=cursor)


@dataclass
class Refused(Exception):
    """Placing the order wrote nothing, because of what these fields say."""

    exists: bool = False  # the order id is taken: a retry of a checkout that already committed
    short: list[str] = field(default_factory=list)  # variants without the stock asked for
    cart_changed: bool = False  # the cart is not the version that was priced
    promotion: bool = False  # the promotion is used up or no longer active
    promotion_used: bool = False  # the user has redeemed this oncePerCustomer code already


def _by_product(reserve: list[tuple[str, int]]) -> dict[str, list[tuple[str, int]]]:
    """(variant, quantity) pairs grouped by their product: a transaction touches each item once."""
    groups: dict[str, list[tuple[str, int]]] = {}
    for variant, quantity in reserve:
        groups.setdefault(variants.product_of(variant), []).append((variant, quantity))
    return groups


def _reservation(product_id: str, lines: list[tuple[str, int]]) -> tuple[list[Any], Any]:
    """The actions and condition that take one product's lines out of its stock, or fail whole.

    A product without options keeps its stock in `stock`; a variant keeps its own in the product's
    `variants` map, so several variants of one product are reserved by one UpdateItem.
    """
    condition: Any = Product.archived == False  # noqa: E712
    actions: list[Any] = []
    for variant_id, quantity in lines:
        if variant_id == product_id:
            actions.append(Product.stock.add(-quantity))
            condition &= (Product.stock >= quantity) & Product.variants.does_not_exist()
            continue
        variant = Product.variants[variant_id]
        actions.append(variant["stock"].set(variant["stock"] - quantity))
        condition &= (variant["stock"] >= quantity) & (variant["archived"] == False)  # noqa: E712
    return actions, condition


def place(
    order: Order,
    reserve: list[tuple[str, int]],
    cart: Cart | None,
    redemption: pricing.Redemption | None = None,
) -> None:
    """Put a new order, take each (variant, quantity)'s stock, redeem its promotion and delete the
    priced cart: all, or Refused. Conflicts with concurrent transactions are retried, then
    `Unavailable` (a 503)."""
    groups = _by_product(reserve)
    transaction = Transaction()
    if redemption is not None:
        pricing.add_redemption(transaction, redemption)
    if cart is not None:
        transaction.delete("cart", cart, condition=Cart.version == cart.version)
    transaction.put("order", order, condition=Order.order_id.does_not_exist())
    for product_id, lines in groups.items():
        actions, condition = _reservation(product_id, lines)
        transaction.update(("stock", product_id), Product(product_id), actions, condition)
    try:
        with_retries(transaction.commit)  # a hot product's conflicts are retried, then a 503
    except Cancelled as cancelled:
        failed = cancelled.failed
        raise Refused(
            exists="order" in failed,
            short=[
                variant
                for product_id, lines in groups.items()
                if ("stock", product_id) in failed
                for variant, _ in lines
            ],
            cart_changed="cart" in failed,
            promotion="promotion" in failed,
            promotion_used="promotion-user" in failed,
        ) from None


@dataclass(frozen=True)
class Move:
    """A status move: where to, when, and what it records beside the status."""

    status: Status
    stamp: str
    tracking_number: str | None = None
    failure_reason: str | None = None
    release_stock: bool = False  # the order's lines' stock comes back in the same transaction


def move(order: Order, change: Move) -> bool:
    """Move `order` (as read) to a status, conditional on the status it had; False if it changed.

    On success the order in hand shows the move.
    """
    entry = HistoryEntry(status=change.status.value, at=change.stamp)
    actions: list[Any] = [
        Order.status.set(change.status.value),
        Order.updated_at.set(change.stamp),
        Order.history.set(Order.history.append([entry])),
    ]
    if change.tracking_number is not None:
        actions.append(Order.tracking_number.set(change.tracking_number))
    if change.failure_reason is not None:
        actions.append(Order.failure_reason.set(change.failure_reason))
    condition = Order.status == order.status
    if not change.release_stock:
        try:
            order.update(actions=actions, condition=condition)  # answers the new item
        except UpdateError as exc:
            if condition_failed(exc):
                return False
            raise
        return True
    if not _move_releasing_stock(order, actions, condition):
        return False
    # A transaction answers nothing: apply the same change to the copy in hand.
    order.status, order.updated_at = change.status.value, change.stamp
    order.failure_reason = change.failure_reason or order.failure_reason
    order.history = [*order.history, entry]
    return True


def _restock(variant: str, quantity: int) -> Any:
    """The action that gives a variant its units back (a product's own variant: its stock)."""
    if variant == variants.product_of(variant):
        return Product.stock.add(quantity)
    stock = Product.variants[variant]["stock"]
    return stock.set(stock + quantity)


def _move_releasing_stock(order: Order, actions: list[Any], condition: Any) -> bool:
    # The status change and the stock coming back are one transaction: never one without the other.
    # A release is never refused: it may take stock above the cap that admin deltas respect.
    # Lines placed before variants read as the product's own variant.
    lines = [(line.variant_id or line.product_id, int(line.quantity)) for line in order.items]
    transaction = Transaction()
    transaction.update("order", order, actions=actions, condition=condition)
    for product_id, group in _by_product(lines).items():
        transaction.update(
            ("stock", product_id),
            Product(product_id),
            actions=[_restock(variant, quantity) for variant, quantity in group],
            condition=Product.product_id.exists(),
        )
    redemption = redemption_of(order)
    if redemption is not None:  # given back exactly once: with the one move that releases stock
        pricing.add_release(transaction, redemption)
    try:
        with_retries(transaction.commit)
    except Cancelled as cancelled:
        if "order" in cancelled.failed:
            return False
        raise
    return True


def pending_before(cutoff: str, limit: int) -> list[Order]:
    """PENDING orders whose sort key is below `cutoff`, oldest first, at most `limit` (a Query)."""
    return list(
        Order.status_index.query(
            Status.PENDING.value, Order.sort_key < cutoff, limit=limit, scan_index_forward=True
        )
    )


def redemption_of(order: Order) -> pricing.Redemption | None:
    """The promotion an order redeemed, if any."""
    if not order.promotion_code:
        return None
    return pricing.Redemption(
        code=order.promotion_code,
        user_id=order.user_id,
        order_id=order.order_id,
        limited=True,
        once_per_customer=bool(order.promotion_once_per_customer),
    )


def snapshot(order: Order) -> str:
    """An order as JSON that `from_snapshot` restores exactly (DynamoDB's own attribute form)."""
    return json.dumps(order.serialize(), sort_keys=True, separators=(",", ":"))


def from_snapshot(data: str) -> Order:
    """The order a `snapshot` was taken of."""
    return Order.from_raw_data(json.loads(data))
