"""Pricing: order and cart lines priced from catalog snapshots, never from the client. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import limits
from chalicelib.domain.errors import InvalidInput

MAX_LINES = limits.MAX_LINES


@dataclass(frozen=True)
class Snapshot:
    """What pricing needs to know of a product at the moment of reading."""

    product_id: str
    name: str
    price_cents: int
    currency: str
    stock: int
    active: bool


@dataclass(frozen=True)
class Line:
    """One priced line."""

    product_id: str
    name: str
    quantity: int
    unit_price_cents: int

    @property
    def line_total_cents(self) -> int:
        """Quantity times unit price, in cents."""
        return self.quantity * self.unit_price_cents

    def as_dict(self) -> dict[str, Any]:
        """The line as the contract shows it."""
        return {
            "productId": self.product_id,
            "name": self.name,
            "quantity": self.quantity,
            "unitPriceCents": self.unit_price_cents,
            "lineTotalCents": self.line_total_cents,
        }


def requested_lines(items: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(productId, quantity) pairs of a request, refusing duplicates and too many lines."""
    if not items:
        raise InvalidInput("items: the order has no lines (is the cart empty?)")
    if len(items) > MAX_LINES:
        raise InvalidInput(f"items: at most {MAX_LINES} lines")
    seen: set[str] = set()
    for item in items:
        if item["productId"] in seen:
            raise InvalidInput(f"items: product {item['productId']} appears more than once")
        seen.add(item["productId"])
    return [(item["productId"], int(item["quantity"])) for item in items]


def price(requested: list[tuple[str, int]], catalog: Mapping[str, Snapshot]) -> list[Line]:
    """Lines priced from the catalog; InvalidInput naming any unknown or archived product."""
    missing = [pid for pid, _ in requested if pid not in catalog or not catalog[pid].active]
    if missing:
        raise InvalidInput("items: unknown or archived product: " + ", ".join(missing))
    currencies = {catalog[pid].currency for pid, _ in requested}
    if len(currencies) > 1:
        raise InvalidInput("items: all products of an order must share one currency")
    return [
        Line(pid, catalog[pid].name, quantity, catalog[pid].price_cents)
        for pid, quantity in requested
    ]


def total(lines: list[Line]) -> int:
    """The sum of the lines, in cents."""
    return sum(line.line_total_cents for line in lines)


def short_of_stock(lines: list[Line], catalog: Mapping[str, Snapshot]) -> list[str]:
    """The products whose stock, as read, is below the quantity asked for."""
    return [line.product_id for line in lines if catalog[line.product_id].stock < line.quantity]
