"""Checkout: price from the catalog, reserve every line's stock and place the order in one step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import clock, log, metrics
from chalicelib.domain import pricing
from chalicelib.domain.errors import Conflict, InvalidInput, OutOfStock, Reason, ShopError
from chalicelib.domain.identity import Caller
from chalicelib.domain.order_rules import Status
from chalicelib.services import catalog, idempotency, orders, profiles
from chalicelib.storage import carts
from chalicelib.storage import orders as order_table
from chalicelib.storage.models import Cart, HistoryEntry, Order, OrderLine


@dataclass(frozen=True)
class Placed:
    """The order a checkout placed, and whether it is the stored answer to a repeated key."""

    order: Order
    replayed: bool


def place(caller: Caller, data: dict[str, Any], key: idempotency.Key | None) -> Placed:
    """Place an order, once per Idempotency-Key."""
    if key is None:
        return Placed(_place(caller, data, clock.new_id("ord")), replayed=False)
    claim = idempotency.begin(f"orders:{caller.user_id}", key)
    if isinstance(claim, idempotency.Replay):
        if claim.result is None:  # stored before results were (docs/decisions/0131)
            return Placed(orders.load(f"ord_{claim.nonce}"), replayed=True)
        return Placed(order_table.from_snapshot(claim.result), replayed=True)
    order_id = f"ord_{claim.nonce}"
    try:
        order = order_table.load(order_id) if claim.resumed else None
        if order is None:
            order = _place(caller, data, order_id)
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
        idempotency.complete(claim, order_table.snapshot(order))
    except Exception:
        idempotency.unlock(claim)  # the order is placed: a retry resumes and answers it
        raise
    return Placed(order, replayed=False)


def _requested(caller: Caller, data: dict[str, Any]) -> tuple[list[tuple[str, int]], Cart | None]:
    if "items" in data:
        return pricing.requested_lines(data["items"]), None
    cart = carts.load(caller.user_id)
    lines = carts.lines(cart)
    if not lines:
        raise InvalidInput("items: the cart is empty")
    return pricing.requested_lines(
        [{"variantId": vid, "quantity": q} for vid, q in lines.items()]
    ), cart


def _place(caller: Caller, data: dict[str, Any], order_id: str) -> Order:
    requested, cart = _requested(caller, data)
    snapshots = catalog.snapshots([vid for vid, _ in requested])
    lines = pricing.price(requested, snapshots)
    short = pricing.short_of_stock(lines, snapshots)
    if short:
        raise OutOfStock(short)
    currency = snapshots[lines[0].variant].currency
    order = _new_order(caller, order_id, lines, currency, data)
    try:
        order_table.place(order, [(line.variant, line.quantity) for line in lines], cart)
    except order_table.Refused as refused:
        if refused.exists:
            return orders.load(order_id)
        if refused.short:
            raise OutOfStock(refused.short) from None
        raise Conflict(
            "the cart changed during checkout; review it and try again", Reason.CART_CHANGED
        ) from None
    metrics.emit(metrics.ORDERS_PLACED, 1)
    return order


def _new_order(
    caller: Caller, order_id: str, lines: list[pricing.Line], currency: str, data: dict[str, Any]
) -> Order:
    moment = clock.now()
    stamp = clock.iso(moment)
    return Order(
        order_id,
        user_id=caller.user_id,
        contact_email=(caller.email or None) if caller.email_verified else None,
        correlation_id=log.current(log.CORRELATION_ID),
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
