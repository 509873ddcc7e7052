"""The event lake and the sales report on the running local stack (issue 19).

After N orders, every event the topic published (recorded by a tap queue this test subscribes) is
in the local lake, once after dropping duplicates by eventId, each line valid against the one event
schema, under `events/year=/month=/day=/` of its arrival; and the day's report has their revenue
within the contract's 5 s.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
import requests

from chalicelib.domain import event_schema
from harness.stack import RunningStack
from tests.support.data import ADDRESS

pytestmark = pytest.mark.stack
ORDERS = 6
LAKE_WAIT_SECONDS = 30  # how long the pipeline may take to settle N orders on a busy machine
REPORT_FRESH_SECONDS = 5  # API.md: figures are fresh within 5 s on the local stack
PARTITION = re.compile(r"^events/year=(\d{4})/month=(\d{2})/day=(\d{2})/[^/]+$")


@pytest.fixture
def tap(stack: RunningStack) -> Iterator[str]:
    """A queue subscribed raw, unfiltered, to the events topic: a record of what was published.

    It goes when the test ends, so the session's later tests do not feed it.
    """
    sqs, sns = stack.aws("sqs"), stack.aws("sns")
    url = sqs.create_queue(QueueName="lake-test-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    topic = next(
        t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith("-events")
    )
    subscription = sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    yield str(url)
    sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=url)


def _published(stack: RunningStack, url: str) -> dict[str, dict[str, Any]]:
    sqs, seen = stack.aws("sqs"), {}
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            event = json.loads(message["Body"])
            seen[event["eventId"]] = event
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return seen


def _lake(stack: RunningStack) -> list[tuple[str, str]]:
    s3 = stack.aws("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "-lake-" in b["Name"])
    lines = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="events/"):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode()
            lines += [(item["Key"], line) for line in body.splitlines() if line]
    return lines


def _today_revenue(stack: RunningStack, headers: dict[str, str]) -> int:
    answer = requests.get(f"{stack.api_url}/admin/reports/sales", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["days"][-1]["revenueCents"])


def _place(stack: RunningStack, headers: dict[str, str], product: dict[str, Any]) -> str:
    body = {
        "items": [{"productId": product["productId"], "quantity": 1}],
        "shippingAddress": ADDRESS,
        "paymentToken": "tok_visa",
    }
    answer = requests.post(f"{stack.api_url}/orders", json=body, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["orderId"])


def _settled(stack: RunningStack, headers: dict[str, str], order_id: str) -> bool:
    url = f"{stack.api_url}/orders/{order_id}"
    return bool(requests.get(url, headers=headers, timeout=10).json()["status"] == "FULFILLED")


def _unique(lines: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, set[str]]]:
    """The lake's events by eventId (duplicates dropped), and the partitions each was found in.

    Every line must be a JSON object valid against the one event schema, under a date partition.
    """
    events: dict[str, Any] = {}
    partitions: dict[str, set[str]] = {}
    for key, line in lines:
        event = json.loads(line)
        jsonschema.validate(event, event_schema.json_schema())
        match = PARTITION.match(key)
        assert match, key
        events.setdefault(event["eventId"], event)
        partitions.setdefault(event["eventId"], set()).add("-".join(match.groups()))
    return events, partitions


def _of(events: dict[str, Any], order_ids: set[str]) -> dict[str, Any]:
    return {i: e for i, e in events.items() if e["orderId"] in order_ids}


def test_the_lake_holds_every_event_of_a_run_once_and_the_report_its_revenue(
    stack: RunningStack, tap: str
) -> None:
    shopper = stack.bearer(stack.shopper.email, stack.shopper.password)
    admin = stack.bearer(stack.admin.email, stack.admin.password)
    products = requests.get(f"{stack.api_url}/products?limit=50", timeout=10).json()["items"]
    product = next(p for p in products if p["stock"] >= ORDERS and not p.get("options"))
    revenue_before = _today_revenue(stack, admin)

    order_ids = {_place(stack, shopper, product) for _ in range(ORDERS)}
    deadline = time.monotonic() + LAKE_WAIT_SECONDS
    while not all(_settled(stack, shopper, o) for o in order_ids) and time.monotonic() < deadline:
        time.sleep(0.5)
    settled_at, expected = time.monotonic(), ORDERS * product["priceCents"]
    while (
        _today_revenue(stack, admin) - revenue_before < expected
        and time.monotonic() < settled_at + REPORT_FRESH_SECONDS
    ):
        time.sleep(0.2)
    revenue_after = _today_revenue(stack, admin)
    published: dict[str, Any] = {}
    while len(_of(published, order_ids)) < 4 * ORDERS and time.monotonic() < deadline:
        published.update(_published(stack, tap))
        time.sleep(0.2)
    in_lake, partitions = _unique(_lake(stack))
    while not set(published) <= set(in_lake) and time.monotonic() < deadline:
        time.sleep(0.5)
        in_lake, partitions = _unique(_lake(stack))
    ours = _of(published, order_ids)

    assert revenue_after - revenue_before == expected, stack.log()[-3000:]
    assert sorted(e["type"] for e in ours.values()) == sorted(
        ["OrderPlaced", "OrderConfirmed", "PaymentCaptured", "OrderFulfilled"] * ORDERS
    )
    assert set(published) <= set(in_lake)
    assert _of(in_lake, order_ids) == ours
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert {event_id: partitions[event_id] for event_id in ours} == {
        event_id: {today} for event_id in ours
    }
