"""Returns on the running local stack: moto's Step Functions runs the template's state machine.

The stack runs with RETURN_APPROVAL_SECONDS=3, RETURN_PARCEL_SECONDS=3 and
RETURN_REFUND_RETRY_SECONDS=1 (knobs, in seconds), so the windows that are days on AWS pass here in
seconds; the event pump plays Lambda for the step queue and the returns stream.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
import requests

from infra.workflows import definition_text
from tests.stack.conftest import RunningStack, start_stack, stop_stack
from tests.support.data import ADDRESS

pytestmark = pytest.mark.stack
PASSWORD = "Stack-Passw0rd!"
WINDOW_SECONDS = 3
SETTLE_SECONDS = 30


@pytest.fixture(scope="module")
def returns_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """A local stack of this module's own, with windows of seconds."""
    running = start_stack(
        tmp_path_factory.mktemp("returns-stack"),
        RETURN_APPROVAL_SECONDS=str(WINDOW_SECONDS),
        RETURN_PARCEL_SECONDS=str(WINDOW_SECONDS),
        RETURN_REFUND_RETRY_SECONDS="1",
        PUMP_RETRY_SECONDS="1",
    )
    yield running
    stop_stack(running.process)


class Shop:
    """A shopper and the admin on one stack, and the calls the tests make."""

    def __init__(self, stack: RunningStack):
        self.stack = stack
        self.admin = stack.bearer(stack.admin.email, stack.admin.password)
        email = f"returns-{uuid.uuid4().hex[:10]}@example.com"
        answer = requests.post(
            f"{stack.api_url}/auth/register",
            json={"email": email, "password": PASSWORD, "name": "Returns Shopper"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        self.shopper = stack.bearer(email, PASSWORD)

    def call(self, method: str, path: str, who: dict[str, str], **kw: Any) -> requests.Response:
        """One request to the stack's API."""
        return requests.request(
            method, f"{self.stack.api_url}{path}", headers=who, timeout=30, **kw
        )

    def product(self, stock: int, price: int = 1000) -> str:
        """A new product, as the admin."""
        body = {"name": f"Ret {uuid.uuid4().hex[:6]}", "priceCents": price, "category": "returns"}
        answer = self.call("POST", "/products", self.admin, json={**body, "stock": stock})
        assert answer.status_code == 201, answer.text
        return str(answer.json()["productId"])

    def stock(self, pid: str) -> int:
        """A product's stock on hand."""
        return int(self.call("GET", f"/products/{pid}", {}).json()["stock"])

    def delivered_order(self, pid: str, quantity: int, token: str = "tok_visa") -> dict[str, Any]:
        """An order placed, paid, shipped and marked delivered."""
        body = {
            "items": [{"productId": pid, "quantity": quantity}],
            "shippingAddress": ADDRESS,
            "paymentToken": token,
        }
        order = self.call("POST", "/orders", self.shopper, json=body).json()
        path = f"/orders/{order['orderId']}"
        self.until(lambda: self.call("GET", path, self.shopper).json()["status"] == "FULFILLED")
        moved = self.call("PATCH", f"/admin{path}", self.admin, json={"status": "DELIVERED"})
        assert moved.status_code == 200, moved.text
        return moved.json()  # type: ignore[no-any-return]

    def ask(self, order: dict[str, Any], pid: str, quantity: int) -> requests.Response:
        """The shopper asks to return units of a product of the order."""
        body = {"items": [{"variantId": pid, "quantity": quantity}], "reason": "Does not fit"}
        return self.call("POST", f"/orders/{order['orderId']}/returns", self.shopper, json=body)

    def admin_move(self, return_id: str, move: str, **kw: Any) -> requests.Response:
        """An admin's move of a return."""
        return self.call("POST", f"/admin/returns/{return_id}/{move}", self.admin, **kw)

    def status_becomes(self, return_id: str, status: str) -> dict[str, Any]:
        """The return, once it reaches `status` (the test fails if it does not in time)."""
        path = f"/returns/{return_id}"
        self.until(lambda: self.call("GET", path, self.admin).json()["status"] == status)
        return self.call("GET", path, self.admin).json()  # type: ignore[no-any-return]

    @staticmethod
    def until(condition: Callable[[], bool], seconds: float = SETTLE_SECONDS) -> None:
        """Poll until `condition` holds; fail after `seconds`."""
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, "the stack did not get there in time"
            time.sleep(0.2)


def _aws(stack: RunningStack, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _history(stack: RunningStack, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = _aws(stack, "stepfunctions").get_execution_history(
        executionArn=execution_arn
    )["events"]
    return events


def _refunds(stack: RunningStack, order_id: str) -> list[dict[str, Any]]:
    items = _aws(stack, "dynamodb").query(
        TableName=stack.env["LEDGER_TABLE"],
        KeyConditionExpression="orderId = :o",
        ExpressionAttributeValues={":o": {"S": order_id}},
    )["Items"]
    return [item for item in items if item["entry"]["S"].startswith("refund#")]


def test_the_stack_runs_the_templates_state_machine(returns_stack):
    machine = _aws(returns_stack, "stepfunctions").describe_state_machine(
        stateMachineArn=returns_stack.env["RETURNS_STATE_MACHINE_ARN"]
    )
    queue = returns_stack.env["RETURN_STEPS_QUEUE_URL"]
    table = returns_stack.env["RETURNS_TABLE"]
    expected = (
        definition_text()
        .replace("${ReturnStepsQueue}", queue)
        .replace("${ReturnsTable}", table)
        .replace("${AWS::Partition}", "aws")
    )

    assert json.loads(machine["definition"]) == json.loads(expected)
    assert machine["definition"] == expected


def test_approve_receive_and_refund_restock_and_grow_the_orders_refunded_cents(returns_stack):
    shop = Shop(returns_stack)
    pid = shop.product(stock=5, price=1000)
    order = shop.delivered_order(pid, 3)

    ret = shop.ask(order, pid, 2).json()
    approved = shop.admin_move(ret["returnId"], "approve")
    received = shop.admin_move(ret["returnId"], "receive")
    done = shop.status_becomes(ret["returnId"], "REFUNDED")

    assert (approved.status_code, received.status_code) == (200, 200)
    assert [h["status"] for h in done["history"]] == [
        "REQUESTED",
        "APPROVED",
        "RECEIVED",
        "REFUNDED",
    ]
    assert shop.stock(pid) == 5 - 3 + 2
    order_now = shop.call("GET", f"/orders/{order['orderId']}", shop.shopper).json()
    assert order_now["refundedCents"] == 2000
    assert len(_refunds(returns_stack, order["orderId"])) == 1
    description = _aws(returns_stack, "stepfunctions").describe_execution(
        executionArn=done["executionArn"]
    )
    assert description["name"] == ret["returnId"]
    shop.until(
        lambda: _aws(returns_stack, "stepfunctions").describe_execution(
            executionArn=done["executionArn"]
        )["status"]
        == "SUCCEEDED"
    )


def test_a_rejected_return_gives_its_units_back_to_return_again(returns_stack):
    shop = Shop(returns_stack)
    pid = shop.product(stock=5)
    order = shop.delivered_order(pid, 1)
    ret = shop.ask(order, pid, 1).json()

    rejected = shop.admin_move(ret["returnId"], "reject", json={"note": "Worn"})
    again = shop.ask(order, pid, 1)

    assert rejected.json()["status"] == "REJECTED"
    assert rejected.json()["history"][-1]["note"] == "Worn"
    assert again.status_code == 201
    assert shop.stock(pid) == 4  # nothing came back: the parcel was never received


def test_no_decision_within_the_approval_window_rejects(returns_stack):
    shop = Shop(returns_stack)
    pid = shop.product(stock=5)
    order = shop.delivered_order(pid, 1)
    started = time.monotonic()

    ret = shop.ask(order, pid, 1).json()
    rejected = shop.status_becomes(ret["returnId"], "REJECTED")

    assert time.monotonic() - started >= WINDOW_SECONDS
    assert rejected["history"][-1]["note"] == "no decision within the approval window"
    assert shop.admin_move(ret["returnId"], "approve").status_code == 409
    events = [e["type"] for e in _history(returns_stack, rejected["executionArn"])]
    assert "TaskTimedOut" in events


def test_no_parcel_within_the_parcel_window_expires(returns_stack):
    shop = Shop(returns_stack)
    pid = shop.product(stock=5)
    order = shop.delivered_order(pid, 1)
    ret = shop.ask(order, pid, 1).json()

    shop.admin_move(ret["returnId"], "approve")
    expired = shop.status_becomes(ret["returnId"], "EXPIRED")

    assert [h["status"] for h in expired["history"]] == ["REQUESTED", "APPROVED", "EXPIRED"]
    assert shop.admin_move(ret["returnId"], "receive").status_code == 409
    assert shop.ask(order, pid, 1).status_code == 201  # an expired return claims nothing


def test_a_refund_that_fails_three_times_then_succeeds_refunds_exactly_once(returns_stack):
    shop = Shop(returns_stack)
    pid = shop.product(stock=5, price=700)
    order = shop.delivered_order(pid, 1, token="tok_refund_error_3")
    ret = shop.ask(order, pid, 1).json()

    shop.admin_move(ret["returnId"], "approve")
    shop.admin_move(ret["returnId"], "receive")
    done = shop.status_becomes(ret["returnId"], "REFUNDED")

    (refund,) = _refunds(returns_stack, order["orderId"])
    assert refund["detail"]["M"]["amountCents"]["N"] == "700"
    history = _history(returns_stack, done["executionArn"])
    failed = [e for e in history if e["type"] == "TaskFailed"]
    assert [json.loads(json.dumps(e["taskFailedEventDetails"]))["error"] for e in failed] == [
        "Refund.Transient"
    ] * 3
    assert (
        shop.call("GET", f"/orders/{order['orderId']}", shop.shopper).json()["refundedCents"] == 700
    )


def test_a_refund_refused_for_good_fails_and_an_admin_retry_refunds(returns_stack):
    shop = Shop(returns_stack)
    pid = shop.product(stock=5, price=450)
    order = shop.delivered_order(pid, 2, token="tok_refund_refused")
    ret = shop.ask(order, pid, 2).json()
    shop.admin_move(ret["returnId"], "approve")
    shop.admin_move(ret["returnId"], "receive")

    failed = shop.status_becomes(ret["returnId"], "REFUND_FAILED")
    retried = shop.admin_move(ret["returnId"], "refund")
    done = shop.status_becomes(ret["returnId"], "REFUNDED")

    assert "cannot take refunds" in failed["refundFailure"]
    assert retried.status_code == 200
    assert [h["status"] for h in done["history"]][-3:] == ["REFUND_FAILED", "RECEIVED", "REFUNDED"]
    assert len(_refunds(returns_stack, order["orderId"])) == 1
    assert shop.stock(pid) == 5  # restocked once, though it passed RECEIVED twice


def test_concurrent_returns_of_one_order_never_claim_a_unit_twice(returns_stack):
    shop = Shop(returns_stack)
    pid = shop.product(stock=10)
    order = shop.delivered_order(pid, 3)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: shop.ask(order, pid, 1).status_code, range(8)))

    assert sorted(answers) == [201] * 3 + [409] * 5
