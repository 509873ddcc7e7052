"""Returns, model-checked: random returns, admin moves and workflow steps in any order (hypothesis).

The machine is tests/returns_model.py: units are never claimed twice, refunds never exceed what was
paid (one per return, equal to the order's refundedCents), restocked units are conserved. The
order's card decides how refunds behave: tok_visa pays, tok_refund_error_2 fails each refund key
twice first, tok_refund_refused refuses the first round for good.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.returns_model import ReturnsMachine


@pytest.mark.parametrize("card", ["tok_visa", "tok_refund_error_2", "tok_refund_refused"])
def test_returns_keep_their_invariants_under_any_interleaving(
    api: Any, admin: Any, shopper: Any, card: str
) -> None:
    ReturnsMachine.api, ReturnsMachine.shopper, ReturnsMachine.admin = api, shopper, admin
    ReturnsMachine.card = card
    logging.disable(logging.CRITICAL)
    try:
        run_state_machine_as_test(
            ReturnsMachine,
            settings=settings(
                max_examples=3,
                stateful_step_count=30,
                derandomize=True,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        logging.disable(logging.NOTSET)
