"""A return in flight survives a restart of the local stack: the store keeps the return, and a new
execution carries on from its stored status (devstack/workflows.py)."""

from __future__ import annotations

import pytest

from tests.stack.conftest import start_stack, stop_stack
from tests.stack.test_returns_on_stack import Shop

pytestmark = pytest.mark.stack


def test_a_return_in_flight_carries_on_after_the_stack_restarts(tmp_path):
    """Approved before a stop; received after the restart; refunded by the new execution."""
    first = start_stack(tmp_path, RETURN_REFUND_RETRY_SECONDS="1")
    try:
        shop = Shop(first)
        pid = shop.product(stock=5, price=300)
        order = shop.delivered_order(pid, 1)
        ret = shop.ask(order, pid, 1).json()
        shop.admin_move(ret["returnId"], "approve")
    finally:
        stop_stack(first.process)

    second = start_stack(tmp_path, RETURN_REFUND_RETRY_SECONDS="1")
    try:
        assert "1 return(s) in flight resumed" in second.log()
        shop.stack = second
        shop.admin = second.bearer(second.admin.email, second.admin.password)
        received = shop.admin_move(ret["returnId"], "receive")
        assert received.status_code == 200, received.text
        done = shop.status_becomes(ret["returnId"], "REFUNDED")
        assert done["status"] == "REFUNDED"
    finally:
        stop_stack(second.process)
