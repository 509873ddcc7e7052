"""A short soak of the local stack: every checkout answered 201, every order FULFILLED, no message
received twice, and the emulator keeps little per order.

The long one (90 s, twice, with memory per process) is `make bench`'s section 8 (bench/soak.py).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from bench.soak import THREADS, arrange, memory, round_of
from harness.stack import RunningStack

pytestmark = pytest.mark.stack

SOAK_SECONDS = float(os.environ.get("SOAK_TEST_SECONDS", 10))


@pytest.fixture(scope="module")
def soaked(stack: RunningStack) -> dict[str, Any]:
    """One short soak of the session's stack at 4 threads, with the emulator's memory around it."""
    admin_token, products, tokens = arrange(stack.api_url, stack.admin, THREADS)
    before = memory({"moto": stack.pids["devstack"]})["moto"]
    result = round_of(stack, admin_token, tokens, products, SOAK_SECONDS)
    result["moto_mb"] = memory({"moto": stack.pids["devstack"]})["moto"] - before
    return result


def test_a_soak_answers_every_checkout_with_a_201(soaked: dict[str, Any]) -> None:
    assert soaked["orders"] > 0
    assert (soaked["errors"], soaked["error_examples"]) == ({}, {})


def test_every_order_of_the_soak_is_fulfilled(soaked: dict[str, Any]) -> None:
    assert soaked["drain_seconds"] is not None


def test_no_message_is_delivered_twice_without_a_failure(soaked: dict[str, Any]) -> None:
    assert soaked["messages_handled"] >= soaked["orders"]
    # A handler that fails (or runs past its Lambda timeout on a loaded machine) gets its batch
    # again, as on AWS: only those may come twice.
    assert soaked["redelivered"] <= soaked["failed_deliveries"], soaked


def test_the_emulator_keeps_little_per_order(soaked: dict[str, Any]) -> None:
    # The goal is 0.2 MB per order after a long soak; a short one also carries start-up costs
    # (the first snapshot's fork, caches warming), so it gets a looser bound.
    assert soaked["moto_mb"] / soaked["orders"] < 1.0, soaked
