"""Sales reports: what one money event adds to a day, and a date range's report from its days.

Pure rules, no AWS. A `PaymentCaptured` adds an order, its units and the amount captured to its
UTC date, and its lines to their products; a `PaymentRefunded` adds the amount refunded, whatever
caused it. Counting each event once is storage's job (storage/reports.py), keyed on `eventId`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.errors import InvalidInput

CAPTURED, REFUNDED = "PaymentCaptured", "PaymentRefunded"
MONEY_EVENTS = (CAPTURED, REFUNDED)
MAX_DAYS = 366
DEFAULT_DAYS = 30
TOP_PRODUCTS = 10
DEFAULT_CURRENCY = "USD"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class ProductSales:
    """One product's units and revenue (its lines' `lineTotalCents - discountCents`)."""

    product_id: str
    name: str
    units: int = 0
    revenue_cents: int = 0


@dataclass(frozen=True)
class DayFigures:
    """One UTC date's figures in one currency."""

    date: str
    orders: int = 0
    units: int = 0
    revenue_cents: int = 0
    refunds_cents: int = 0


@dataclass(frozen=True)
class Sale:
    """What one money event adds: to its day, and to its products on that day."""

    event_id: str
    currency: str
    figures: DayFigures
    products: tuple[ProductSales, ...] = ()


@dataclass(frozen=True)
class Totals:
    """A range's totals; `net_cents` is revenue less refunds."""

    orders: int
    units: int
    revenue_cents: int
    refunds_cents: int

    @property
    def net_cents(self) -> int:
        """Revenue less refunds."""
        return self.revenue_cents - self.refunds_cents


@dataclass(frozen=True)
class Report:
    """The sales report of a date range: every date, the totals and the top products."""

    currency: str
    start: str
    end: str
    days: list[DayFigures]
    totals: Totals
    top_products: list[ProductSales] = field(default_factory=list)


def _text(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"a {event.get('type')} event needs a string {name}")
    return value


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number, not negative")
    return int(value)


def _event_date(occurred_at: str) -> str:
    day = occurred_at[:10]
    try:
        date.fromisoformat(day)
    except ValueError:
        raise ValueError(f"occurredAt {occurred_at!r} does not start with a date") from None
    return day


def products_of(lines: Iterable[dict[str, Any]]) -> tuple[ProductSales, ...]:
    """The lines of an order summed per product (variants of one product together)."""
    summed: dict[str, ProductSales] = {}
    for line in lines:
        product_id = _text(line, "productId")
        quantity = _count(line.get("quantity"), "quantity")
        revenue = _count(line.get("lineTotalCents"), "lineTotalCents") - _count(
            line.get("discountCents") or 0, "discountCents"
        )
        before = summed.get(product_id, ProductSales(product_id, str(line.get("name") or "")))
        summed[product_id] = ProductSales(
            product_id, before.name, before.units + quantity, before.revenue_cents + revenue
        )
    return tuple(summed.values())


def sale_of(event: dict[str, Any]) -> Sale | None:
    """What a money event adds to the report, or None for any other event; ValueError if bad."""
    kind = event.get("type")
    if kind not in MONEY_EVENTS:
        return None
    event_id = _text(event, "eventId")
    currency = _text(event, "currency").upper()
    day = _event_date(_text(event, "occurredAt"))
    amount = _count(event.get("amountCents"), "amountCents")
    if kind == REFUNDED:
        return Sale(event_id, currency, DayFigures(day, refunds_cents=amount))
    items = event.get("items")
    if not isinstance(items, list):
        raise ValueError("a PaymentCaptured event needs its items")
    products = products_of(items)
    units = sum(product.units for product in products)
    return Sale(event_id, currency, DayFigures(day, 1, units, amount), products)


def parse_currency(value: str | None) -> str:
    """The report's currency: three capital letters, USD when not given."""
    if value is None or value == "":
        return DEFAULT_CURRENCY
    if not _CURRENCY.match(value):
        raise InvalidInput("currency must be an ISO 4217 code such as USD")
    return value


def _parse_date(name: str, value: str) -> date:
    if not _DATE.match(value):
        raise InvalidInput(f"{name} must be a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} is not a date: {value}") from None


def parse_range(start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """The inclusive UTC date range asked for; by default the 30 days ending today."""
    last = _parse_date("to", end) if end else today
    first = _parse_date("from", start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise InvalidInput("to must not be before from")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_DAYS} days")
    return first, last


def dates(first: date, last: date) -> list[str]:
    """Every date from `first` to `last`, inclusive, as YYYY-MM-DD."""
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def top_products(sales: Iterable[ProductSales], limit: int = TOP_PRODUCTS) -> list[ProductSales]:
    """Products summed across days, best revenue first (then units, then id), at most `limit`."""
    summed: dict[str, ProductSales] = {}
    for sale in sales:
        before = summed.get(sale.product_id, ProductSales(sale.product_id, sale.name))
        summed[sale.product_id] = ProductSales(
            sale.product_id,
            sale.name or before.name,
            before.units + sale.units,
            before.revenue_cents + sale.revenue_cents,
        )
    ranked = sorted(summed.values(), key=lambda p: (-p.revenue_cents, -p.units, p.product_id))
    return ranked[:limit]


def report(
    currency: str,
    first: date,
    last: date,
    days: Iterable[DayFigures],
    products: Iterable[ProductSales],
) -> Report:
    """The report of a range from the days that have figures (the others are zeros)."""
    known = {day.date: day for day in days}
    every = [known.get(day, DayFigures(day)) for day in dates(first, last)]
    totals = Totals(
        orders=sum(day.orders for day in every),
        units=sum(day.units for day in every),
        revenue_cents=sum(day.revenue_cents for day in every),
        refunds_cents=sum(day.refunds_cents for day in every),
    )
    return Report(
        currency, first.isoformat(), last.isoformat(), every, totals, top_products(products)
    )
