"""The pure rules of variants: ids, option names, combinations and the contract's limits."""

from __future__ import annotations

import pytest

from chalicelib.domain import variants
from chalicelib.domain.errors import AlreadyExists, InvalidInput
from chalicelib.web import render


def _variant(number, archived=False, **options):
    return variants.Variant(f"prd_x.v{number}", f"S{number}", options, 100, 1, archived, number)


def test_a_variant_id_leads_back_to_its_product():
    assert variants.product_of(variants.variant_id("prd_ab12", 3)) == "prd_ab12"
    assert variants.product_of("prd_ab12") == "prd_ab12"
    assert variants.product_of("prd_ab12.vx") == "prd_ab12.vx"


def test_the_first_variant_chooses_the_option_names():
    assert variants.check_new(None, [], {"Size": "M", "Colour": "Red"}) == ["Size", "Colour"]


def test_a_combination_is_unique_among_active_variants_only():
    taken = [_variant(1, Size="M"), _variant(2, archived=True, Size="L")]

    with pytest.raises(AlreadyExists):
        variants.check_new(["Size"], taken, {"Size": "M"})
    assert variants.check_new(["Size"], taken, {"Size": "L"}) == ["Size"]


@pytest.mark.parametrize("options", [{}, {"Size": "M", "Fit": "A"}, {"Fit": "A"}, {"Size": " "}])
def test_a_variant_names_exactly_the_products_options(options):
    with pytest.raises(InvalidInput):
        variants.check_new(["Size"], [_variant(1, Size="M")], options)


def test_an_option_has_at_most_20_values_and_a_product_100_variants():
    twenty = [_variant(n, Size=str(n)) for n in range(20)]
    hundred = [_variant(n, archived=True, Size="M") for n in range(100)]

    with pytest.raises(InvalidInput):
        variants.check_new(["Size"], twenty, {"Size": "new"})
    with pytest.raises(InvalidInput):
        variants.check_new(["Size"], hundred, {"Size": "new"})


def test_options_list_values_in_first_used_order():
    listed = [_variant(1, Size="M", Colour="Red"), _variant(2, Size="S", Colour="Red")]

    assert render.options(["Size", "Colour"], listed) == [
        {"name": "Size", "values": ["M", "S"]},
        {"name": "Colour", "values": ["Red"]},
    ]
