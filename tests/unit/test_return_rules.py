"""The return rules: moves, windows, what is left to return and what each unit refunds.

Properties (hypothesis) run random sequences of requests and rejections against random orders:
live returns never claim a unit twice, and never refund more than a line cost.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput, InvalidReturnMove, Reason, ReturnRefused
from chalicelib.domain.returns import (
    MOVES,
    Asked,
    DeliveredLine,
    Mover,
    ReturnLine,
    ReturnStatus,
    check_window,
    delivered_at,
    left_to_return,
    plan,
    refund_key,
    refund_total,
    transition,
)

PURE = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)


def line(variant: str, quantity: int, total: int, discount: int = 0, tax: int = 0):
    return DeliveredLine(
        variant, f"prd-{variant}", f"Item {variant}", quantity, total, discount, tax
    )


@pytest.mark.parametrize(
    ("current", "target", "mover"),
    list(itertools.product(ReturnStatus, ReturnStatus, Mover)),
)
def test_only_the_contract_s_moves_are_allowed_and_only_to_their_mover(current, target, mover):
    allowed = mover in MOVES.get((current, target), frozenset())

    if allowed:
        assert transition(current, target, mover) is target
    else:
        with pytest.raises(InvalidReturnMove):
            transition(current, target, mover)


def test_the_admin_moves_are_approve_reject_receive_and_retry():
    admin = {move for move, movers in MOVES.items() if Mover.ADMIN in movers}

    assert admin == {
        (ReturnStatus.REQUESTED, ReturnStatus.APPROVED),
        (ReturnStatus.REQUESTED, ReturnStatus.REJECTED),
        (ReturnStatus.APPROVED, ReturnStatus.RECEIVED),
        (ReturnStatus.REFUND_FAILED, ReturnStatus.RECEIVED),
    }


def test_an_unknown_status_is_a_refused_move_not_a_crash():
    with pytest.raises(InvalidReturnMove):
        transition("LOST", "APPROVED", Mover.ADMIN)


def test_a_delivered_order_can_be_returned_for_exactly_thirty_days():
    check_window("DELIVERED", NOW - timedelta(days=30), NOW)

    with pytest.raises(ReturnRefused) as refused:
        check_window("DELIVERED", NOW - timedelta(days=30, seconds=1), NOW)
    assert refused.value.reason == Reason.RETURN_WINDOW_CLOSED


@pytest.mark.parametrize("status", ["PENDING", "CONFIRMED", "FULFILLED", "CANCELLED"])
def test_an_order_that_was_not_delivered_cannot_be_returned(status):
    with pytest.raises(ReturnRefused):
        check_window(status, None, NOW)


def test_delivery_time_is_the_last_delivered_entry_of_the_history():
    history = [("PENDING", "a"), ("DELIVERED", "b"), ("DELIVERED", "c")]

    assert delivered_at(history) == "c"
    assert delivered_at([("PENDING", "a")]) is None


def test_each_unit_refunds_its_share_and_the_last_unit_takes_the_leftover_cents():
    lines = [line("v1", 3, 1000, discount=100, tax=72)]  # paid 972: 324 each, no leftover
    odd = [line("v2", 3, 1000)]  # 333, 333 and 334

    assert refund_total(plan(lines, {}, [Asked("v1", 1)])) == 324
    assert [plan(odd, {"v2": n}, [Asked("v2", 1)])[0].refund_cents for n in range(3)] == [
        333,
        333,
        334,
    ]
    assert refund_total(plan(odd, {}, [Asked("v2", 3)])) == 1000


def test_a_variant_not_on_the_order_or_named_twice_is_bad_input():
    lines = [line("v1", 2, 200)]

    with pytest.raises(InvalidInput):
        plan(lines, {}, [Asked("other", 1)])
    with pytest.raises(InvalidInput):
        plan(lines, {}, [Asked("v1", 1), Asked("v1", 1)])


def test_units_claimed_by_live_returns_are_not_left_to_return():
    lines = [line("v1", 2, 200)]

    with pytest.raises(ReturnRefused) as refused:
        plan(lines, {"v1": 2}, [Asked("v1", 1)])

    assert refused.value.reason == Reason.NOTHING_LEFT_TO_RETURN
    assert left_to_return(lines[0], {"v1": 1}) == 1


def test_the_refund_key_is_stable_per_round_and_new_for_an_admin_retry():
    assert refund_key("ret_1", 0) == refund_key("ret_1", 0)
    assert refund_key("ret_1", 0) != refund_key("ret_1", 1)


cents = st.one_of(st.integers(0, 50), st.integers(0, 10_000_000))
order_lines = st.lists(
    st.tuples(st.integers(1, 99), cents, st.integers(0, 100), cents), min_size=1, max_size=5
).map(
    lambda specs: [
        # A discount share never exceeds its line, as checkout's allocation guarantees.
        line(f"v{i}", q, total, discount=total * pct // 100, tax=tax)
        for i, (q, total, pct, tax) in enumerate(specs)
    ]
)


@PURE
@given(order_lines, st.data())
def test_live_returns_never_claim_a_unit_twice_nor_refund_more_than_a_line_cost(lines, data):
    claimed: dict[str, int] = {}
    live: list[list[ReturnLine]] = []  # the lines of returns neither rejected nor expired

    for _ in range(data.draw(st.integers(1, 12))):
        if live and data.draw(st.booleans()):  # reject (or let expire) one live return
            released = live.pop(data.draw(st.integers(0, len(live) - 1)))
            for item in released:
                claimed[item.variant_id] -= item.quantity
            continue
        target = data.draw(st.sampled_from(lines))
        asked = Asked(target.variant_id, data.draw(st.integers(1, 99)))
        try:
            planned = plan(lines, claimed, [asked])
        except ReturnRefused:
            assert asked.quantity > left_to_return(target, claimed)
            continue
        for item in planned:
            assert claimed.get(item.variant_id, 0) == item.claimed_before
            claimed[item.variant_id] = item.claimed_after
        live.append(planned)

    for order_line in lines:
        units = [i for r in live for i in r if i.variant_id == order_line.variant_id]
        assert sum(i.quantity for i in units) == claimed.get(order_line.variant_id, 0)
        assert sum(i.quantity for i in units) <= order_line.quantity
        refunded = sum(i.refund_cents for i in units)
        assert 0 <= refunded <= order_line.paid.paid_cents
        if sum(i.quantity for i in units) == order_line.quantity:
            assert refunded == order_line.paid.paid_cents
