"""Checkout: price from the catalog, reserve every line's stock and place the order in one step."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import clock
from chalicelib.domain import pricing
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, OutOfStock, ShopError
from chalicelib.domain.identity import Caller
from chalicelib.domain.order_rules import Status
from chalicelib.services import carts, catalog, idempotency, orders, profiles
from chalicelib.storage import models, transactions
from chalicelib.storage.models import Cart, HistoryEntry, Order, OrderLine, Product

CREATED = 201


class _AlreadyPlaced(Exception):
    """The order id exists: a retry of a checkout that already committed."""


def place(caller: Caller, data: dict[str, Any], key: str | None) -> tuple[int, Any, bool]:
    """Place an order once per Idempotency-Key: (status, body, replayed)."""
    if key is None:
        return CREATED, _place(caller, data, clock.new_id("ord")), False
    fingerprint = idempotency.request_hash("POST", "/orders", data)
    claim = idempotency.begin(f"orders:{caller.user_id}", key, fingerprint)
    if isinstance(claim, idempotency.Replay):
        return claim.status_code, claim.body, True
    order_id = f"ord_{claim.nonce}"
    try:
        body = _placed_before(order_id) if claim.resumed else None
        if body is None:
            body = _place(caller, data, order_id)
    except ShopError:
        idempotency.release(claim)  # nothing was written: leave the key free to retry
        raise
    except Exception:
        # DynamoDB failed or timed out: the order may or may not be placed. Keep the claim and its
        # order id, but let a retry resume at once: it finds the order if it was placed, and if a
        # late commit races it, the order's attribute_not_exists condition lets only one win.
        idempotency.unlock(claim)
        raise
    try:
        idempotency.complete(claim, CREATED, body)
    except Exception:
        idempotency.unlock(claim)  # the order is placed: a retry resumes and answers it
        raise
    return CREATED, body, False


def _placed_before(order_id: str) -> dict[str, Any] | None:
    """The order a crashed first attempt placed, if it got that far."""
    try:
        return orders.render(orders.load(order_id))
    except NotFound:
        return None


def _requested(caller: Caller, data: dict[str, Any]) -> tuple[list[tuple[str, int]], Cart | None]:
    if "items" in data:
        return pricing.requested_lines(data["items"]), None
    cart = carts.load(caller.user_id)
    lines = dict(cart.lines.as_dict()) if cart is not None else {}
    if not lines:
        raise InvalidInput("items: the cart is empty")
    return pricing.requested_lines(
        [{"variantId": vid, "quantity": int(q)} for vid, q in lines.items()]
    ), cart


def _place(caller: Caller, data: dict[str, Any], order_id: str) -> dict[str, Any]:
    requested, cart = _requested(caller, data)
    snapshots = catalog.snapshots([pid for pid, _ in requested])
    lines = pricing.price(requested, snapshots)
    short = pricing.short_of_stock(lines, snapshots)
    if short:
        raise OutOfStock(short)
    currency = snapshots[lines[0].variant].currency
    order = _new_order(caller, order_id, lines, currency, data)
    try:
        _reserve_and_save(order, lines, cart)
    except _AlreadyPlaced:
        return orders.render(orders.load(order_id))
    return orders.render(order)


def _new_order(
    caller: Caller, order_id: str, lines: list[pricing.Line], currency: str, data: dict[str, Any]
) -> Order:
    moment = clock.now()
    stamp = clock.iso(moment)
    return Order(
        order_id,
        user_id=caller.user_id,
        contact_email=caller.email or None,
        status=Status.PENDING.value,
        items=[
            OrderLine(
                product_id=line.product_id,
                variant_id=line.variant,
                sku=line.sku,
                options=dict(line.options) or None,
                name=line.name,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                line_total_cents=line.line_total_cents,
            )
            for line in lines
        ],
        total_cents=pricing.total(lines),
        currency=currency,
        shipping_address=profiles.to_address(data["shippingAddress"]),
        payment_token=data["paymentToken"],
        history=[HistoryEntry(status=Status.PENDING.value, at=stamp)],
        created_at=stamp,
        updated_at=stamp,
        sort_key=clock.sort_key(moment, order_id),
    )


def by_product(lines: list[pricing.Line]) -> dict[str, list[pricing.Line]]:
    """The lines grouped by product: a transaction touches each item once."""
    groups: dict[str, list[pricing.Line]] = {}
    for line in lines:
        groups.setdefault(line.product_id, []).append(line)
    return groups


def _reservation(lines: list[pricing.Line]) -> tuple[list[Any], Any]:
    """The actions and condition that take one product's lines out of its stock, or fail whole.

    A product without options keeps its stock in `stock`; a variant keeps its own in the product's
    `variants` map, so several variants of one product are reserved by one UpdateItem.
    """
    condition: Any = Product.archived == False  # noqa: E712
    actions: list[Any] = []
    for line in lines:
        if line.variant == line.product_id:
            actions.append(Product.stock.add(-line.quantity))
            condition &= (Product.stock >= line.quantity) & Product.variants.does_not_exist()
            continue
        variant = Product.variants[line.variant]
        actions.append(variant["stock"].set(variant["stock"] - line.quantity))
        condition &= (variant["stock"] >= line.quantity) & (variant["archived"] == False)  # noqa: E712
    return actions, condition


def _reserve_and_save(order: Order, lines: list[pricing.Line], cart: Cart | None) -> None:
    groups = by_product(lines)

    def write() -> None:
        with TransactWrite(connection=models.transactions()) as transaction:
            for product_id, product_lines in groups.items():
                actions, condition = _reservation(product_lines)
                transaction.update(Product(product_id), actions=actions, condition=condition)
            transaction.save(order, condition=Order.order_id.does_not_exist())
            if cart is not None:
                transaction.delete(cart, condition=Cart.version == cart.version)

    try:
        transactions.with_retries(write)  # a hot product's conflicts are retried, then a 503
    except TransactWriteError as exc:
        _explain(exc, list(groups.values()), has_cart=cart is not None)
        raise


def _explain(exc: TransactWriteError, groups: list[list[pricing.Line]], *, has_cart: bool) -> None:
    """Turn a cancelled transaction into the domain error it means, if it means one."""
    # PynamoDB sends deletes, then puts, then updates: [cart?] [order] [product 1..n].
    reasons = exc.cancellation_reasons or []
    failed = {
        i for i, r in enumerate(reasons) if r is not None and r.code == "ConditionalCheckFailed"
    }
    order_index = 1 if has_cart else 0
    if order_index in failed:
        raise _AlreadyPlaced() from None
    short = [
        line.variant
        for i, group in enumerate(groups)
        if order_index + 1 + i in failed
        for line in group
    ]
    if short:
        raise OutOfStock(short) from None
    if has_cart and 0 in failed:
        raise Conflict("the cart changed during checkout; review it and try again") from None
