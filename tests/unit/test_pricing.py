"""Lines are priced from catalog snapshots, never from the client."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.pricing import Snapshot, price, requested_lines, short_of_stock, total


def snap(pid, cents=100, stock=5, active=True, currency="USD"):
    return Snapshot(pid, f"name {pid}", cents, currency, stock, active)


def test_lines_take_name_and_price_from_the_catalog():
    lines = price([("a", 2), ("b", 1)], {"a": snap("a", 250), "b": snap("b", 99)})
    assert [line.line_total_cents for line in lines] == [500, 99]
    assert total(lines) == 599


def test_unknown_and_archived_products_are_named():
    with pytest.raises(InvalidInput, match="x, b"):
        price([("x", 1), ("b", 1)], {"b": snap("b", active=False)})


def test_mixed_currencies_are_refused():
    with pytest.raises(InvalidInput, match="currency"):
        price([("a", 1), ("b", 1)], {"a": snap("a"), "b": snap("b", currency="EUR")})


def test_short_lines_are_found():
    catalog = {"a": snap("a", stock=1), "b": snap("b", stock=9)}
    assert short_of_stock(price([("a", 2), ("b", 2)], catalog), catalog) == ["a"]


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{"productId": "a", "quantity": 1}] * 2,
        [{"productId": f"p{i}", "quantity": 1} for i in range(51)],
    ],
)
def test_empty_duplicate_or_oversized_requests_are_refused(items):
    with pytest.raises(InvalidInput):
        requested_lines(items)


def test_shoppers_read_short_order_numbers_and_money():
    from chalicelib.domain.notices import money, order_reference

    assert order_reference("ord_ee1679b0aa55") == "EE1679B0"
    assert money(240000, "USD") == "2,400.00 USD"
    assert money(5, "USD") == "0.05 USD"
