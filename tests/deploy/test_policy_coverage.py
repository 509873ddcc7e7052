"""Every AWS call the code makes, through the API and the async pipeline, is allowed by the policy
of the function that made it, as rendered for the test stage's own resources.

The API and every handler run in-process against moto (the API tests' fixtures); each botocore
call is recorded with the Lambda function it ran in, turned into the IAM action and resource AWS
would authorize, and checked against that function's rendered policy. Calls IAM never sees
(Cognito's unsigned public APIs: sign-up, confirm, login) are left out, as AWS leaves them out.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import botocore.client
import chalice.test
import pytest

from deploy import policies, project
from infra.template import build_template, env_name
from tests.support.data import ADDRESS
from tests.support.search_feed import SearchFeed, forget_snapshot

ROOT = Path(__file__).resolve().parents[2]
REGION, ACCOUNT = "us-east-1", "123456789012"  # moto's
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("function", default=None)


@dataclass(frozen=True)
class Call:
    """One signed AWS call made inside a Lambda function."""

    function: str
    service: str
    operation: str
    params: dict[str, Any]


@contextlib.contextmanager
def calls_per_function(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """Record every signed botocore call made inside an invocation of a function of the app."""
    calls: list[Call] = []
    original = botocore.client.BaseClient._make_api_call
    http_request = chalice.test.TestHTTPClient.request
    invoke = chalice.test.TestLambdaClient.invoke

    def record(client: Any, operation: str, params: Any) -> Any:
        function = _function.get()
        model = client.meta.service_model.operation_model(operation)
        if function is not None and model.auth_type != "none":
            calls.append(Call(function, client.meta.service_model.service_name, operation, params))
        return original(client, operation, params)

    def within(function: str, run: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            name = function if function != "*" else args[1]
            token = _function.set(name)
            try:
                return run(*args, **kwargs)
            finally:
                _function.reset(token)

        return wrapped

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", record)
    monkeypatch.setattr(chalice.test.TestHTTPClient, "request", within("api_handler", http_request))
    monkeypatch.setattr(chalice.test.TestLambdaClient, "invoke", within("*", invoke))
    yield calls


def _table(name: str, suffix: str = "") -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}{suffix}"


def _queue_arn(url: str) -> str:
    account, name = url.rstrip("/").split("/")[-2:]
    return f"arn:aws:sqs:{REGION}:{account}:{name}"


def _dynamodb(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    if operation in {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"}:
        index = params.get("IndexName")
        suffix = f"/index/{index}" if index else ""
        return [(f"dynamodb:{operation}", _table(params["TableName"], suffix))]
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return [(f"dynamodb:{operation}", _table(table)) for table in params["RequestItems"]]
    if operation == "TransactWriteItems":
        return [
            (f"dynamodb:{TRANSACT_ACTIONS[kind]}", _table(body["TableName"]))
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    raise AssertionError(f"teach this test what dynamodb:{operation} needs")


def required(call: Call) -> list[tuple[str, str]]:
    """The IAM actions and resources AWS authorizes for a call."""
    if call.service == "dynamodb":
        return _dynamodb(call.operation, call.params)
    if (call.service, call.operation) == ("sns", "Publish"):
        return [("sns:Publish", call.params["TopicArn"])]
    if (call.service, call.operation) == ("sqs", "GetQueueUrl"):
        return [("sqs:GetQueueUrl", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{call.params['QueueName']}")]
    if (call.service, call.operation) == ("stepfunctions", "StartExecution"):
        return [("states:StartExecution", call.params["stateMachineArn"])]
    if call.service == "stepfunctions" and call.operation in ("SendTaskSuccess", "SendTaskFailure"):
        return [(f"states:{call.operation}", "*")]  # a task token names no resource
    if (call.service, call.operation) == ("sqs", "DeleteMessageBatch"):
        return [("sqs:DeleteMessage", _queue_arn(call.params["QueueUrl"]))]
    if (call.service, call.operation) in {("s3", "GetObject"), ("s3", "PutObject")}:
        bucket, key = call.params["Bucket"], call.params["Key"]
        needed = [(f"s3:{call.operation}", f"arn:aws:s3:::{bucket}/{key}")]
        if call.operation == "GetObject":
            # Without ListBucket, S3 answers a missing key with 403, not the 404 the code expects.
            needed.append(("s3:ListBucket", f"arn:aws:s3:::{bucket}"))
        return needed
    raise AssertionError(f"teach this test what {call.service}:{call.operation} needs")


def allows(policy: dict[str, Any], action: str, resource: str) -> bool:
    """Whether an Allow statement of the policy matches the action and the resource."""
    for statement in policy["Statement"]:
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        resources = (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
        if (
            statement["Effect"] == "Allow"
            and any(fnmatchcase(action.lower(), pattern.lower()) for pattern in actions)
            and any(fnmatchcase(resource, pattern) for pattern in resources)
        ):
            return True
    return False


def _test_stack_outputs() -> dict[str, str]:
    """The session's moto stack's outputs, read back from the variables provisioning set."""
    return {
        key: os.environ[env_name(key)]
        for key in build_template()["Outputs"]
        if env_name(key) in os.environ
    }


@pytest.fixture
def test_stage_policies() -> dict[str, dict[str, Any]]:
    """Every function's policy for the test stage's resources, with dev's settings."""
    env = project.stage_environment(project.chalice_config(ROOT), "dev")
    return policies.render_for_deploy("test", env, REGION, ACCOUNT, _test_stack_outputs())


def _shop_for_a_while(
    api: Any, admin: Any, shopper: Any, product_factory: Any, pipeline: Any
) -> None:
    mug, lamp = product_factory(stock=10), product_factory(name="Lamp", category="home", stock=5)
    gone = product_factory(name="Old")
    api.patch(f"/products/{mug['productId']}", {"description": "Big"}, user=admin)
    api.post(f"/products/{mug['productId']}/stock", {"delta": 3}, user=admin)
    api.post(f"/products/{lamp['productId']}/image", {"contentType": "image/png"}, user=admin)
    api.delete(f"/products/{gone['productId']}", user=admin)
    tee = product_factory(name="Tee")
    variants = f"/products/{tee['productId']}/variants"
    size_m = api.post(
        variants, {"sku": "COV-M", "options": {"Size": "M"}, "priceCents": 900}, user=admin
    ).json
    api.patch(f"{variants}/{size_m['variantId']}", {"sku": "COV-M2"}, user=admin)
    api.post(f"{variants}/{size_m['variantId']}/stock", {"delta": 2}, user=admin)
    api.delete(f"{variants}/{size_m['variantId']}", user=admin)
    forget_snapshot()  # the indexer rebuilds a missing index from the active products
    SearchFeed(pipeline.client, os.environ["PRODUCTS_TABLE"]).sync()
    api.get("/products?q=mug&maxPriceCents=5000")
    api.get("/products?category=home")
    api.get("/products?limit=1")
    api.get(f"/products/{mug['productId']}")
    api.patch("/me", {"name": "Sam", "address": ADDRESS}, user=shopper)
    api.get("/me", user=shopper)
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 2}, user=shopper)
    api.put(f"/cart/items/{lamp['productId']}", {"quantity": 1}, user=shopper)
    api.delete(f"/cart/items/{lamp['productId']}", user=shopper)
    api.get("/cart", user=shopper)
    checkout = {"shippingAddress": ADDRESS, "paymentToken": "tok_visa"}
    key = {"Idempotency-Key": "coverage-1"}
    paid = api.post("/orders", checkout, user=shopper, headers=key).json
    api.post("/orders", checkout, user=shopper, headers=key)  # a replay
    line = [{"productId": lamp["productId"], "quantity": 1}]
    api.post("/orders", {**checkout, "items": line, "paymentToken": "tok_decline"}, user=shopper)
    cancelled = api.post("/orders", {**checkout, "items": line}, user=shopper).json
    api.post(f"/orders/{cancelled['orderId']}/cancel", user=shopper)
    api.put(f"/cart/items/{mug['productId']}", {"quantity": 1}, user=shopper)
    api.delete("/cart", user=shopper)
    pipeline.run()
    api.get("/orders", user=shopper)
    api.get(f"/orders/{paid['orderId']}", user=shopper)
    api.get("/me/notifications", user=shopper)
    api.get("/admin/orders?status=FULFILLED", user=admin)
    api.patch(f"/admin/orders/{paid['orderId']}", {"status": "DELIVERED"}, user=admin)
    pipeline.run()
    api.get("/admin/reports/sales", user=admin)
    _fail_for_good(api, shopper, line, pipeline, paid)
    _return_and_refund(api, admin, shopper, pipeline, paid)


def _return_and_refund(api: Any, admin: Any, shopper: Any, pipeline: Any, paid: Any) -> None:
    """A return through every step of its workflow, and its events off the returns stream."""
    from tests.api.test_saga import invoke

    variant = paid["items"][0]["variantId"]
    body = {"items": [{"variantId": variant, "quantity": 1}], "reason": "Too big"}
    rid = api.post(f"/orders/{paid['orderId']}/returns", body, user=shopper).json["returnId"]
    api.get("/returns", user=shopper)
    api.get(f"/returns/{rid}", user=shopper)
    api.get("/admin/returns", user=admin)
    steps = ("decision", "approvalTimeout", "parcel", "restock", "refund", "refundFailed")
    messages = [
        {
            "MessageId": f"s-{n}",
            "ReceiptHandle": f"r-{n}",
            "Body": json.dumps({"step": name, "returnId": rid, "taskToken": f"t-{n}"}),
        }
        for n, name in enumerate(steps)
    ]
    invoke(pipeline, "work_return_steps", "return-steps", messages[:1])
    api.post(f"/admin/returns/{rid}/approve", user=admin)
    api.post(f"/admin/returns/{rid}/receive", user=admin)
    for message in messages[1:]:
        invoke(pipeline, "work_return_steps", "return-steps", [message])
    pipeline.publish_changes(table=os.environ["RETURNS_TABLE"], function="publish_return_events")


def _fail_for_good(api: Any, shopper: Any, line: Any, pipeline: Any, paid: Any) -> None:
    """The saga's failure paths: a payment and a booking in their DLQs, and the timeout sweep."""
    from tests.api.test_saga import SCHEDULED_EVENT, invoke

    checkout = {"shippingAddress": ADDRESS, "paymentToken": "tok_error", "items": line}
    api.post("/orders", checkout, user=shopper)
    before = len(pipeline.failures)
    pipeline.run(rounds=8)
    assert len(pipeline.failures) - before == 5  # the tok_error charge, retried to its DLQ
    del pipeline.failures[before:]
    invoke(pipeline, "fail_dead_payments", "payments-dlq", pipeline.dead_letters("payments"))
    booking = {"type": "OrderConfirmed", "orderId": paid["orderId"], "userId": paid["userId"]}
    message = {"MessageId": "m-1", "ReceiptHandle": "r-1", "Body": json.dumps(booking)}
    invoke(pipeline, "return_unbooked_orders", "fulfillment-dlq", [message])
    pipeline.client.lambda_.invoke("expire_unpaid_orders", SCHEDULED_EVENT)


def test_every_call_of_every_function_is_allowed_by_its_own_policy(
    api: Any,
    admin: Any,
    shopper: Any,
    product_factory: Any,
    pipeline: Any,
    test_stage_policies: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with calls_per_function(monkeypatch) as calls:
        _shop_for_a_while(api, admin, shopper, product_factory, pipeline)

    assert pipeline.failures == []
    assert {call.function for call in calls} == set(policies.functions())
    denied = {
        (call.function, action, resource)
        for call in calls
        for action, resource in required(call)
        if not allows(test_stage_policies[call.function], action, resource)
    }
    assert denied == set()


def test_a_call_outside_the_policy_is_denied(
    test_stage_policies: dict[str, dict[str, Any]],
) -> None:
    ship = test_stage_policies["ship_orders"]
    products = os.environ["PRODUCTS_TABLE"]
    assert not allows(ship, "dynamodb:UpdateItem", _table(products))
    assert not allows(ship, "dynamodb:DeleteItem", _table(os.environ["ORDERS_TABLE"]))
    assert allows(ship, "dynamodb:UpdateItem", _table(os.environ["ORDERS_TABLE"]))
