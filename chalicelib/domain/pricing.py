"""Pricing: order and cart lines priced from catalog snapshots, never from the client. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import limits
from chalicelib.domain.errors import InvalidInput

MAX_LINES = limits.MAX_LINES


@dataclass(frozen=True)
class Snapshot:
    """What pricing needs to know of a variant (or a product without options) when read."""

    product_id: str
    name: str
    price_cents: int
    currency: str
    stock: int
    active: bool
    variant_id: str = ""  # the product id when empty: a product without options
    sku: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    needs_choice: bool = False  # a product with options, named bare


@dataclass(frozen=True)
class Line:
    """One priced line; `variant_id` is the product id for a product without options."""

    product_id: str
    name: str
    quantity: int
    unit_price_cents: int
    variant_id: str = ""
    sku: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def line_total_cents(self) -> int:
        """Quantity times unit price, in cents."""
        return self.quantity * self.unit_price_cents

    @property
    def variant(self) -> str:
        """The variant this line sells."""
        return self.variant_id or self.product_id


def _named(item: Mapping[str, Any]) -> str:
    if "variantId" in item and "productId" in item:
        raise InvalidInput("items: name either variantId or productId, not both")
    if "variantId" not in item and "productId" not in item:
        raise InvalidInput("items: each line names a variantId")
    return str(item.get("variantId") or item.get("productId"))


def requested_lines(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(variantId, quantity) pairs of a request, refusing duplicates and too many lines.

    A line names `variantId`, or `productId` for a product without options (its own variant).
    """
    if not items:
        raise InvalidInput("items: the order has no lines (is the cart empty?)")
    if len(items) > MAX_LINES:
        raise InvalidInput(f"items: at most {MAX_LINES} lines")
    seen: set[str] = set()
    for item in items:
        named = _named(item)
        if named in seen:
            raise InvalidInput(f"items: {named} appears more than once")
        seen.add(named)
    return [(_named(item), int(item["quantity"])) for item in items]


def price(requested: list[tuple[str, int]], catalog: Mapping[str, Snapshot]) -> list[Line]:
    """Lines priced from the catalog; InvalidInput naming any unknown or archived variant, or a
    product with options named instead of one of its variants."""
    missing = [vid for vid, _ in requested if vid not in catalog or not catalog[vid].active]
    if missing:
        raise InvalidInput("items: unknown or archived product: " + ", ".join(missing))
    bare = [vid for vid, _ in requested if catalog[vid].needs_choice]
    if bare:
        raise InvalidInput("items: choose a variant of " + ", ".join(bare))
    currencies = {catalog[vid].currency for vid, _ in requested}
    if len(currencies) > 1:
        raise InvalidInput("items: all products of an order must share one currency")
    return [line(catalog[vid], quantity) for vid, quantity in requested]


def line(snapshot: Snapshot, quantity: int) -> Line:
    """A line of `quantity` units of the snapshot's variant at its price."""
    return Line(
        snapshot.product_id,
        snapshot.name,
        quantity,
        snapshot.price_cents,
        snapshot.variant_id or snapshot.product_id,
        snapshot.sku,
        dict(snapshot.options),
    )


def total(lines: list[Line]) -> int:
    """The sum of the lines, in cents."""
    return sum(line.line_total_cents for line in lines)


def short_of_stock(lines: list[Line], catalog: Mapping[str, Snapshot]) -> list[str]:
    """The variants whose stock, as read, is below the quantity asked for."""
    return [each.variant for each in lines if catalog[each.variant].stock < each.quantity]
