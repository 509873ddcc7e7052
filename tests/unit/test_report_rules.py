"""The sales report's pure rules: what an event adds, the range asked for, the report built."""

from __future__ import annotations

from datetime import date

import jsonschema
import pytest

from chalicelib.domain import event_schema
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.reports import (
    DayFigures,
    ProductSales,
    parse_currency,
    parse_range,
    report,
    sale_of,
    top_products,
)

CAPTURE = {
    "type": "PaymentCaptured",
    "eventId": "ord_1:capture",
    "orderId": "ord_1",
    "userId": "u-1",
    "occurredAt": "2026-03-01T23:59:59Z",
    "amountCents": 5300,
    "currency": "USD",
    "units": 4,
    "items": [
        {"productId": "p1", "variantId": "p1.v1", "name": "Tee", "quantity": 1,
         "lineTotalCents": 2000, "discountCents": 200},
        {"productId": "p1", "variantId": "p1.v2", "name": "Tee", "quantity": 2,
         "lineTotalCents": 4000, "discountCents": 0},
        {"productId": "p2", "variantId": "p2", "name": "Mug", "quantity": 1,
         "lineTotalCents": 1250},
    ],
}  # fmt: skip
TODAY = date(2026, 3, 30)


def test_a_capture_adds_an_order_its_units_and_the_amount_to_its_utc_date():
    sale = sale_of(CAPTURE)

    assert sale is not None
    assert sale.event_id == "ord_1:capture"
    assert sale.figures == DayFigures("2026-03-01", orders=1, units=4, revenue_cents=5300)


def test_a_capture_adds_each_product_once_with_its_variants_less_their_discounts():
    sale = sale_of(CAPTURE)

    assert sale is not None
    assert sale.products == (
        ProductSales("p1", "Tee", units=3, revenue_cents=5800),
        ProductSales("p2", "Mug", units=1, revenue_cents=1250),
    )


def test_a_refund_adds_only_its_amount_whatever_caused_it():
    refund = {**CAPTURE, "type": "PaymentRefunded", "eventId": "ret_1:refund", "returnId": "ret_1"}
    del refund["items"]

    sale = sale_of(refund)

    assert sale is not None
    assert sale.figures == DayFigures("2026-03-01", refunds_cents=5300)
    assert sale.products == ()


def test_other_events_add_nothing():
    assert sale_of({**CAPTURE, "type": "OrderPlaced"}) is None


@pytest.mark.parametrize(
    "change",
    [
        {"eventId": ""},
        {"amountCents": -1},
        {"amountCents": "5300"},
        {"occurredAt": "yesterday"},
        {"items": None},
        {"items": [{"productId": "p1", "quantity": True, "lineTotalCents": 1}]},
    ],
)
def test_a_malformed_money_event_is_refused(change):
    with pytest.raises(ValueError, match=r"must|needs|does not"):
        sale_of({**CAPTURE, **change})


def test_the_default_range_is_the_30_days_ending_today():
    assert parse_range(None, None, TODAY) == (date(2026, 3, 1), TODAY)
    assert parse_range(None, "2026-02-28", TODAY) == (date(2026, 1, 30), date(2026, 2, 28))


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-03-02", "2026-03-01"), ("2026-13-01", None), ("20260301", None),
     ("2025-03-29", "2026-03-30")],
)  # fmt: skip
def test_a_bad_or_too_long_range_is_invalid_input(start, end):
    with pytest.raises(InvalidInput):
        parse_range(start, end, TODAY)


def test_a_range_of_366_days_is_allowed():
    assert parse_range("2025-03-30", "2026-03-30", TODAY)[0] == date(2025, 3, 30)


def test_the_currency_is_usd_unless_a_code_is_given():
    assert parse_currency(None) == "USD"
    assert parse_currency("EUR") == "EUR"
    with pytest.raises(InvalidInput):
        parse_currency("eur")


def test_every_date_of_the_range_appears_with_zeros_and_totals_net_the_refunds():
    days = [DayFigures("2026-03-02", 2, 5, 9000, 0), DayFigures("2026-03-03", 0, 0, 0, 1500)]

    built = report("USD", date(2026, 3, 1), date(2026, 3, 4), days, [])

    assert [d.date for d in built.days] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    assert built.days[0] == DayFigures("2026-03-01")
    assert (built.totals.orders, built.totals.revenue_cents, built.totals.net_cents) == (
        2,
        9000,
        7500,
    )


def test_top_products_sum_across_days_best_revenue_first_at_most_ten():
    sales = [ProductSales(f"p{n}", f"P{n}", 1, 100 * n) for n in range(12)]
    sales.append(ProductSales("p0", "P0", 5, 5000))

    top = top_products(sales)

    assert [p.product_id for p in top[:3]] == ["p0", "p11", "p10"]
    assert top[0] == ProductSales("p0", "P0", 6, 5000)
    assert len(top) == 10


def test_a_capture_satisfies_the_one_event_schema():
    jsonschema.validate(CAPTURE, event_schema.json_schema())


def test_the_glue_columns_are_the_schema_fields_in_lower_case():
    names = [column["Name"] for column in event_schema.glue_columns()]

    assert names == [name.lower() for name in event_schema.json_schema()["properties"]]
    assert {"eventid", "occurredat", "amountcents", "items"} <= set(names)
