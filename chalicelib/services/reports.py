"""Sales reports: count every capture and refund once, and answer a date range's report."""

from __future__ import annotations

from typing import Any

from chalicelib import clock, log
from chalicelib.domain import reports as rules
from chalicelib.storage import reports as figures

_log = log.logger("reports")


def on_money_event(event: dict[str, Any]) -> None:
    """The reports queue: add a PaymentCaptured or PaymentRefunded to its day, once per eventId."""
    sale = rules.sale_of(event)
    if sale is None:
        return
    if not figures.count_once(sale):
        _log.info("already counted", extra={"fields": {"eventId": sale.event_id}})


def sales(start: str | None, end: str | None, currency: str | None) -> rules.Report:
    """The sales report of an inclusive UTC date range (default: the 30 days ending today)."""
    code = rules.parse_currency(currency)
    first, last = rules.parse_range(start, end, clock.now().date())
    found = figures.read_range(code, first, last)
    if not found.complete:
        # Over a year of a large catalog: the product-days of the range did not fit in one page.
        _log.warning("top products from the first page only", extra={"fields": {"from": start}})
    return rules.report(code, first, last, found.days, found.products)
