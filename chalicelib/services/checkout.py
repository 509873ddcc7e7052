"""Checkout: price from the catalog, reserve every line's stock and place the order in one step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib import clock, log, metrics
from chalicelib.domain import pricing
from chalicelib.domain.errors import Conflict, InvalidInput, OutOfStock, Reason, ShopError
from chalicelib.domain.identity import Caller
from chalicelib.domain.order_rules import Status
from chalicelib.domain.promotions import (
    Promotion,
    PromotionProblem,
    PromotionRejected,
    PromotionUnavailable,
    promotion_error,
)
from chalicelib.domain.totals import ShipTo, Totals, price_order
from chalicelib.services import catalog, idempotency, orders, profiles, promotions, shop_config
from chalicelib.storage import carts
from chalicelib.storage import orders as order_table
from chalicelib.storage import pricing as pricing_table
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


@dataclass(frozen=True)
class _Priced:
    """An order priced and not yet placed: what its transaction reserves and redeems."""

    order: Order
    reserve: list[tuple[str, int]]
    cart: Cart | None
    redemption: pricing_table.Redemption | None


def quote(caller: Caller, data: dict[str, Any]) -> Order:
    """The order a checkout would place now, priced the same way; nothing is written."""
    return _price(caller, data, "").order


def _place(caller: Caller, data: dict[str, Any], order_id: str) -> Order:
    priced = _price(caller, data, order_id)
    try:
        order_table.place(priced.order, priced.reserve, priced.cart, priced.redemption)
    except order_table.Refused as refused:
        if refused.exists:
            return orders.load(order_id)
        if refused.short:
            raise OutOfStock(refused.short) from None
        if refused.promotion or refused.promotion_used:
            raise _promotion_refused(caller, priced, refused) from None
        raise Conflict(
            "the cart changed during checkout; review it and try again", Reason.CART_CHANGED
        ) from None
    metrics.emit(metrics.ORDERS_PLACED, 1)
    return priced.order


def _promotion_refused(caller: Caller, priced: _Priced, refused: order_table.Refused) -> Exception:
    """Why the transaction refused the promotion: the rule it breaks now, read again."""
    code = str(priced.order.promotion_code)
    problem = PromotionProblem.ALREADY_USED if refused.promotion_used else PromotionProblem.USED_UP
    if not refused.promotion_used:
        try:
            promotions.applicable(
                code,
                caller.user_id,
                currency=priced.order.currency,
                subtotal_cents=int(priced.order.subtotal_cents),
                held_by_cart=priced.cart is not None,
            )
        except (PromotionRejected, PromotionUnavailable) as exc:
            return exc
    return promotion_error(code, problem, None)


def _price(caller: Caller, data: dict[str, Any], order_id: str) -> _Priced:
    if "promotionCode" in data and "items" not in data:
        raise InvalidInput(
            "promotionCode: a cart checkout uses the cart's code (PUT /cart/promotion)"
        )
    requested, cart = _requested(caller, data)
    snapshots = catalog.snapshots([vid for vid, _ in requested])
    lines = pricing.price(requested, snapshots)
    short = pricing.short_of_stock(lines, snapshots)
    if short:
        raise OutOfStock(short)
    currency = snapshots[lines[0].variant].currency
    code = data.get("promotionCode") or (cart.promotion_code if cart is not None else None)
    promotion = None
    if code:
        promotion = promotions.applicable(
            code,
            caller.user_id,
            currency=currency,
            subtotal_cents=pricing.total(lines),
            held_by_cart=cart is not None,
        )
    config = shop_config.current()
    country = data["shippingAddress"]["country"]
    totals = price_order(
        [line.line_total_cents for line in lines],
        ShipTo(country, data.get("shippingMethod")),
        currency=currency,
        promotion=promotion,
        rules=config,
    )
    order = _new_order(caller, order_id, lines, currency, data)
    _add_totals(order, totals, promotion)
    redemption = None
    if promotion is not None:
        redemption = pricing_table.Redemption(
            code=promotion.code,
            user_id=caller.user_id,
            order_id=order_id,
            limited=promotion.max_redemptions is not None,
            once_per_customer=promotion.once_per_customer,
        )
    reserve = [(line.variant, line.quantity) for line in lines]
    return _Priced(order, reserve, cart, redemption)


def _add_totals(order: Order, totals: Totals, promotion: Promotion | None) -> None:
    """Every money component on the order, and each line's shares, in the order of pricing."""
    order.subtotal_cents = totals.subtotal_cents
    order.discount_cents = totals.discount_cents
    order.shipping_cents = totals.shipping_cents
    order.shipping_tax_cents = totals.shipping_tax_cents
    order.tax_cents = totals.tax_cents
    order.tax_rate_basis_points = totals.tax_rate_basis_points
    order.tax_inclusive = totals.tax_inclusive
    order.total_cents = totals.total_cents
    order.refunded_cents = 0
    order.shipping_method = totals.shipping_method
    order.promotion_code = promotion.code if promotion else None
    order.promotion_once_per_customer = promotion.once_per_customer if promotion else None
    for line, share in zip(order.items, totals.lines, strict=True):
        line.discount_cents = share.discount_cents
        line.tax_cents = share.tax_cents


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
