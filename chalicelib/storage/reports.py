"""The reports table's door: count a money event once, and read a date range's figures.

One table, three kinds of rows (docs/data-model.md):

- `day#<currency>` / `<date>`: a day's orders, units, revenue and refunds;
- `product#<currency>` / `<date>#<productId>`: a product's units and revenue on a day;
- `event#<eventId>` / `counted`: the event was counted (kept 35 days, past any redelivery).

Counting is one transaction: the marker is put only if absent, and the day's and its products'
counters are incremented with it, so an event is counted exactly once however often it comes and
in whatever order. A report is two Queries: the range's days, and the range's product-days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pynamodb.pagination import ResultIterator

from chalicelib import clock
from chalicelib.domain.reports import DayFigures, ProductSales, Sale
from chalicelib.storage.models import ReportItem
from chalicelib.storage.transactions import Cancelled, Transaction, with_retries

COUNTED = "counted"
MARKER_DAYS = 35  # SQS keeps a message 4 days and its DLQ 14: no delivery comes later than this
_AFTER_EVERY_ID = "#\uffff"  # sorts after `<date>#<any product id>`


def _day_key(currency: str) -> str:
    return f"day#{currency}"


def _product_key(currency: str) -> str:
    return f"product#{currency}"


def count_once(sale: Sale) -> bool:
    """Add a sale to its day and products unless its event was counted; True if counted now."""
    expires = clock.now() + timedelta(days=MARKER_DAYS)
    day = sale.figures
    transaction = Transaction()
    marker = ReportItem(f"event#{sale.event_id}", COUNTED, expires_at=expires)
    transaction.put("marker", marker, condition=ReportItem.key.does_not_exist())
    transaction.update(
        "day",
        ReportItem(_day_key(sale.currency), day.date),
        actions=[
            ReportItem.orders.add(day.orders),
            ReportItem.units.add(day.units),
            ReportItem.revenue_cents.add(day.revenue_cents),
            ReportItem.refunds_cents.add(day.refunds_cents),
        ],
    )
    for product in sale.products:
        transaction.update(
            ("product", product.product_id),
            ReportItem(_product_key(sale.currency), f"{day.date}#{product.product_id}"),
            actions=[
                ReportItem.units.add(product.units),
                ReportItem.revenue_cents.add(product.revenue_cents),
                ReportItem.name.set(product.name),
            ],
        )
    try:
        with_retries(transaction.commit)  # a busy day's conflicts are retried
    except Cancelled as cancelled:
        if "marker" in cancelled.failed:
            return False  # counted before: this is a redelivery, or a copy of the same event
        raise
    return True


@dataclass(frozen=True)
class Figures:
    """What the table holds for a range: its days with figures and its product-days."""

    days: list[DayFigures]
    products: list[ProductSales]
    complete: bool  # False if the product-days of the range did not fit in one Query page


def _int(value: float | None) -> int:
    return int(value or 0)


def read_range(currency: str, first: date, last: date) -> Figures:
    """The days and product-days of a range: one Query each, one page each."""
    start, end = first.isoformat(), last.isoformat()
    day_rows = ReportItem.query(_day_key(currency), ReportItem.sort.between(start, end))
    days = [
        DayFigures(
            row.sort,
            _int(row.orders),
            _int(row.units),
            _int(row.revenue_cents),
            _int(row.refunds_cents),
        )
        for row in _one_page(day_rows)[0]
    ]
    product_rows = ReportItem.query(
        _product_key(currency), ReportItem.sort.between(start, end + _AFTER_EVERY_ID)
    )
    rows, complete = _one_page(product_rows)
    products = [
        ProductSales(
            row.sort.split("#", 1)[1], row.name or "", _int(row.units), _int(row.revenue_cents)
        )
        for row in rows
    ]
    return Figures(days, products, complete)


def _one_page(results: ResultIterator[ReportItem]) -> tuple[list[ReportItem], bool]:
    """A Query's first page only, and whether it was the last: a report never pays for a second."""
    page = next(results.page_iter)
    rows = [ReportItem.from_raw_data(item) for item in page.get("Items", [])]
    return rows, results.page_iter.last_evaluated_key is None
