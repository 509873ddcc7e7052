"""The order state machine allows exactly the contract's moves, each only to its actors."""

from __future__ import annotations

import itertools

import pytest

from chalicelib.domain.errors import InvalidTransition
from chalicelib.domain.order_rules import MOVES, Actor, Status, event_type, transition

ALLOWED = {
    ("PENDING", "CONFIRMED", "system"),
    ("PENDING", "PAYMENT_FAILED", "system"),
    # API.md (issue 14): booking holds the order in FULFILLING; a failed booking returns it.
    ("CONFIRMED", "FULFILLING", "system"),
    ("FULFILLING", "FULFILLED", "system"),
    ("FULFILLING", "CONFIRMED", "system"),
    ("FULFILLED", "DELIVERED", "admin"),
    ("PENDING", "CANCELLED", "shopper"),
    ("PENDING", "CANCELLED", "admin"),
    ("CONFIRMED", "CANCELLED", "shopper"),
    ("CONFIRMED", "CANCELLED", "admin"),
}
EVERY_MOVE = list(itertools.product(list(Status), list(Status), list(Actor)))


@pytest.mark.parametrize(("current", "target", "actor"), EVERY_MOVE)
def test_only_the_contracts_moves_are_allowed(current, target, actor):
    if (current.value, target.value, actor.value) in ALLOWED:
        assert transition(current, target, actor) == target
    else:
        with pytest.raises(InvalidTransition):
            transition(current, target, actor)


def test_the_table_is_the_contract():
    table = {(a.value, b.value, who.value) for (a, b), actors in MOVES.items() for who in actors}
    assert table == ALLOWED


def test_an_unknown_status_is_an_invalid_transition():
    with pytest.raises(InvalidTransition):
        transition("SHIPPED", "DELIVERED", Actor.ADMIN)


def test_every_status_but_fulfilling_announces_itself_with_a_contract_event():
    assert event_type(Status.FULFILLING) is None
    assert event_type(Status.CONFIRMED, previous=Status.FULFILLING) is None
    assert event_type(Status.FULFILLED, previous=Status.FULFILLING) == "OrderFulfilled"
    assert {event_type(s) for s in Status if s != Status.FULFILLING} == {
        "OrderPlaced",
        "OrderConfirmed",
        "PaymentFailed",
        "OrderFulfilled",
        "OrderDelivered",
        "OrderCancelled",
    }
