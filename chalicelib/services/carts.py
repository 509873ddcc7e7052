"""The shopper's cart: one item per user, holding variants, priced from the catalog at read time."""

from __future__ import annotations

from dataclasses import dataclass, replace

from chalicelib import clock
from chalicelib.domain import limits, pricing, variants
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, Reason
from chalicelib.domain.identity import Caller
from chalicelib.domain.promotions import Promotion, discount_cents
from chalicelib.domain.totals import (
    NotShipped,
    ShippingOption,
    ShipTo,
    price_order,
    shipping_options,
)
from chalicelib.services import catalog, profiles, promotions, shop_config
from chalicelib.storage import carts
from chalicelib.storage.models import Cart


@dataclass(frozen=True)
class PricedCart:
    """A cart priced now: its lines, their total, and the variants set apart as unavailable.

    With a destination (`country`) it also has its shipping options, shipping and tax; without
    one those are None (unless no zone and no rate exist: then they are 0 for every country).
    """

    lines: list[pricing.Line]
    total_cents: int
    currency: str
    unavailable: list[str]
    subtotal_cents: int = 0
    discount_cents: int = 0
    shipping_cents: int | None = 0
    tax_cents: int | None = 0
    promotion_code: str | None = None
    promotion_error: str | None = None
    shipping_options: tuple[ShippingOption, ...] | None = None


@dataclass(frozen=True)
class Destination:
    """Where a cart would ship: a country (from the query or the profile) and a chosen method."""

    country: str | None = None
    shipping_method: str | None = None
    from_profile: bool = False  # look the country up in the caller's profile when none is given


def view(
    cart: Cart | None,
    destination: Destination | None = None,
    *,
    user_id: str = "",
    checked: Promotion | None = None,
) -> PricedCart:
    """A cart priced now, its promotion re-checked, and its totals for a destination.

    `checked` is the cart's promotion when the caller has just checked it (saves the read).
    """
    base = _lines(cart)
    user_id = user_id or (str(cart.user_id) if cart is not None else "")
    code = cart.promotion_code if cart is not None else None
    if not code:
        return _totals(base, _Code(), destination, user_id)
    if checked is not None:
        return _totals(base, _Code(code, checked), destination, user_id)
    promotion, error = promotions.problem(
        code, user_id, currency=base.currency, subtotal_cents=base.total_cents
    )
    return _totals(base, _Code(code, promotion, error), destination, user_id)


@dataclass(frozen=True)
class _Code:
    """The cart's promotion code, the promotion if it applies, else the reason it does not."""

    code: str | None = None
    promotion: Promotion | None = None
    error: str | None = None


def _totals(
    base: PricedCart, applied: _Code, destination: Destination | None, user_id: str
) -> PricedCart:
    subtotal = base.total_cents
    promotion = applied.promotion
    discount = discount_cents(promotion, subtotal)
    config = shop_config.current()
    country = destination.country if destination else None
    # With no zone and no rate every country prices the same: the profile is not read.
    if (
        country is None
        and destination
        and destination.from_profile
        and user_id
        and (config.zones or config.rates)
    ):
        country = profiles.country_of(user_id)
    shipping: int | None = 0 if not (config.zones or config.rates) else None
    tax: int | None = shipping
    total = subtotal - discount
    options: tuple[ShippingOption, ...] | None = None
    if country is not None:
        options = shipping_options(config.zones, country, base.currency, subtotal - discount)
        try:
            totals = price_order(
                [line.line_total_cents for line in base.lines],
                ShipTo(country, destination.shipping_method if destination else None),
                currency=base.currency,
                promotion=promotion,
                rules=config,
            )
        except NotShipped:
            shipping = tax = None
        else:
            shipping, tax, total = totals.shipping_cents, totals.tax_cents, totals.total_cents
    return replace(
        base,
        total_cents=total,
        subtotal_cents=subtotal,
        discount_cents=discount,
        shipping_cents=shipping,
        tax_cents=tax,
        promotion_code=applied.code,
        promotion_error=applied.error,
        shipping_options=options,
    )


def _lines(cart: Cart | None) -> PricedCart:
    """A cart's lines priced from the catalog now; archived variants or products, a product that
    gained options since it was added, and other-currency products are set apart (`unavailable`).
    """
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


def get_cart(caller: Caller, destination: Destination | None = None) -> PricedCart:
    """The caller's priced cart, with its totals for a destination (else the profile's)."""
    where = destination or Destination(from_profile=True)
    return view(carts.load(caller.user_id), where, user_id=caller.user_id)


def apply_promotion(caller: Caller, code: str, destination: Destination) -> PricedCart:
    """Put a promotion code on the cart if it applies to it; the 400 or 409 saying why not."""
    cart = carts.load(caller.user_id)
    base = _lines(cart)
    promotion = promotions.applicable(
        code, caller.user_id, currency=base.currency, subtotal_cents=base.total_cents
    )
    carts.set_promotion(caller.user_id, promotion.code, clock.iso(clock.now()))
    return _totals(base, _Code(promotion.code, promotion), destination, caller.user_id)


def remove_promotion(caller: Caller, destination: Destination) -> PricedCart:
    """Take the promotion code off the cart."""
    carts.set_promotion(caller.user_id, None, clock.iso(clock.now()))
    return _totals(_lines(carts.load(caller.user_id)), _Code(), destination, caller.user_id)


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
