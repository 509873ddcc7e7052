"""Checkout totals: discount, shipping and tax of an order, split over its lines to the cent. Pure.

Integers only, no float and no Decimal: every amount is a whole number of minor units and every
division is a floor division of non-negative integers, so the same cart gives the same cents on any
machine. Each order-level figure (the discount, the tax) is rounded once, then split over the lines
by largest remainder, so the lines' shares add up exactly to the order's figure and refunds rebuilt
from them never exceed what was paid. The formulas are the contract's (API.md: Promotions, Shipping
and tax, Returns); docs/pricing.md explains them with a worked example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.promotions import Promotion, discount_cents

BASIS_POINTS = 10_000
ANY_COUNTRY = "*"


class NotShipped(InvalidInput):
    """No zone (or no method in the order's currency) serves the destination country."""


class UnknownShippingMethod(InvalidInput):
    """The chosen shipping method is not offered to the destination in the order's currency."""


@dataclass(frozen=True)
class ShippingMethod:
    """A zone's flat-rate method, free from `free_over_cents` of goods (subtotal - discount) up."""

    method_id: str
    name: str
    rate_cents: int
    currency: str
    free_over_cents: int | None = None

    def rate_for(self, goods_cents: int) -> int:
        """The rate this method charges for goods worth goods_cents (subtotal - discount)."""
        if self.free_over_cents is not None and goods_cents >= self.free_over_cents:
            return 0
        return self.rate_cents


@dataclass(frozen=True)
class ShippingZone:
    """Countries (or "*", every country no other zone lists) and the methods that ship there."""

    zone_id: str
    name: str
    countries: tuple[str, ...]
    methods: tuple[ShippingMethod, ...]


@dataclass(frozen=True)
class ShippingOption:
    """A method offered to a cart, at the rate it would charge for that cart."""

    method_id: str | None
    name: str
    rate_cents: int


# With no zones configured at all, shipping is free and no method is recorded.
FREE_SHIPPING = ShippingOption(method_id=None, name="Free shipping", rate_cents=0)


def zone_for(zones: Sequence[ShippingZone], country: str) -> ShippingZone | None:
    """The zone serving a country: the one that lists it, else the "*" zone, else None."""
    listed = next((zone for zone in zones if country in zone.countries), None)
    return listed or next((zone for zone in zones if ANY_COUNTRY in zone.countries), None)


def shipping_options(
    zones: Sequence[ShippingZone], country: str, currency: str, goods_cents: int
) -> tuple[ShippingOption, ...]:
    """The methods offered to a country in a currency, at their rate for these goods."""
    zone = zone_for(zones, country)
    if zone is None:
        return ()
    return tuple(
        ShippingOption(method.method_id, method.name, method.rate_for(goods_cents))
        for method in zone.methods
        if method.currency == currency
    )


def choose_shipping(
    zones: Sequence[ShippingZone],
    country: str,
    currency: str,
    goods_cents: int,
    method_id: str | None = None,
) -> ShippingOption:
    """The shipping an order pays: the method asked for, else the cheapest; free with no zones."""
    if not zones:
        return FREE_SHIPPING
    options = shipping_options(zones, country, currency, goods_cents)
    if not options:
        where = country if zone_for(zones, country) is None else f"{country} in {currency}"
        raise NotShipped(f"shippingAddress: we do not ship to {where}")
    if method_id is None:
        return min(options, key=lambda option: option.rate_cents)
    for option in options:
        if option.method_id == method_id:
            return option
    raise UnknownShippingMethod(f"shippingMethod: {method_id} is not offered to {country}")


@dataclass(frozen=True)
class TaxRate:
    """A country's rate in basis points (2000 = 20%), inside the prices or added on top."""

    rate_basis_points: int
    inclusive: bool

    def __post_init__(self) -> None:
        if not 0 <= self.rate_basis_points <= BASIS_POINTS:
            raise ValueError("rateBasisPoints must be 0-10000")


def _divide_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def tax_cents(base_cents: int, rate: TaxRate | None) -> int:
    """The tax on (exclusive) or inside (inclusive) base_cents, rounded half up once."""
    if rate is None:
        return 0
    points = rate.rate_basis_points
    divisor = BASIS_POINTS + points if rate.inclusive else BASIS_POINTS
    return _divide_half_up(base_cents * points, divisor)


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """amount split in proportion to weights: largest remainder, ties to the earlier weight."""
    whole = sum(weights)
    if amount < 0 or any(weight < 0 for weight in weights) or (amount and not whole):
        raise ValueError(f"cannot split {amount} over {list(weights)}")
    if not whole:
        return [0] * len(weights)
    shares = [amount * weight // whole for weight in weights]
    leftover = amount - sum(shares)
    ranked = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % whole), i))
    for i in ranked[:leftover]:
        shares[i] += 1
    return shares


@dataclass(frozen=True)
class LineShare:
    """One line's part of the order's discount and of its exclusive tax."""

    discount_cents: int
    tax_cents: int


@dataclass(frozen=True)
class Totals:
    """Every money component of a cart or order, and each line's shares, in line order."""

    subtotal_cents: int
    discount_cents: int
    shipping_cents: int
    shipping_tax_cents: int
    tax_cents: int
    tax_rate_basis_points: int
    tax_inclusive: bool
    total_cents: int
    shipping_method: str | None
    lines: tuple[LineShare, ...]

    def fields(self) -> dict[str, int | bool | str | None]:
        """The order-level figures under the contract's field names."""
        return {
            "subtotalCents": self.subtotal_cents,
            "discountCents": self.discount_cents,
            "shippingCents": self.shipping_cents,
            "shippingTaxCents": self.shipping_tax_cents,
            "taxCents": self.tax_cents,
            "taxRateBasisPoints": self.tax_rate_basis_points,
            "taxInclusive": self.tax_inclusive,
            "totalCents": self.total_cents,
            "shippingMethod": self.shipping_method,
        }


def compute_totals(
    line_totals: Sequence[int],
    *,
    discount_cents: int = 0,
    shipping: ShippingOption = FREE_SHIPPING,
    tax_rate: TaxRate | None = None,
) -> Totals:
    """The totals of priced lines given the discount, the shipping and the tax rate."""
    subtotal = sum(line_totals)
    if not 0 <= discount_cents <= subtotal or shipping.rate_cents < 0:
        raise ValueError("the discount must be 0-subtotal and shipping must not be negative")
    line_discounts = allocate(discount_cents, line_totals)
    base = subtotal - discount_cents + shipping.rate_cents
    tax = tax_cents(base, tax_rate)
    exclusive = tax_rate is not None and not tax_rate.inclusive
    if exclusive:
        nets = [
            total - discount for total, discount in zip(line_totals, line_discounts, strict=True)
        ]
        *line_taxes, shipping_tax = allocate(tax, [*nets, shipping.rate_cents])
    else:
        line_taxes, shipping_tax = [0] * len(line_totals), 0
    return Totals(
        subtotal_cents=subtotal,
        discount_cents=discount_cents,
        shipping_cents=shipping.rate_cents,
        shipping_tax_cents=shipping_tax,
        tax_cents=tax,
        tax_rate_basis_points=tax_rate.rate_basis_points if tax_rate else 0,
        tax_inclusive=bool(tax_rate and tax_rate.inclusive),
        total_cents=base + tax if exclusive else base,
        shipping_method=shipping.method_id,
        lines=tuple(LineShare(d, t) for d, t in zip(line_discounts, line_taxes, strict=True)),
    )


@dataclass(frozen=True)
class ShopRules:
    """The shop's shipping zones and tax rates by country; with none, shipping is free, tax 0."""

    zones: Sequence[ShippingZone] = ()
    rates: Mapping[str, TaxRate] = field(default_factory=dict)


NO_RULES = ShopRules()


@dataclass(frozen=True)
class ShipTo:
    """Where an order ships, and the method asked for (None: the cheapest that serves it)."""

    country: str
    shipping_method: str | None = None


def price_order(
    line_totals: Sequence[int],
    destination: ShipTo,
    *,
    currency: str,
    promotion: Promotion | None = None,
    rules: ShopRules = NO_RULES,
) -> Totals:
    """Discount, shipping and tax of lines shipped to a place (the promotion already checked)."""
    subtotal = sum(line_totals)
    discount = discount_cents(promotion, subtotal)
    country = destination.country
    shipping = choose_shipping(
        rules.zones, country, currency, subtotal - discount, destination.shipping_method
    )
    return compute_totals(
        line_totals, discount_cents=discount, shipping=shipping, tax_rate=rules.rates.get(country)
    )


@dataclass(frozen=True)
class PaidLine:
    """An order line as stored: what it cost, its share of the discount and of exclusive tax."""

    quantity: int
    line_total_cents: int
    discount_cents: int
    tax_cents: int

    @property
    def paid_cents(self) -> int:
        """What the shopper paid for the whole line (shipping aside)."""
        return self.line_total_cents - self.discount_cents + self.tax_cents


def return_refund_cents(line: PaidLine, *, units: int, claimed_before: int) -> int:
    """The refund for units of a line returned after claimed_before; the last unit gets the rest."""
    if units < 1 or claimed_before < 0 or claimed_before + units > line.quantity:
        raise ValueError(f"cannot return {units} after {claimed_before} of {line.quantity}")
    per_unit, leftover = divmod(line.paid_cents, line.quantity)
    last = claimed_before + units == line.quantity
    return per_unit * units + (leftover if last else 0)


def cancel_refund_cents(*, paid_cents: int, refunded_cents: int) -> int:
    """What a cancel gives back: what was paid less what was already refunded, never below 0."""
    return max(0, paid_cents - refunded_cents)
