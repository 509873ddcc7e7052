"""A promotion code applies, or the shopper is told which rule it breaks (a 400 or a 409)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.promotions import (
    Attempt,
    Promotion,
    PromotionProblem,
    PromotionRejected,
    PromotionUnavailable,
    discount_cents,
    ensure_applies,
    normalize_code,
    promotion_problem,
)

# How many examples: the profile tests/conftest.py loads (HYPOTHESIS_PROFILE=thorough for many).
PURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
USD_100 = Attempt("USD", 100, NOW)


def check(promotion: Promotion | None, subtotal=10_000, currency="USD", used=False):
    return promotion_problem(promotion, Attempt(currency, subtotal, NOW, used_by_caller=used))


def percent(**fields) -> Promotion:
    return Promotion("SPRING", "percent", percent_off=10, **fields)


@pytest.mark.parametrize(
    ("promotion", "problem"),
    [
        (None, PromotionProblem.UNKNOWN),
        (percent(active=False), PromotionProblem.INACTIVE),
        (percent(starts_at=NOW + HOUR), PromotionProblem.NOT_STARTED),
        (percent(ends_at=NOW), PromotionProblem.ENDED),
        (percent(currency="EUR"), PromotionProblem.OTHER_CURRENCY),
        (percent(currency="USD", min_subtotal_cents=9_001), PromotionProblem.BELOW_MINIMUM),
        (percent(max_redemptions=10, redemptions=10), PromotionProblem.USED_UP),
    ],
)
def test_each_rule_a_code_breaks_is_named(promotion, problem):
    assert check(promotion) is problem


def test_a_code_applies_from_its_start_until_just_before_its_end():
    assert check(percent(starts_at=NOW, ends_at=NOW + HOUR)) is None
    assert check(percent(starts_at=NOW - HOUR, ends_at=NOW + timedelta(seconds=1))) is None


def test_the_minimum_compares_with_the_subtotal_after_the_discount():
    # 10000 less 10% is 9000: a minimum of 9000 is met, 9001 is not.
    assert check(percent(currency="USD", min_subtotal_cents=9_000)) is None
    assert (
        check(percent(currency="USD", min_subtotal_cents=9_001)) is PromotionProblem.BELOW_MINIMUM
    )


def test_a_percent_code_without_a_currency_applies_in_any_currency():
    assert check(percent(), currency="EUR") is None


def test_a_once_per_customer_code_is_refused_only_to_a_caller_who_used_it():
    once = percent(once_per_customer=True)

    assert check(once, used=False) is None
    assert check(once, used=True) is PromotionProblem.ALREADY_USED
    assert check(percent(), used=True) is None


def test_a_code_with_redemptions_left_applies():
    assert check(percent(max_redemptions=10, redemptions=9)) is None


def test_a_code_that_cannot_apply_is_reported_before_one_that_is_used_up():
    expired_and_used_up = percent(ends_at=NOW - HOUR, max_redemptions=1, redemptions=1)

    assert check(expired_and_used_up) is PromotionProblem.ENDED


def test_unknown_inactive_dated_minimum_and_currency_problems_are_bad_requests():
    with pytest.raises(PromotionRejected, match="Promotion code NOPE is unknown") as caught:
        ensure_applies("nope", None, USD_100)

    assert isinstance(caught.value, InvalidInput)
    assert caught.value.problem is PromotionProblem.UNKNOWN


def test_the_message_says_which_currency_or_minimum_was_missed():
    with pytest.raises(PromotionRejected, match=r"another currency \(EUR only\)"):
        ensure_applies("spring", percent(currency="EUR"), USD_100)
    with pytest.raises(PromotionRejected, match="at least 5000 cents after its discount"):
        ensure_applies(
            "spring", percent(currency="USD", min_subtotal_cents=5_000), Attempt("USD", 5_000, NOW)
        )


def test_a_used_up_or_already_used_code_is_a_conflict():
    used_up = percent(max_redemptions=3, redemptions=3)
    once = percent(once_per_customer=True)

    with pytest.raises(PromotionUnavailable, match="SPRING has been used up") as caught:
        ensure_applies("spring", used_up, USD_100)
    assert isinstance(caught.value, Conflict)
    with pytest.raises(PromotionUnavailable, match="SPRING was already used by you"):
        ensure_applies("Spring", once, Attempt("USD", 100, NOW, used_by_caller=True))


def test_a_cart_whose_code_no_longer_applies_is_a_conflict_at_checkout():
    ended = percent(ends_at=NOW - HOUR)

    with pytest.raises(PromotionUnavailable, match="SPRING has ended") as caught:
        ensure_applies("SPRING", ended, USD_100, held_by_cart=True)
    assert caught.value.problem is PromotionProblem.ENDED


def test_a_code_that_applies_is_returned():
    spring = percent()

    assert ensure_applies("SPRING", spring, Attempt("USD", 1, NOW)) is spring


@pytest.mark.parametrize("problem", list(PromotionProblem))
def test_only_used_up_and_already_used_are_the_409_kind(problem):
    expected = problem in (PromotionProblem.USED_UP, PromotionProblem.ALREADY_USED)

    assert problem.is_conflict is expected


@PURE
@given(st.from_regex(r"[A-Za-z0-9-]{3,32}", fullmatch=True))
def test_a_valid_code_is_stored_upper_cased_and_normalizing_again_changes_nothing(code):
    stored = normalize_code(code)

    assert stored == code.upper()
    assert normalize_code(stored) == stored
    assert normalize_code(code.lower()) == stored


@pytest.mark.parametrize(
    "code", ["", "ab", "A" * 33, "SAVE 10", "SAVE_10", "ÄBC", "ABC\n", "\uff21\uff22\uff23", "10%"]
)
def test_a_malformed_code_is_refused(code):
    with pytest.raises(InvalidInput, match="3-32 letters, digits or hyphens"):
        normalize_code(code)


@PURE
@given(st.integers(0, 10**12), st.integers(1, 100))
def test_a_percent_discount_is_rounded_half_up_and_never_above_the_subtotal(subtotal, off):
    discount = discount_cents(Promotion("P", "percent", percent_off=off), subtotal)

    assert discount == int(Fraction(subtotal * off, 100) + Fraction(1, 2))
    assert 0 <= discount <= subtotal


@PURE
@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_a_fixed_discount_is_capped_at_the_subtotal(subtotal, amount):
    discount = discount_cents(Promotion("F", "fixed", amount_off_cents=amount), subtotal)

    assert discount == min(amount, subtotal)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "percent", "percent_off": 0},
        {"kind": "percent", "percent_off": 101},
        {"kind": "percent"},
        {"kind": "fixed", "amount_off_cents": -1},
        {"kind": "bogo"},
    ],
)
def test_a_promotion_outside_the_contract_cannot_be_built(fields):
    with pytest.raises(ValueError, match="promotion X"):
        Promotion("X", **fields)
