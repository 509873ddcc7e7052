"""Checkout totals hold the contract's money rules for every cart, code, zone and rate.

Property-based (hypothesis) over random carts, discounts, shipping zones and tax rates, beside
examples pinned to figures computed by hand (docs/pricing.md shows the first one step by step).
Exact quotas are checked with fractions.Fraction as an independent oracle; the module itself uses
integers only.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chalicelib.domain.promotions import Promotion, discount_cents
from chalicelib.domain.totals import (
    FREE_SHIPPING,
    NotShipped,
    PaidLine,
    ShippingMethod,
    ShippingOption,
    ShippingZone,
    ShipTo,
    ShopRules,
    TaxRate,
    Totals,
    UnknownShippingMethod,
    allocate,
    cancel_refund_cents,
    choose_shipping,
    compute_totals,
    price_order,
    return_refund_cents,
    shipping_options,
)

# How many examples: the profile tests/conftest.py loads (HYPOTHESIS_PROFILE=thorough for many).
PURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

COUNTRIES = ("US", "GB", "DE", "FR", "JP")
METHOD_IDS = ("standard", "express", "pickup")

# Small amounts make ties and exact halves common; large ones check nothing overflows or drifts.
cents = st.one_of(st.integers(0, 60), st.integers(0, 100_000_000))
quantities = st.integers(1, 99)
lines = st.lists(st.tuples(quantities, cents), min_size=1, max_size=50)
tax_rates = st.none() | st.builds(TaxRate, st.integers(0, 10_000), st.booleans())
promotions = st.none() | st.one_of(
    st.builds(Promotion, st.just("PCT"), st.just("percent"), percent_off=st.integers(1, 100)),
    st.builds(Promotion, st.just("FIX"), st.just("fixed"), amount_off_cents=cents),
)
methods = st.builds(
    ShippingMethod,
    st.sampled_from(METHOD_IDS),
    st.just("a method"),
    cents,
    st.sampled_from(("USD", "EUR")),
    st.none() | cents,
)


@st.composite
def zone_lists(draw: st.DrawFn) -> list[ShippingZone]:
    """0-3 zones as the admin API allows them: no country in two zones, at most one "*"."""
    places = draw(st.permutations((*COUNTRIES[:4], "*")))
    cuts = sorted(draw(st.lists(st.integers(0, len(places)), min_size=0, max_size=3)))
    zones = []
    for n, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(places)], strict=True)):
        unique = draw(st.lists(methods, max_size=3, unique_by=lambda m: m.method_id))
        zones.append(ShippingZone(f"z{n}", f"zone {n}", tuple(places[start:end]), tuple(unique)))
    return draw(st.sampled_from([[], zones]))


def line_totals(priced: list[tuple[int, int]]) -> list[int]:
    return [quantity * unit for quantity, unit in priced]


def totals_of(priced: list[tuple[int, int]], data: st.DataObject) -> Totals:
    """Totals of random lines with a random discount, shipping rate and tax rate."""
    amounts = line_totals(priced)
    discount = discount_cents(data.draw(promotions), sum(amounts))
    shipping = ShippingOption("standard", "Standard", data.draw(cents))
    return compute_totals(
        amounts, discount_cents=discount, shipping=shipping, tax_rate=data.draw(tax_rates)
    )


def half_up(exact: Fraction) -> int:
    return int(exact + Fraction(1, 2))


def cutoff_tie(amount: int, weights: list[int]) -> bool:
    """True when lines tie on the remainder that decides who gets the last extra cent."""
    whole = sum(weights)
    if not whole:
        return False
    remainders = [amount * weight % whole for weight in weights]
    leftover = amount - sum(amount * weight // whole for weight in weights)
    if not leftover:
        return False
    cutoff = sorted(remainders, reverse=True)[leftover - 1]
    return sum(remainder >= cutoff for remainder in remainders) > leftover


def order_level(totals: Totals) -> tuple[int, int, int, int, int, bool, int]:
    return (
        totals.subtotal_cents,
        totals.discount_cents,
        totals.shipping_cents,
        totals.tax_cents,
        totals.tax_rate_basis_points,
        totals.tax_inclusive,
        totals.total_cents,
    )


# --- properties ---------------------------------------------------------------------------------


@PURE
@given(lines, st.data())
def test_the_total_is_subtotal_less_discount_plus_shipping_plus_exclusive_tax(priced, data):
    totals = totals_of(priced, data)

    exclusive_tax = 0 if totals.tax_inclusive else totals.tax_cents
    assert totals.total_cents == (
        totals.subtotal_cents - totals.discount_cents + totals.shipping_cents + exclusive_tax
    )


@PURE
@given(lines, st.data())
def test_every_component_is_non_negative_and_the_discount_at_most_the_subtotal(priced, data):
    totals = totals_of(priced, data)

    assert totals.subtotal_cents == sum(line_totals(priced))
    assert 0 <= totals.discount_cents <= totals.subtotal_cents
    assert min(totals.shipping_cents, totals.shipping_tax_cents, totals.tax_cents) >= 0
    assert totals.total_cents >= 0
    for amount, share in zip(line_totals(priced), totals.lines, strict=True):
        assert 0 <= share.discount_cents <= amount
        assert share.tax_cents >= 0


@PURE
@given(lines, cents, st.integers(0, 10_000), st.data())
def test_inclusive_tax_is_contained_in_the_total(priced, shipping, points, data):
    amounts = line_totals(priced)
    discount = discount_cents(data.draw(promotions), sum(amounts))
    base = sum(amounts) - discount + shipping

    totals = compute_totals(
        amounts,
        discount_cents=discount,
        shipping=ShippingOption("standard", "Standard", shipping),
        tax_rate=TaxRate(points, inclusive=True),
    )

    assert totals.total_cents == base
    assert 0 <= totals.tax_cents <= totals.total_cents
    assert totals.tax_cents == half_up(Fraction(base * points, 10_000 + points))
    assert totals.shipping_tax_cents == 0
    assert all(share.tax_cents == 0 for share in totals.lines)


@PURE
@given(lines, cents, st.integers(0, 10_000), st.data())
def test_exclusive_tax_is_the_rate_on_the_base_rounded_half_up_once(priced, shipping, points, data):
    amounts = line_totals(priced)
    discount = discount_cents(data.draw(promotions), sum(amounts))
    base = sum(amounts) - discount + shipping

    totals = compute_totals(
        amounts,
        discount_cents=discount,
        shipping=ShippingOption("standard", "Standard", shipping),
        tax_rate=TaxRate(points, inclusive=False),
    )

    assert totals.tax_cents == half_up(Fraction(base * points, 10_000))
    assert totals.total_cents == base + totals.tax_cents


@PURE
@given(lines, st.data())
def test_line_discount_shares_add_up_to_the_discount(priced, data):
    totals = totals_of(priced, data)

    assert sum(share.discount_cents for share in totals.lines) == totals.discount_cents


@PURE
@given(lines, st.data())
def test_line_tax_shares_and_shipping_tax_add_up_to_the_exclusive_tax(priced, data):
    totals = totals_of(priced, data)

    shares = sum(share.tax_cents for share in totals.lines) + totals.shipping_tax_cents
    assert shares == (0 if totals.tax_inclusive else totals.tax_cents)


@PURE
@given(st.one_of(st.integers(0, 200), cents), st.lists(cents, min_size=1, max_size=50))
def test_every_share_is_its_exact_quota_rounded_down_or_up(amount, weights):
    if not sum(weights):
        weights = [*weights[:-1], 1]

    shares = allocate(amount, weights)

    assert sum(shares) == amount
    for weight, share in zip(weights, shares, strict=True):
        quota = Fraction(amount * weight, sum(weights))
        assert quota - 1 < share < quota + 1


@PURE
@given(lines, cents, tax_rates, st.data())
def test_order_level_totals_do_not_depend_on_line_order(priced, shipping, rate, data):
    amounts = line_totals(priced)
    shuffled = data.draw(st.permutations(amounts))
    promotion = data.draw(promotions)
    option = ShippingOption("standard", "Standard", shipping)

    def priced_in(order: list[int]) -> Totals:
        discount = discount_cents(promotion, sum(order))
        return compute_totals(order, discount_cents=discount, shipping=option, tax_rate=rate)

    assert order_level(priced_in(amounts)) == order_level(priced_in(shuffled))


@PURE
@given(lines, cents, tax_rates, st.data())
def test_shares_follow_their_lines_unless_remainders_tie_at_the_cutoff(
    priced, shipping, rate, data
):
    amounts = line_totals(priced)
    order = data.draw(st.permutations(range(len(amounts))))
    discount = discount_cents(data.draw(promotions), sum(amounts))
    option = ShippingOption("standard", "Standard", shipping)
    before = compute_totals(amounts, discount_cents=discount, shipping=option, tax_rate=rate)
    nets = [a - s.discount_cents for a, s in zip(amounts, before.lines, strict=True)]
    tied = cutoff_tie(discount, amounts) or cutoff_tie(before.tax_cents, [*nets, shipping])

    after = compute_totals(
        [amounts[i] for i in order], discount_cents=discount, shipping=option, tax_rate=rate
    )

    event(f"tied: {tied}")
    if not tied:
        assert after.lines == tuple(before.lines[i] for i in order)
        assert after.shipping_tax_cents == before.shipping_tax_cents


@PURE
@given(lines, st.data())
def test_returns_never_refund_more_than_was_paid(priced, data):
    totals = totals_of(priced, data)
    paid = [
        PaidLine(quantity, quantity * unit, share.discount_cents, share.tax_cents)
        for (quantity, unit), share in zip(priced, totals.lines, strict=True)
    ]
    refunded = 0

    for line in paid:
        claimed, line_refunded = 0, 0
        while claimed < line.quantity and data.draw(st.booleans()):
            units = data.draw(st.integers(1, line.quantity - claimed))
            line_refunded += return_refund_cents(line, units=units, claimed_before=claimed)
            claimed += units
        assert 0 <= line_refunded <= line.paid_cents
        assert (line_refunded == line.paid_cents) == (
            claimed == line.quantity
        ) or not line.paid_cents
        refunded += line_refunded

    goods_paid = totals.total_cents - totals.shipping_cents - totals.shipping_tax_cents
    assert sum(line.paid_cents for line in paid) == goods_paid
    assert refunded <= goods_paid <= totals.total_cents


@PURE
@given(lines, st.data())
def test_a_line_returned_unit_by_unit_refunds_exactly_what_it_cost(priced, data):
    totals = totals_of(priced, data)

    for (quantity, unit), share in zip(priced, totals.lines, strict=True):
        line = PaidLine(quantity, quantity * unit, share.discount_cents, share.tax_cents)
        refunds = [return_refund_cents(line, units=1, claimed_before=n) for n in range(quantity)]
        assert sum(refunds) == line.paid_cents
        assert max(refunds) - min(refunds) < quantity


@PURE
@given(cents, cents)
def test_a_cancel_never_refunds_more_than_was_paid(paid, refunded):
    refund = cancel_refund_cents(paid_cents=paid, refunded_cents=refunded)

    assert 0 <= refund <= paid
    assert refund + refunded >= paid


@PURE
@given(zone_lists(), st.sampled_from(COUNTRIES), cents, st.none() | st.sampled_from(METHOD_IDS))
def test_shipping_is_an_offered_rate_the_cheapest_by_default_or_a_clear_400(
    zones, country, goods, method_id
):
    offered = shipping_options(zones, country, "USD", goods)

    try:
        chosen = choose_shipping(zones, country, "USD", goods, method_id)
    except NotShipped:
        assert zones
        assert not offered
    except UnknownShippingMethod:
        assert method_id not in {option.method_id for option in offered}
    else:
        if not zones:
            assert chosen == FREE_SHIPPING
        elif method_id is None:
            assert chosen in offered
            assert chosen.rate_cents == min(option.rate_cents for option in offered)
        else:
            assert chosen.method_id == method_id
            assert chosen in offered


# --- examples computed by hand ------------------------------------------------------------------

GB = [ShippingZone("eu", "Europe", ("GB", "DE"), (
    ShippingMethod("standard", "Standard", 0, "GBP"),
    ShippingMethod("express", "Express", 499, "GBP"),
))]  # fmt: skip
US = [ShippingZone("us", "United States", ("US",), (
    ShippingMethod("standard", "Standard", 595, "USD", free_over_cents=10_000),
    ShippingMethod("express", "Express", 1_500, "USD"),
))]  # fmt: skip


def test_gb_inclusive_vat_is_inside_the_total():
    ten_percent = Promotion("TEN", "percent", percent_off=10)

    totals = price_order(
        [2 * 1_999, 1_500],
        ShipTo("GB", "express"),
        currency="GBP",
        promotion=ten_percent,
        rules=ShopRules(GB, {"GB": TaxRate(2_000, inclusive=True)}),
    )

    # discount (5498 * 10 + 50) // 100 = 550; B = 5498 - 550 + 499 = 5447;
    # VAT 5447 * 2000 / 12000 = 907.83 -> 908, inside the total.
    assert totals.fields() == {
        "subtotalCents": 5_498,
        "discountCents": 550,
        "shippingCents": 499,
        "shippingTaxCents": 0,
        "taxCents": 908,
        "taxRateBasisPoints": 2_000,
        "taxInclusive": True,
        "totalCents": 5_447,
        "shippingMethod": "express",
    }
    # 550 * 3998 / 5498 = 399.95, 550 * 1500 / 5498 = 150.05: the larger remainder takes the cent.
    assert [(s.discount_cents, s.tax_cents) for s in totals.lines] == [(400, 0), (150, 0)]


def test_a_us_style_exclusive_rate_is_added_on_top_and_split_over_lines_and_shipping():
    totals = price_order(
        [2_500, 1_250, 999],
        ShipTo("US"),
        currency="USD",
        rules=ShopRules(US, {"US": TaxRate(825, inclusive=False)}),
    )

    # B = 4749 + 595 (standard, the cheapest) = 5344; tax 5344 * 825 / 10000 = 440.88 -> 441.
    # Split over 2500, 1250, 999 and 595: floors 206, 103, 82, 49 (440); the last cent goes to the
    # largest remainder, the third line's (441 * 999 = 82 * 5344 + 2351).
    assert (totals.shipping_cents, totals.tax_cents, totals.total_cents) == (595, 441, 5_785)
    assert [s.tax_cents for s in totals.lines] == [206, 103, 83]
    assert totals.shipping_tax_cents == 49


def test_the_worked_example_of_docs_pricing():
    ten_percent = Promotion("TEN", "percent", percent_off=10)

    totals = price_order(
        [3 * 833, 1_250, 999],
        ShipTo("US"),
        currency="USD",
        promotion=ten_percent,
        rules=ShopRules(US, {"US": TaxRate(825, inclusive=False)}),
    )
    first = PaidLine(3, 3 * 833, totals.lines[0].discount_cents, totals.lines[0].tax_cents)

    assert (totals.subtotal_cents, totals.discount_cents, totals.shipping_cents) == (
        4_748,
        475,
        595,
    )
    assert (totals.tax_cents, totals.total_cents, totals.shipping_tax_cents) == (402, 5_270, 49)
    assert [(s.discount_cents, s.tax_cents) for s in totals.lines] == [
        (250, 186),
        (125, 93),
        (100, 74),
    ]
    assert return_refund_cents(first, units=1, claimed_before=0) == 811
    assert return_refund_cents(first, units=2, claimed_before=1) == 1_624


def test_free_over_compares_with_the_subtotal_after_the_discount():
    five_off = Promotion("FIVE", "fixed", amount_off_cents=500, currency="USD")

    with_code = price_order(
        [10_000], ShipTo("US"), currency="USD", promotion=five_off, rules=ShopRules(US)
    )
    without = price_order([10_000], ShipTo("US"), currency="USD", rules=ShopRules(US))

    assert (with_code.shipping_cents, with_code.total_cents) == (595, 10_095)
    assert (without.shipping_cents, without.total_cents) == (0, 10_000)


def test_a_three_way_tie_gives_the_extra_cents_to_the_earlier_lines():
    assert allocate(500, [1_000, 1_000, 1_000]) == [167, 167, 166]


def test_a_tie_between_different_lines_follows_position_not_the_line():
    # 250 over 1000 and 3000 is 62.5 and 187.5: a tie, so the earlier line takes the cent.
    assert allocate(250, [1_000, 3_000]) == [63, 187]
    assert allocate(250, [3_000, 1_000]) == [188, 62]


def test_a_percent_discount_rounds_half_up_and_a_fixed_one_is_capped():
    assert discount_cents(Promotion("P", "percent", percent_off=15), 1_010) == 152  # 151.5
    assert discount_cents(Promotion("P", "percent", percent_off=15), 1_003) == 150  # 150.45
    assert discount_cents(Promotion("F", "fixed", amount_off_cents=2_000), 1_500) == 1_500


def test_with_no_zones_shipping_is_free_and_the_method_ignored():
    totals = price_order([1_000], ShipTo("JP", "express"), currency="USD")

    assert (totals.shipping_cents, totals.shipping_method, totals.total_cents) == (0, None, 1_000)


def test_a_country_no_zone_serves_is_refused_by_name():
    with pytest.raises(NotShipped, match="we do not ship to JP"):
        price_order([1_000], ShipTo("JP"), currency="USD", rules=ShopRules(US))


def test_a_method_the_zone_lacks_is_refused_by_name():
    with pytest.raises(UnknownShippingMethod, match="shippingMethod: drone"):
        price_order([1_000], ShipTo("US", "drone"), currency="USD", rules=ShopRules(US))


def test_the_star_zone_serves_countries_no_other_zone_lists():
    world = ShippingZone("world", "World", ("*",), (ShippingMethod("air", "Air", 2_000, "USD"),))
    zones = [world, *US]

    assert shipping_options(zones, "JP", "USD", 0) == (ShippingOption("air", "Air", 2_000),)
    assert [o.method_id for o in shipping_options(zones, "US", "USD", 0)] == ["standard", "express"]
    assert shipping_options(zones, "US", "EUR", 0) == ()


def test_the_last_unit_returned_takes_the_leftover_cents():
    line = PaidLine(quantity=3, line_total_cents=1_000, discount_cents=0, tax_cents=0)

    first = return_refund_cents(line, units=2, claimed_before=0)
    last = return_refund_cents(line, units=1, claimed_before=2)

    assert (first, last) == (666, 334)


def test_a_return_beyond_the_line_is_a_bug_not_a_refund():
    line = PaidLine(quantity=2, line_total_cents=1_000, discount_cents=0, tax_cents=0)

    with pytest.raises(ValueError, match="cannot return"):
        return_refund_cents(line, units=2, claimed_before=1)
