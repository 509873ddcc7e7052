"""The shopper's cart: one item per user, priced from the catalog at read time."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import size

from chalicelib import clock
from chalicelib.domain import pricing, variants
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.identity import Caller
from chalicelib.services import catalog
from chalicelib.storage.models import Cart, condition_failed


def load(user_id: str) -> Cart | None:
    """The user's cart item, or None if they have none."""
    try:
        return Cart.get(user_id)
    except DoesNotExist:
        return None


def view(cart: Cart | None) -> dict[str, Any]:
    """A cart priced from the catalog now; archived variants or products, a product that gained
    options since it was added, and other-currency products are set apart as `unavailable`."""
    lines = dict(cart.lines.as_dict()) if cart is not None else {}
    known = catalog.snapshots(list(lines))
    active = [
        vid for vid in lines if vid in known and known[vid].active and not known[vid].needs_choice
    ]
    currency = (cart.currency if cart is not None else None) or (
        known[active[0]].currency if active else "USD"
    )
    available = [(pid, int(lines[pid])) for pid in active if known[pid].currency == currency]
    priced = pricing.price(available, known) if available else []
    taken = {pid for pid, _ in available}
    return {
        "items": [line.as_dict() for line in priced],
        "totalCents": pricing.total(priced),
        "currency": currency,
        "unavailable": sorted(pid for pid in lines if pid not in taken),
    }


def get_cart(caller: Caller) -> dict[str, Any]:
    """The caller's priced cart."""
    return view(load(caller.user_id))


def _variant(variant_id: str) -> pricing.Snapshot:
    """A variant on sale (one GetItem of its product); NotFound, or InvalidInput for a product with
    options named bare."""
    product = catalog.active_product(variants.product_of(variant_id))
    found = catalog.snapshot(product, variant_id)
    if found is None or not found.active:
        raise NotFound(f"No product or variant {variant_id}")
    if found.needs_choice:
        raise InvalidInput(f"{variant_id} has options: choose a variant")
    return found


def set_item(caller: Caller, product_id: str, quantity: int) -> dict[str, Any]:
    """Put a variant (or a product without options) in the cart; Conflict above its stock."""
    variant = _variant(product_id)
    if quantity > variant.stock:
        raise Conflict(f"only {variant.stock} of {variant.name} ({product_id}) in stock")
    cart = Cart(caller.user_id)
    stamp = clock.iso(clock.now())
    currency = variant.currency
    room = Cart.lines[product_id].exists() | (size(Cart.lines) < pricing.MAX_LINES)
    # One cart, one currency: an order is paid in one currency (an emptied cart may switch).
    same_currency = (
        Cart.currency.does_not_exist() | (Cart.currency == currency) | (size(Cart.lines) == 0)
    )
    try:
        cart.update(
            actions=[
                Cart.lines[product_id].set(quantity),
                Cart.currency.set(currency),
                Cart.version.add(1),
                Cart.updated_at.set(stamp),
            ],
            condition=Cart.lines.exists() & room & same_currency,
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        cart = _first_line(caller.user_id, product_id, quantity, currency, stamp)
    return view(cart)


def _first_line(user_id: str, product_id: str, quantity: int, currency: str, stamp: str) -> Cart:
    existing = load(user_id)
    if existing is not None and existing.lines is not None:
        _explain_refusal(existing, currency)
    cart = Cart(
        user_id, lines={product_id: quantity}, currency=currency, version=1, updated_at=stamp
    )
    try:
        cart.save(condition=Cart.user_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            raise Conflict("the cart changed at the same time; try again") from None
        raise
    return cart


def _explain_refusal(existing: Cart, currency: str) -> None:
    lines = dict(existing.lines.as_dict())
    if lines and existing.currency not in (None, currency):
        raise Conflict(
            f"the cart holds {existing.currency} products; a {currency} product cannot join "
            "them (check out or empty the cart first)"
        )
    if len(lines) >= pricing.MAX_LINES:
        raise InvalidInput(f"the cart holds at most {pricing.MAX_LINES} products")
    raise Conflict("the cart changed at the same time; try again")


def remove_item(caller: Caller, product_id: str) -> dict[str, Any]:
    """Take a product out of the cart."""
    cart = Cart(caller.user_id)
    try:
        cart.update(
            actions=[Cart.lines[product_id].remove(), Cart.version.add(1)],
            condition=Cart.lines.exists(),
        )
    except UpdateError as exc:
        if not condition_failed(exc):
            raise
        return view(None)
    return view(cart)


def clear(caller: Caller) -> None:
    """Empty the cart."""
    Cart(caller.user_id).delete()
