"""The shopper's cart: one item per user, holding variants, priced from the catalog at read time."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import clock
from chalicelib.domain import limits, pricing, variants
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, Reason
from chalicelib.domain.identity import Caller
from chalicelib.services import catalog
from chalicelib.storage import carts
from chalicelib.storage.models import Cart


@dataclass(frozen=True)
class PricedCart:
    """A cart priced now: its lines, their total, and the variants set apart as unavailable."""

    lines: list[pricing.Line]
    total_cents: int
    currency: str
    unavailable: list[str]


def view(cart: Cart | None) -> PricedCart:
    """A cart priced from the catalog now; archived variants or products, a product that gained
    options since it was added, and other-currency products are set apart as `unavailable`."""
    lines = carts.lines(cart)
    known = catalog.snapshots(list(lines))
    active = [
        vid for vid in lines if vid in known and known[vid].active and not known[vid].needs_choice
    ]
    currency = (cart.currency if cart is not None else None) or (
        known[active[0]].currency if active else "USD"
    )
    available = [(vid, lines[vid]) for vid in active if known[vid].currency == currency]
    priced = pricing.price(available, known) if available else []
    taken = {vid for vid, _ in available}
    return PricedCart(
        priced, pricing.total(priced), currency, sorted(vid for vid in lines if vid not in taken)
    )


def get_cart(caller: Caller) -> PricedCart:
    """The caller's priced cart."""
    return view(carts.load(caller.user_id))


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


def set_item(caller: Caller, variant_id: str, quantity: int) -> PricedCart:
    """Put a variant (or a product without options) in the cart; Conflict above its stock."""
    variant = _variant(variant_id)
    if quantity > variant.stock:
        raise Conflict(
            f"only {variant.stock} of {variant.name} ({variant_id}) in stock", Reason.OUT_OF_STOCK
        )
    stamp = clock.iso(clock.now())
    cart = carts.set_line(caller.user_id, variant_id, quantity, variant.currency, stamp)
    if cart is None:
        cart = _first_line(caller.user_id, variant_id, quantity, variant.currency, stamp)
    return view(cart)


def _first_line(user_id: str, variant_id: str, quantity: int, currency: str, stamp: str) -> Cart:
    existing = carts.load(user_id)
    if existing is not None and existing.lines is not None:
        _explain_refusal(existing, currency)
    cart = carts.create(user_id, variant_id, quantity, currency, stamp)
    if cart is None:
        raise Conflict("the cart changed at the same time; try again", Reason.CONCURRENT_UPDATE)
    return cart


def _explain_refusal(existing: Cart, currency: str) -> None:
    lines = carts.lines(existing)
    if lines and existing.currency not in (None, currency):
        raise Conflict(
            f"the cart holds {existing.currency} products; a {currency} product cannot join "
            "them (check out or empty the cart first)",
            Reason.CURRENCY_MISMATCH,
        )
    if len(lines) >= limits.MAX_LINES:
        raise InvalidInput(f"the cart holds at most {limits.MAX_LINES} products")
    raise Conflict("the cart changed at the same time; try again", Reason.CONCURRENT_UPDATE)


def remove_item(caller: Caller, variant_id: str) -> PricedCart:
    """Take a variant out of the cart."""
    return view(carts.remove_line(caller.user_id, variant_id))


def clear(caller: Caller) -> None:
    """Empty the cart."""
    carts.delete(caller.user_id)
